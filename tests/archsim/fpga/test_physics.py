"""FPGA physics: no layer beats its DRAM channel or the engine peak; roofline points match the latencies."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.config.fpga import BOARDS, DSP_PRECISIONS, FpgaConfig
from archsim.fpga.search import search_design
from archsim.fpga.towers import mac_shapes
from archsim.plots.roofline import layer_points
from archsim.simulate import simulate
from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import VectorFn
from workloads.precision import Precision


@st.composite
def small_networks(draw: st.DrawFn) -> Workload:
    """A conv (plain, grouped or depthwise), a pooling op and a fully connected layer of random sizes."""
    channels = draw(st.sampled_from([3, 8, 16, 24, 48]))
    groups = draw(st.sampled_from([1, 2, channels] if channels % 2 == 0 else [1, channels]))
    size = draw(st.integers(4, 40))
    filters = groups * draw(st.integers(1, 6)) if groups > 1 else draw(st.integers(1, 96))
    b = GraphBuilder("random", precision=Precision.INT8)
    x = b.input((draw(st.integers(1, 2)), channels, size, size))
    x = b.conv(x, filters, draw(st.sampled_from([1, 3, 5])), stride=draw(st.integers(1, 2)), groups=groups)
    x = b.pool(x, VectorFn.MAXPOOL, 2, 2)
    x = b.global_avgpool(x)
    b.linear(b.reshape(x, (b.shape(x)[0], b.shape(x)[1])), draw(st.integers(1, 300)))
    return b.build()


configs = st.builds(
    FpgaConfig,
    board=st.sampled_from(sorted(BOARDS)),
    precision=st.sampled_from(DSP_PRECISIONS),
    bandwidth_gbps=st.floats(0.05, 80.0),
    utilization_cap=st.sampled_from([0.3, 0.8, 1.0]),
)


@settings(max_examples=150, deadline=None)
@given(workload=small_networks(), config=configs)
def test_no_layer_beats_its_dram_channel_or_the_engine_peak(workload: Workload, config: FpgaConfig) -> None:
    metrics = simulate(workload, config)
    lanes = metrics.design["tm"] * metrics.design["tn"]
    word = config.precision.bytes
    gbps = config.bandwidth_gbps
    for layer in metrics.layers:
        moved = (layer.ifmap_dram_reads + layer.filter_dram_reads + layer.ofmap_dram_writes) * word
        assert layer.total_cycles * config.dram_bytes_per_cycle >= moved * (1 - 1e-12)  # time >= bytes / bandwidth
        assert layer.latency_s * gbps * 1e9 >= moved * (1 - 1e-9)
        assert layer.total_cycles * lanes >= layer.macs  # never more MACs per cycle than Tm x Tn
        if layer.macs:
            roof, ctc = layer.extras["compute_roof_gflops"], layer.extras["ctc_flop_per_byte"]
            attainable = layer.extras["attainable_gflops"]
            assert attainable <= roof * (1 + 1e-9)
            assert attainable <= ctc * gbps * (1 + 1e-9)  # under the bandwidth roof
            # The roofline point is the latency: min(roofs) up to the ceil of one stall cycle.
            cycles = layer.total_cycles
            assert attainable * cycles >= min(roof, ctc * gbps) * (cycles - 1) * (1 - 1e-9)
            assert roof <= 2 * lanes * config.clock_hz / 1e9 * (1 + 1e-9)
    total_bytes = sum(
        (layer.ifmap_dram_reads + layer.filter_dram_reads + layer.ofmap_dram_writes) * word for layer in metrics.layers
    )
    assert metrics.latency_s * gbps * 1e9 >= total_bytes * (1 - 1e-9)
    # `archsim plot roofline` places every MAC layer under both of the design's roofs.
    intensity, achieved = layer_points(metrics)
    peak = 2 * metrics.peak_macs_per_cycle * metrics.clock_hz
    bandwidth = metrics.dram_bytes_per_cycle * metrics.clock_hz
    assert np.all(achieved <= np.minimum(peak, intensity * bandwidth) * (1 + 1e-9))


@settings(max_examples=40, deadline=None)
@given(workload=small_networks(), config=configs)
def test_chosen_candidate_roofline_point_matches_the_simulated_latency(workload: Workload, config: FpgaConfig) -> None:
    metrics = simulate(workload, config)
    result = search_design(mac_shapes(workload), config)
    c = result.candidates
    row = int(np.flatnonzero((c.tm == result.design.tm) & (c.tn == result.design.tn))[0])
    mac_layers = [layer for layer in metrics.layers if layer.macs]
    cycles = sum(layer.total_cycles for layer in mac_layers)
    flops = 2.0 * sum(layer.macs for layer in mac_layers)
    simulated = flops / cycles * config.clock_hz / 1e9
    # The search's cycles are the per-layer max(compute, memory) before the ceil of each stall.
    assert c.cycles[row] <= cycles <= c.cycles[row] + len(mac_layers)
    assert math.isclose(c.attainable_gflops[row], simulated, rel_tol=len(mac_layers) / cycles + 1e-9)
    assert c.attainable_gflops[row] <= min(c.compute_roof_gflops[row], c.ctc[row] * config.bandwidth_gbps) * (1 + 1e-9)
