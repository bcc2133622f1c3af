"""Packed int4 PEs: an int4 layer folds its reduction in pairs, is never slower than int8, and pays its area."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.config.systolic import SystolicConfig
from archsim.errors import InputError
from archsim.simulate import simulate
from archsim.systolic import simulate_layer
from archsim.systolic.costs import config_area_mm2, hardware
from archsim.systolic.lowbit import PACKING_EXTRA_UM2, packed_layer
from archsim.systolic.model import gemm_cost
from archsim.systolic.vectorised import designs_from_configs
from workloads.ops import Conv2d, MatMul
from workloads.precision import Precision
from workloads.registry import load_workload

PACKED = SystolicConfig(
    rows=16, cols=16, dataflow="ws", ifmap_sram_kb=64, filter_sram_kb=64, ofmap_sram_kb=32, int4_macs_per_pe=2
)


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
@pytest.mark.parametrize("k", [64, 75, 9])
def test_packed_int4_matmul_costs_the_cycles_of_the_halved_reduction(dataflow: str, k: int) -> None:
    config = dataclasses.replace(PACKED, dataflow=dataflow)
    int4 = packed_layer(MatMul("mm", 1, 96, k, 40), hardware(config), config, None)
    half = simulate_layer(MatMul("mm", 1, 96, -(-k // 2), 40), config)
    assert int4.compute_cycles == half.compute_cycles and int4.total_cycles == half.total_cycles
    assert int4.ifmap_sram_reads == half.ifmap_sram_reads and int4.filter_dram_reads == half.filter_dram_reads
    assert int4.macs == 96 * k * 40  # the real MACs, not the packed slots


@settings(max_examples=25, deadline=None)
@given(
    channels=st.integers(1, 64),
    filters=st.integers(1, 64),
    size=st.integers(5, 20),
    kernel=st.sampled_from([1, 3, 5]),
    depthwise=st.booleans(),
    dataflow=st.sampled_from(["os", "ws", "is"]),
    rows=st.sampled_from([4, 8, 16]),
    bw=st.sampled_from([1, 4, 16]),
)
def test_int4_is_never_slower_nor_costlier_than_int8_on_a_packing_array(
    channels: int, filters: int, size: int, kernel: int, depthwise: bool, dataflow: str, rows: int, bw: int
) -> None:
    conv = Conv2d("c", channels, channels if depthwise else filters, size, size, kernel, kernel)
    if depthwise:
        conv = dataclasses.replace(conv, groups=channels)
    config = dataclasses.replace(
        PACKED, dataflow=dataflow, rows=rows, ifmap_dram_bw=bw, filter_dram_bw=bw, ofmap_dram_bw=bw
    )
    int8 = simulate_layer(conv, config)
    int4 = packed_layer(conv, hardware(config), config, None)
    assert int4.compute_cycles <= int8.compute_cycles and int4.energy_pj < int8.energy_pj
    int4_bytes = int4.ifmap_dram_reads + int4.filter_dram_reads + int4.ofmap_dram_writes
    assert int4_bytes <= int8.ifmap_dram_reads + int8.filter_dram_reads + int8.ofmap_dram_writes
    # The stall model is monotone in the work (test_monotonicity.py), so the smaller packed GEMM is never slower.
    assert int4.total_cycles <= int8.total_cycles
    assert int4.macs == int8.macs <= 2 * config.pes * int4.compute_cycles  # never above the packed peak


def test_network_int4_packs_int8_does_not_and_area_grows_by_the_packing_adders() -> None:
    plain = dataclasses.replace(PACKED, int4_macs_per_pe=1)
    workload = load_workload("mobilenet_v1")
    int8_plain, int8_packed = (simulate(workload, c) for c in (plain, PACKED))
    int4 = simulate(workload.with_precision(Precision.INT4), PACKED)
    assert [m.total_cycles for m in int8_plain.layers] == [m.total_cycles for m in int8_packed.layers]
    assert int8_packed.area_mm2 - int8_plain.area_mm2 == pytest.approx(256 * PACKING_EXTRA_UM2 * 1e-6)
    assert config_area_mm2(PACKED) == pytest.approx(int8_packed.area_mm2)
    assert int4.total_cycles < 0.75 * int8_packed.total_cycles and int4.peak_macs_per_cycle == 2 * 256
    assert all(m.macs <= int4.peak_macs_per_cycle * m.total_cycles for m in int4.layers)


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"int4_macs_per_pe": 4}, "int4_macs_per_pe must be 1 or 2"),
        ({"word_bytes": 2}, "needs word_bytes 1"),
        ({"scalesim_quirks": True}, "scalesim_quirks false"),
    ],
)
def test_bad_packing_configs_are_one_line_errors(fields: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        dataclasses.replace(PACKED, **fields)


def test_vectorised_path_refuses_packed_arrays_rather_than_ignoring_them() -> None:
    with pytest.raises(InputError, match="int4_macs_per_pe 1"):
        designs_from_configs([PACKED])


def test_a_packed_network_costs_each_int4_layer_once_and_as_packed_layer_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """simulate_systolic used to cost every int4 conv/matmul as int8 first, then again packed."""
    import archsim.systolic.layer as layer_module
    import archsim.systolic.lowbit as lowbit_module
    import archsim.systolic.network as network_module

    calls: list[int] = []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return gemm_cost(*args, **kwargs)

    monkeypatch.setattr(layer_module, "gemm_cost", counted)
    monkeypatch.setattr(lowbit_module, "gemm_cost", counted)
    network_module._costed.cache_clear()
    workload = load_workload("mobilenet_v1").with_precision(Precision.INT4)
    metrics = simulate(workload, PACKED)
    gemms = [node.op for node in workload if isinstance(node.op, Conv2d | MatMul)]
    assert len(calls) == len(gemms)
    hw = hardware(PACKED)
    packed = [m for m in metrics.layers if m.extras.get("int4_macs_per_pe") == 2]
    assert [m.total_cycles for m in packed] == [packed_layer(op, hw, PACKED, None).total_cycles for op in gemms]
