"""The per-layer mapper against ZigZag's reference best, and the invariants of its allocation."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest
from support.zigzag_reference import hardware, layer_of_row

from archsim.config.loader import load_arch
from archsim.config.loopnest import LoopNestConfig
from archsim.config.loopnest_zigzag import entry_for, read_mapping_file
from archsim.loopnest.cost import LayerCost, evaluate, held_latency, limited_spatial, spatial_per_level
from archsim.loopnest.layer import LoopNestLayer, Operand, layer_of
from archsim.loopnest.mapper import (
    Objective,
    allocate,
    best_mapping,
    stored_bits,
    temporal_factors,
    tile_elements,
)
from archsim.loopnest.mapping import Mapping
from archsim.loopnest.spatial import spatial_candidates
from archsim.simulate import simulate
from workloads.builder import GraphBuilder
from workloads.ops import Conv2d, MatMul
from workloads.precision import Precision

CASES = [  # (run_id, layer): latency and energy objectives, conv and gemm, two accelerators
    ("net_resnet18onnx_tpu_like_lat_lpf6", "/layer4/layer4.0/conv2/Conv"),
    ("net_resnet18onnx_tpu_like_energy_lpf6", "/layer2/layer2.0/downsample/downsample.0/Conv"),
    ("net_resnet18onnx_meta_prototype_lat_lpf6", "/fc/Gemm"),
]


@pytest.mark.parametrize(("run_id", "layer_name"), CASES)
def test_mapper_within_band_of_zigzag_best(reference_rows, zz_inputs, run_id: str, layer_name: str) -> None:
    row = next(r for r in reference_rows if r["run_id"] == run_id and r["layer_name"] == layer_name)
    entries = read_mapping_file(zz_inputs / "mapping" / row["mapping_file"])
    entry = entry_for(entries, layer_name, row["operator_type"])
    objective = Objective(row["opt"])
    result = best_mapping(layer_of_row(row), hardware(row["accelerator"]), entry.spatial, objective)
    ours = result.cost.energy_pj if objective is Objective.ENERGY else result.cost.latency_cycles
    ref = float(row["energy_pJ"] if objective is Objective.ENERGY else row["latency_cycles"])
    assert -0.05 <= ours / ref - 1 <= 0.02
    assert result.proven_best and result.evaluated >= 1


def test_allocation_fits_every_memory_below_the_top(reference_rows) -> None:
    row = next(r for r in reference_rows if r["accelerator"] == "meta_prototype")
    layer, config = layer_of_row(row), hardware("meta_prototype")
    spatial = limited_spatial(layer, config, {"D1": {"K": 32}, "D2": {"C": 2}, "D3": {"OX": 4}, "D4": {"OY": 4}}, True)
    order = (("OX", 7), ("OY", 7), ("C", 2), ("FX", 7), ("FY", 7), ("K", 2))
    temporal = allocate(layer, config, spatial, order)
    for mem in config.memories:
        total = 0.0
        for op, levels in temporal.items():
            mem_op = config.operand_links[op.value]
            mems = config.levels(mem_op)
            if mem not in mems or mem is mems[-1]:
                continue
            lv = mems.index(mem)
            loops = [lp for level in levels[: lv + 1] for lp in level]
            loops += [lp for level in spatial_per_level(config, mem_op, spatial)[: lv + 1] for lp in level]
            bits = layer.precision["O" if op.value == "O" else op.value]
            total += tile_elements(layer, op, loops) * bits
        assert total <= mem.size_bits, mem.name
    # every loop is placed exactly once for every operand
    for levels in temporal.values():
        assert sorted(lp for level in levels for lp in level) == sorted(order)


def test_open_array_dimensions_are_searched(reference_rows) -> None:
    row = next(r for r in reference_rows if r["accelerator"] == "eyeriss_like")
    layer, config = layer_of_row(row), hardware("eyeriss_like")
    candidates = spatial_candidates(layer, config, {})
    assert len(candidates) >= 3
    sizes = config.operational_array.size_of
    for c in candidates:
        for oa, unroll in c.items():
            assert math.prod(unroll.values()) <= sizes[oa]
    assert spatial_candidates(layer, config, {"D1": {"K": 14}, "D2": {"OX": 12}}) == [
        {"D1": {"K": 14}, "D2": {"OX": 12}}
    ]


def test_outputs_take_final_bits_once_no_reduction_loop_is_left_above() -> None:
    conv = layer_of(Conv2d("c", 16, 32, 8, 8, 3, 3))  # reduction loops C, FY, FX
    gemm = layer_of(MatMul("g", 4, 64, 128))  # reduction loop C
    assert conv is not None and gemm is not None
    assert stored_bits(conv, Operand.O, [("K", 2), ("FY", 3)]) == 16  # partial sums while FY is still outside
    assert stored_bits(conv, Operand.O, [("K", 2), ("OX", 8)]) == 8  # every reduction loop is inside: final
    assert stored_bits(conv, Operand.O, [("C", 1.0)]) == 8  # a loop of size 1 leaves nothing to add
    assert stored_bits(gemm, Operand.O, [("C", 2)]) == 16
    assert stored_bits(gemm, Operand.I, [("C", 2)]) == stored_bits(conv, Operand.W, []) == 8


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("preset", ["loopnest-eyeriss-like", "loopnest-tpu-like"])
def test_bounding_out_unrollings_finds_the_exhaustive_best(preset: str, objective: Objective) -> None:
    """Branch and bound over spatial unrollings: every unrolling's latency is at least its floor, and the
    mapping chosen is the one an exhaustive scan (first best in candidate order) picks, on ResNet-18's first
    conv, a 3x3 stage-3 conv and its FC layer, with the open-array spatial search (eyeriss-like under the
    latency objective searches fewer orders than the exhaustive scan)."""
    from archsim.config.loader import load_arch
    from archsim.loopnest.mapper import latency_floor, score, search_layer

    config = load_arch(preset)
    layers = [
        layer_of(Conv2d("c1", 3, 64, 224, 224, 7, 7, 2, 2, 3, 3, 3, 3)),
        layer_of(Conv2d("c3", 128, 256, 28, 28, 3, 3, 2, 2, 1, 1, 1, 1)),
        layer_of(MatMul("fc", 1, 512, 1000)),
    ]
    pruned_somewhere = False
    for layer in layers:
        candidates = spatial_candidates(layer, config, {}, "wide")
        exhaustive = [search_layer(layer, config, s, objective, 4) for s in candidates]
        for s, result in zip(candidates, exhaustive, strict=True):
            assert result.cost.latency_cycles >= latency_floor(layer, config, s, 4)
        best = min(range(len(candidates)), key=lambda i: (score(exhaustive[i].cost, objective), i))
        result = best_mapping(layer, config, {}, objective, 4)
        assert result.mapping == exhaustive[best].mapping and result.cost == exhaustive[best].cost
        assert result.proven_best
        pruned_somewhere |= result.candidates < sum(r.candidates for r in exhaustive)
    if preset == "loopnest-eyeriss-like" and objective is Objective.LATENCY:  # where the bound bites
        assert pruned_somewhere


def search_orders_exhaustively(
    layer: LoopNestLayer, config: LoopNestConfig, spatial: dict[str, dict[str, int]]
) -> list[LayerCost]:
    """The scalar model's cost of every loop order of every spatial candidate (what the mapper searches)."""
    costs = []
    for candidate in spatial_candidates(layer, config, spatial, config.spatial_search):
        limited = limited_spatial(layer, config, candidate, fractional=True)
        for order in sorted(set(itertools.permutations(temporal_factors(layer, limited, config.lpf_limit)))):
            costs.append(evaluate(layer, config, Mapping(candidate, allocate(layer, config, limited, order))))
    return costs


def _with_dram_bits(config: LoopNestConfig, bits: int) -> LoopNestConfig:
    memories = tuple(
        dataclasses.replace(m, ports=tuple(dataclasses.replace(p, bandwidth_max=bits) for p in m.ports))
        if m.name == "dram"
        else m
        for m in config.memories
    )
    return dataclasses.replace(config, memories=memories)


def test_ranking_by_the_held_latency_is_exact_and_keeps_a_wider_port_no_slower() -> None:
    """The mapper ranks by the latency archsim reports (held at the busiest port's bound): a wider DRAM port is
    never slower, and no order of the space beats the choice under that latency (found by a physics audit)."""
    builder = GraphBuilder("wide", precision=Precision.INT8)
    builder.conv(builder.input((1, 1000, 5, 5)), 1000, 1)
    workload = builder.build()
    base = load_arch("loopnest-eyeriss-like")
    cycles = [simulate(workload, _with_dram_bits(base, bits)).layers[0].total_cycles for bits in (32, 64, 128, 256)]
    assert cycles == sorted(cycles, reverse=True)
    layer = layer_of(workload.nodes[0].op)
    config = _with_dram_bits(base, 256)
    held = best_mapping(layer, config, dict(config.spatial_mapping), hold=True)
    zigzag = best_mapping(layer, config, dict(config.spatial_mapping))
    assert held_latency(held.cost, config) < held_latency(zigzag.cost, config)  # ZigZag's pick is port-bound here
    assert zigzag.cost.latency_cycles <= held.cost.latency_cycles
    every = search_orders_exhaustively(layer, config, dict(config.spatial_mapping))
    assert held_latency(held.cost, config) == min(held_latency(cost, config) for cost in every)
