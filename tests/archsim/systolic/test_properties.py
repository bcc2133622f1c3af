"""Invariants of the systolic model (hypothesis)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.config.systolic import SystolicConfig
from archsim.systolic import simulate_layer
from archsim.systolic.dataflow import DATAFLOWS
from workloads.ops import Conv2d, MatMul

dims = st.integers(min_value=1, max_value=64)


@st.composite
def ops(draw: st.DrawFn) -> Conv2d | MatMul:
    if draw(st.booleans()):
        return MatMul("mm", m=draw(dims), n=draw(dims), k=draw(dims), batch=draw(st.integers(1, 3)))
    groups = draw(st.sampled_from([1, 1, 2, 4]))
    kernel = draw(st.integers(1, 3))
    size = draw(st.integers(kernel, 16))
    return Conv2d(
        "conv",
        in_channels=groups * draw(st.integers(1, 8)),
        out_channels=groups * draw(st.integers(1, 8)),
        in_h=size,
        in_w=size,
        kernel_h=kernel,
        kernel_w=kernel,
        stride_h=draw(st.integers(1, 2)),
        stride_w=draw(st.integers(1, 2)),
        groups=groups,
    )


@st.composite
def configs(draw: st.DrawFn) -> SystolicConfig:
    return SystolicConfig(
        rows=draw(st.integers(1, 48)),
        cols=draw(st.integers(1, 48)),
        dataflow=draw(st.sampled_from(["os", "ws", "is"])),
        ifmap_sram_kb=draw(st.sampled_from([0.25, 1.0, 4.0, 64.0])),
        filter_sram_kb=draw(st.sampled_from([0.25, 1.0, 4.0, 64.0])),
        ofmap_sram_kb=draw(st.sampled_from([0.25, 1.0, 4.0, 64.0])),
        ifmap_dram_bw=draw(st.sampled_from([1.0, 2.0, 10.0])),
        filter_dram_bw=draw(st.sampled_from([1.0, 2.0, 10.0])),
        ofmap_dram_bw=draw(st.sampled_from([1.0, 2.0, 10.0])),
        word_bytes=draw(st.sampled_from([1, 2, 4])),
        cores=draw(st.integers(1, 3)),
        scalesim_quirks=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(ops(), configs())
def test_cycles_cover_the_macs_and_utilizations_are_fractions(op: Conv2d | MatMul, config: SystolicConfig) -> None:
    m = simulate_layer(op, config)
    # SCALE-Sim reports the index of the last demand line, hence the + 1.
    assert m.compute_cycles + 1 >= op.macs / config.pes
    if config.rows * config.cols > 1:
        assert m.compute_cycles >= op.macs / config.pes
    assert m.total_cycles == m.compute_cycles + m.stall_cycles >= m.compute_cycles
    for value in (m.overall_util, m.mapping_efficiency, m.compute_util):
        assert value >= 0.0
        # With quirks a 1x1 array's last-line-index cycle count can undercount by one (SCALE-Sim does too).
        assert value <= 1.0 or (config.scalesim_quirks and config.rows * config.cols == 1)
    assert m.energy_pj > 0


@settings(max_examples=300, deadline=None)
@given(ops(), configs(), st.sampled_from(["ifmap_dram_bw", "filter_dram_bw", "ofmap_dram_bw"]), st.integers(2, 8))
def test_more_bandwidth_is_never_slower(op: Conv2d | MatMul, config: SystolicConfig, port: str, factor: int) -> None:
    config = dataclasses.replace(config, scalesim_quirks=False)
    faster = dataclasses.replace(config, **{port: getattr(config, port) * factor})
    assert simulate_layer(op, faster).total_cycles <= simulate_layer(op, config).total_cycles


@given(dims, dims, dims, st.integers(1, 64), st.integers(1, 64), st.integers(0, 16), st.integers(0, 16))
def test_a_bigger_array_never_needs_more_folds(
    m: int, n: int, k: int, rows: int, cols: int, more_r: int, more_c: int
) -> None:
    for flow in DATAFLOWS.values():
        small = flow.folds(m, n, k, rows, cols)
        big = flow.folds(m, n, k, rows + more_r, cols + more_c)
        assert big.folds <= small.folds
