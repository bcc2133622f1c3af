"""The paper's cycle formula, traffic terms, group mapping and roofline invariants."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from archsim.fpga.model import layer_cost
from archsim.fpga.shapes import layer_shape, tile_options
from workloads.ops import Conv2d, MatMul

P = 20


def conv(m: int, n: int, size: int, k: int, stride: int = 1, groups: int = 1, pad: int = 0) -> Conv2d:
    return Conv2d("c", n, m, size, size, k, k, stride, stride, pad, pad, pad, pad, groups=groups)


def one_tile_cycles(op: Conv2d, tm: int, tn: int) -> float:
    shape = layer_shape(op)
    assert shape is not None
    return float(layer_cost(shape, np.array(tm), np.array(tn), 1, 1, P, 4, 1e12).compute_cycles)


def test_execution_cycles_follow_the_papers_formula() -> None:
    # AlexNet conv3 per tower (M=192, N=256, 13x13, K=3) on <64, 7>, one 13x13 tile:
    # ceil(192/64) * ceil(256/7) * (13*13*9 + P) = 3 * 37 * 1541.
    conv3 = conv(192, 256, 15, 3)
    assert one_tile_cycles(conv3, 64, 7) == 3 * 37 * (13 * 13 * 9 + P) == 171_051
    assert one_tile_cycles(conv3, 96, 5) == 2 * 52 * 1541 == 160_264
    # conv2 per tower: M=128, N=48, 27x27, K=5 (input 31x31 after padding).
    assert one_tile_cycles(conv(128, 48, 31, 5), 64, 7) == 2 * 7 * (27 * 27 * 25 + P)


def test_tiles_add_pipeline_fills_and_reload_weights() -> None:
    op = conv(16, 8, 34, 3)  # 32x32 output
    shape = layer_shape(op)
    assert shape is not None
    options = tile_options(shape)
    whole = int(np.flatnonzero((options.tr == 32) & (options.tc == 32))[0])
    quarter = int(np.flatnonzero((options.tr == 16) & (options.tc == 16))[0])
    costs = [
        layer_cost(shape, np.array(8), np.array(4), options.tiles[i], options.in_area[i], P, 1, 1e12)
        for i in (whole, quarter)
    ]
    assert costs[1].compute_cycles - costs[0].compute_cycles == 2 * 2 * 3 * P  # 3 more tiles x 4 chunk iterations
    assert costs[1].weight_words == 4 * costs[0].weight_words == 4 * op.weight_elements
    assert costs[1].input_words > costs[0].input_words  # halos loaded twice
    assert costs[0].input_words == 2 * 8 * 34 * 34  # input reloaded once per output chunk (ceil(16/8) = 2)
    assert costs[0].output_words == op.output_elements


def test_memory_bound_layer_takes_traffic_over_bandwidth() -> None:
    shape = layer_shape(MatMul("fc", 1, 4096, 9216))
    assert shape is not None
    cost = layer_cost(shape, np.array(64), np.array(7), 1, 1, P, 4.0, 45.0)  # 4.5 GB/s at 100 MHz
    words = 9216 * 4096 + 9216 * 64 + 4096  # weights once, input once per output chunk, outputs once
    assert float(cost.input_words + cost.weight_words + cost.output_words) == words
    assert float(cost.cycles) == words * 4 / 45.0 > float(cost.compute_cycles)


def test_groups_run_side_by_side_when_they_fit() -> None:
    depthwise = conv(32, 32, 10, 3, groups=32)
    # min(Tm // 1, Tn // 1) = 4 channels at once on <8, 4>: 8 passes.
    assert one_tile_cycles(depthwise, 8, 4) == 8 * (8 * 8 * 9 + P)
    grouped = conv(64, 32, 10, 3, groups=2)  # 32 out x 16 in per group: too big for <16, 8>
    assert one_tile_cycles(grouped, 16, 8) == 2 * 2 * 2 * (8 * 8 * 9 + P)
    assert one_tile_cycles(grouped, 64, 32) == 1 * (8 * 8 * 9 + P)  # both groups at once


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(1, 96),
    n=st.integers(1, 64),
    size=st.integers(3, 40),
    k=st.sampled_from([1, 3, 5]),
    tm=st.integers(1, 64),
    tn=st.integers(1, 32),
    bandwidth=st.floats(0.5, 64.0),
)
def test_roofline_invariants(m: int, n: int, size: int, k: int, tm: int, tn: int, bandwidth: float) -> None:
    shape = layer_shape(conv(m, n, size, k, pad=k // 2))
    assert shape is not None
    options = tile_options(shape)
    i = len(options.tiles) // 2
    slow = layer_cost(shape, np.array(tm), np.array(tn), options.tiles[i], options.in_area[i], P, 1, bandwidth)
    fast = layer_cost(shape, np.array(tm), np.array(tn), options.tiles[i], options.in_area[i], P, 1, 2 * bandwidth)
    assert float(slow.compute_cycles) >= math.ceil(shape.macs / (tm * tn))
    assert float(fast.cycles) <= float(slow.cycles)  # more bandwidth is never slower
    assert float(slow.cycles) == max(float(slow.compute_cycles), float(slow.memory_cycles))
    assert float(slow.weight_words) >= m * n * k * k  # every weight loaded at least once
