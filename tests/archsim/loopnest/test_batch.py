"""The vectorised search (``batch.py``) against the scalar model, order by order, on random layers."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from support.zigzag_reference import hardware

from archsim.loopnest.batch import Orders, evaluate_orders
from archsim.loopnest.cost import drain_cycles, evaluate, limited_spatial, mapping_key
from archsim.loopnest.layer import LoopNestLayer, layer_of
from archsim.loopnest.mapper import Objective, allocate, score, search_layer, temporal_factors
from archsim.loopnest.mapping import Mapping
from workloads.ops import Conv2d, MatMul

HARDWARE = {  # accelerator -> spatial unrolling of its bundled mapping (eyeriss: one of archsim's candidates)
    "tpu_like": {"D1": {"K": 32}, "D2": {"C": 32}},
    "meta_prototype": {"D1": {"K": 32}, "D2": {"C": 2}, "D3": {"OX": 4}, "D4": {"OY": 4}},
    "eyeriss_like": {"D1": {"K": 14}, "D2": {"OX": 12}},
    "edge_tpu_like": {"D1": {"K": 8}, "D2": {"C": 8}, "D3": {"OX": 4}, "D4": {"OY": 4}},
}


def random_layer(rng: random.Random, index: int) -> LoopNestLayer:
    """A random conv (strided, dilated, grouped or depthwise, padded or not) or matmul."""
    if rng.random() < 0.25:
        op = MatMul(f"mm{index}", rng.choice([1, 7, 64, 96]), rng.choice([10, 48, 256]), rng.choice([24, 100, 512]))
    else:
        groups = rng.choice([1, 1, 2, "dw"])
        channels = rng.choice([8, 24, 48, 96])
        stride, dilation, kernel = rng.choice([1, 2]), rng.choice([1, 1, 2]), rng.choice([1, 3, 5])
        pad = rng.choice([0, kernel // 2])
        size = rng.choice([7, 14, 28, 30])
        op = Conv2d(
            f"conv{index}",
            channels,
            channels if groups == "dw" else rng.choice([16, 64, 96]) * (groups if isinstance(groups, int) else 1),
            size,
            size,
            kernel,
            kernel,
            stride,
            stride,
            pad,
            pad,
            pad,
            pad,
            dilation,
            dilation,
            channels if groups == "dw" else groups,
        )
    layer = layer_of(op)
    assert layer is not None
    return layer


CASES = [(hw, seed) for hw in HARDWARE for seed in range(3)]


@pytest.mark.parametrize(("accelerator", "seed"), CASES)
def test_vectorised_equals_scalar_on_every_order(accelerator: str, seed: int) -> None:
    rng = random.Random(f"{accelerator}-{seed}")
    layer, config = random_layer(rng, seed), hardware(accelerator)
    spatial = HARDWARE[accelerator]
    limited = limited_spatial(layer, config, spatial, fractional=True)
    factors = temporal_factors(layer, limited, 5)
    listed = sorted(set(itertools.permutations(factors)))
    orders = Orders.of(listed)
    batch = evaluate_orders(
        layer,
        config,
        limited,
        limited_spatial(layer, config, spatial, fractional=False),
        orders,
        drain_cycles(config, layer, spatial),
    )
    keys = set()
    for i, order in enumerate(listed):
        mapping = Mapping(spatial, allocate(layer, config, limited, order))
        assert batch.temporal(orders, i) == mapping.temporal
        cost = evaluate(layer, config, mapping)
        assert batch.energy_pj[i] == cost.energy_pj  # exactly: same float operations
        assert batch.latency_cycles[i] == cost.latency_cycles
        keys.add(mapping_key(layer, config, mapping))
    assert batch.distinct == len(keys)  # candidates pruned as duplicates are exactly the scalar model's
    assert np.ptp(batch.latency_cycles) > 0 or np.ptp(batch.energy_pj) > 0 or len(listed) < 3


@pytest.mark.parametrize("objective", list(Objective))
def test_search_picks_what_a_scalar_scan_picks(objective: Objective) -> None:
    rng = random.Random(str(objective))
    config, spatial = hardware("meta_prototype"), HARDWARE["meta_prototype"]
    while True:  # a random layer small enough for a scalar scan (at most 5 loop factors)
        layer = random_layer(rng, 0)
        limited = limited_spatial(layer, config, spatial, fractional=True)
        if len(temporal_factors(layer, limited, 5)) <= 5:
            break
    best = None
    for order in sorted(set(itertools.permutations(temporal_factors(layer, limited, 5)))):
        mapping = Mapping(spatial, allocate(layer, config, limited, order))
        cost = evaluate(layer, config, mapping)
        if best is None or score(cost, objective) < best[0]:
            best = (score(cost, objective), mapping)
    assert best is not None
    result = search_layer(layer, config, spatial, objective, lpf_limit=5)
    assert result.mapping == best[1]
    assert score(result.cost, objective) == best[0]
