"""Physical consistency of the NPU model: no memory moves more bytes than its bandwidth allows, no array beats peak.

Hypothesis draws small networks (conv, depthwise, residual add, pooling, FC,
softmax) and configurations (every Ethos-U / Edge-TPU preset with each memory's
bandwidth scaled), so the per-layer checks cover the weight and lookup-table
prefetch, which books bytes on the layer they move under.
"""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.config.loader import load_arch, load_preset, preset_names
from archsim.config.npu import Memory, NpuConfig
from archsim.metrics import NetworkMetrics
from archsim.simulate import simulate
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn

NPU_PRESETS = sorted(name for name in preset_names() if load_preset(name).family == "npu")
SLACK = 1.0 + 1e-9
"""Relative slack for float-to-integer rounding of the reported figures."""


@st.composite
def networks(draw: st.DrawFn) -> Workload:
    """A small random network: stem conv, a few blocks, optional pooling and classifier."""
    size = draw(st.integers(4, 40))
    channels = draw(st.integers(1, 96))
    b = GraphBuilder("random")
    x = b.conv(b.input((1, draw(st.integers(1, 16)), size, size)), channels, draw(st.sampled_from([1, 3, 5])))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["conv", "depthwise", "residual"]))
        stride = draw(st.sampled_from([1, 2]))
        if kind == "conv":
            channels = draw(st.integers(1, 160))
            x = b.conv(x, channels, draw(st.sampled_from([1, 3])), stride, activation=Activation.RELU)
        elif kind == "depthwise":
            x = b.depthwise(x, 3, stride, activation=Activation.RELU)
        else:
            x, stride = b.add(x, b.conv(x, channels, 1)), 1
        size = -(-size // stride)
    if size >= 2 and draw(st.booleans()):
        x = b.pool(x, VectorFn.MAXPOOL, 2, 2)
    if draw(st.booleans()):
        x = b.softmax(b.linear(b.global_avgpool(x), draw(st.integers(1, 1200))))
    return b.build()


@st.composite
def configs(draw: st.DrawFn) -> NpuConfig:
    """A preset with each memory's bandwidth scaled by 1/4..4."""
    config = load_arch(draw(st.sampled_from(NPU_PRESETS)))
    scale = st.sampled_from([0.25, 0.5, 1.0, 2.0, 4.0])
    return dataclasses.replace(
        config,
        sram_bytes_per_cycle=config.sram_bytes_per_cycle * draw(scale),
        dram_bytes_per_cycle=config.dram_bytes_per_cycle * draw(scale),
        flash_bytes_per_cycle=config.flash_bytes_per_cycle * draw(scale),
    )


def _check(metrics: NetworkMetrics, config: NpuConfig) -> None:
    peak = config.peak_macs_per_cycle
    for layer in metrics.layers:
        for memory in Memory:
            moved = layer.extras[f"{memory.value}_bytes"]
            if moved:
                assert moved <= config.bandwidth(memory) * layer.total_cycles * SLACK + 1, (layer.layer, memory)
                assert layer.extras[f"{memory.value}_access_cycles"] <= layer.total_cycles
        assert layer.macs <= peak * layer.compute_cycles * SLACK
        assert layer.compute_cycles <= layer.total_cycles
    for memory in Memory:
        moved = sum(layer.extras[f"{memory.value}_bytes"] for layer in metrics.layers)
        assert moved <= config.bandwidth(memory) * metrics.total_cycles * SLACK + len(metrics.layers)


@settings(max_examples=60, deadline=None)
@given(workload=networks(), config=configs())
def test_no_layer_moves_more_bytes_than_bandwidth_times_cycles_nor_beats_peak_macs(
    workload: Workload, config: NpuConfig
) -> None:
    _check(simulate(workload, config), config)


def _two_convs() -> Workload:
    b = GraphBuilder("two")
    b.conv(b.conv(b.input((1, 64, 28, 28)), 128, 3, activation=Activation.RELU), 128, 1)
    return b.build()


def test_weights_in_flash_are_prefetched_under_the_previous_layer() -> None:
    config = load_arch("ethos-u55-128")
    first, second = simulate(_two_convs(), config).layers
    b = GraphBuilder("alone")
    b.conv(b.input((1, 128, 28, 28)), 128, 1)
    alone = simulate(b.build(), config).layers[0]
    # Alone, the 1x1 conv waits for its first weight slice and reads all 16 KiB from flash.
    assert alone.extras["flash_bytes"] >= 128 * 128
    assert second.extras["flash_bytes"] < alone.extras["flash_bytes"] - 128 * 128 + 1
    assert second.extras["npu_cycles"] < alone.extras["npu_cycles"]
    # The prefetched weights are read from flash while the first conv runs.
    assert first.extras["flash_bytes"] >= 64 * 128 * 9 + 128 * 128


def test_softmax_loads_its_exp_lookup_table_from_the_constants_memory() -> None:
    b = GraphBuilder("softmax")
    b.softmax(b.input((1, 1000)))
    for preset, memory in (("ethos-u55-128", "flash"), ("ethos-u65-256", "dram")):
        layer = simulate(b.build(), load_arch(preset)).layers[0]
        assert layer.extras[f"{memory}_bytes"] >= 1024  # 256 32-bit entries (Vela's int8 exp table)


def test_filter_dram_reads_count_dram_only_and_flash_reads_have_their_own_column() -> None:
    workload = _two_convs()
    flash = simulate(workload, load_arch("ethos-u55-128"))
    assert sum(layer.filter_dram_reads for layer in flash.layers) == 0
    assert sum(layer.extras["filter_flash_reads"] for layer in flash.layers) >= 64 * 128 * 9 + 128 * 128
    dram = simulate(workload, load_arch("ethos-u65-256"))
    assert sum(layer.filter_dram_reads for layer in dram.layers) >= 64 * 128 * 9 + 128 * 128
    assert sum(layer.extras["filter_flash_reads"] for layer in dram.layers) == 0
