"""Packed low-bit weights in the loop-nest family: int4/int8 weights and their fp16 scales at their own bits.

A W4/W8 Llama-3.2-1B decode step (all 16 layers, context 512, batch 1) on both loop-nest presets: every weight
matmul reads its packed weight tensors' bytes from DRAM, TPOT halves from W8 to W4 (the step is weight-bound),
no layer moves more DRAM bytes than the port carries in its time, and the mapper fits the packed weights in
its memories at their own bits (more per word than at the activation precision); the vectorised search costs
fractional bits per weight exactly as the scalar model does.
"""

from __future__ import annotations

import itertools
import math
from functools import cache

import pytest

from archsim.config.loader import load_arch
from archsim.loopnest.batch import Orders, evaluate_orders
from archsim.loopnest.cost import drain_cycles, evaluate, limited_spatial
from archsim.loopnest.layer import Operand, gemm_layer
from archsim.loopnest.mapper import Objective, allocate, best_mapping, temporal_factors, tile_elements
from archsim.loopnest.mapping import Mapping
from archsim.loopnest.network import node_layer, packed_weight_bits
from archsim.metrics import NetworkMetrics
from archsim.simulate import simulate
from workloads.graph import TensorKind, Workload
from workloads.ops import MatMul
from workloads.registry import load_workload

SPEC = "llama3.2-1b:phase=decode,context=512,batch=1,wbits={bits}"
PRESETS = ("loopnest-tpu-like", "loopnest-eyeriss-like")


@cache
def _run(arch: str, bits: int) -> tuple[Workload, NetworkMetrics]:
    workload = load_workload(SPEC.format(bits=bits))
    return workload, simulate(workload, load_arch(arch))


def test_weights_take_their_own_bits_plus_their_scales_and_wider_weights_the_activation_word() -> None:
    w4 = packed_weight_bits(load_workload(SPEC.format(bits=4)))
    assert len(w4) == 16 * 4 + 1 and set(w4.values()) == {4 + 16 / 128}  # an fp16 scale per 128 weights
    assert set(packed_weight_bits(load_workload(SPEC.format(bits=8))).values()) == {8 + 16 / 128}
    assert packed_weight_bits(load_workload(SPEC.format(bits=16))) == {}  # fp16 weights on fp16 words
    int8_words = "llama3.2-1b:phase=decode,context=512,batch=1,layers=1,abits=8,wbits={}"
    # int8 weights on int8 words read their scales too; fp16 weights are wider than the word: converted
    assert set(packed_weight_bits(load_workload(int8_words.format(8))).values()) == {8 + 16 / 128}
    assert packed_weight_bits(load_workload(int8_words.format(16))) == {}


@pytest.mark.parametrize("arch", PRESETS)
def test_weight_dram_bytes_are_the_packed_tensors(arch: str) -> None:
    """tpu-like: within one DRAM word (counts are of the 344-bit port); eyeriss-like: within 0.5%, its
    unrollings over 12 x 14 PEs are fractional (ZigZag's rule, 2048 / 14 per column) and round per period."""
    workload, metrics = _run(arch, 4)
    rows = {row.layer: row for row in metrics.layers}
    checked = 0
    for node in workload.nodes:
        weights = [workload.tensor(t) for t in node.inputs if workload.tensor(t).kind is TensorKind.WEIGHT]
        if not weights:
            continue
        packed = sum(t.nbytes(workload.precision) for t in weights)
        read = rows[node.name].filter_dram_reads * metrics.word_bytes
        slack = metrics.word_bytes if arch == "loopnest-tpu-like" else 0.005 * packed
        assert abs(read - packed) <= slack, (node.name, read, packed)
        checked += 1
    assert checked == 16 * 4 + 1


TPOT_MS = {
    "loopnest-tpu-like": {4: 21.99, 8: 42.50, 16: 82.93},
    "loopnest-eyeriss-like": {4: 411.6, 8: 797.2, 16: 1556.5},
}
"""Measured TPOT (ms) of the step at W4, W8 and W16 (fp16 weights on fp16 words: not packed, as before)."""
ENERGY_MJ = {"loopnest-tpu-like": {4: 31.54, 8: 60.20}, "loopnest-eyeriss-like": {4: 20.61, 8: 35.01}}
"""Measured energy per token (mJ) at W4 and W8."""


@pytest.mark.parametrize("arch", PRESETS)
def test_weight_bound_decode_halves_from_w8_to_w4(arch: str) -> None:
    """W4 / W8 measured 0.517 (tpu-like) and 0.516 (eyeriss-like); the weight bytes alone give 4.125 / 8.125.
    No step beats its weights and KV cache over the DRAM bandwidth (``bandwidth_bound_tpot_s``)."""
    totals = {bits: _run(arch, bits)[1].total() for bits in (4, 8, 16)}
    tpot = {bits: total["tpot_s"] * 1e3 for bits, total in totals.items()}
    assert tpot == {bits: pytest.approx(ms, rel=5e-4) for bits, ms in TPOT_MS[arch].items()}
    assert 0.50 <= tpot[4] / tpot[8] <= 0.53
    energy = {bits: totals[bits]["energy_per_token_pj"] * 1e-9 for bits in (4, 8)}
    assert energy == {bits: pytest.approx(mj, rel=5e-4) for bits, mj in ENERGY_MJ[arch].items()}
    assert all(total["tpot_s"] >= total["bandwidth_bound_tpot_s"] for total in totals.values())


@pytest.mark.parametrize("arch", PRESETS)
@pytest.mark.parametrize("bits", [4, 8])
def test_no_layer_moves_more_dram_bytes_than_the_port_carries(arch: str, bits: int) -> None:
    _, metrics = _run(arch, bits)
    for row in metrics.layers:
        moved = (row.ifmap_dram_reads + row.filter_dram_reads + row.ofmap_dram_writes) * metrics.word_bytes
        assert moved <= metrics.dram_bytes_per_cycle * row.total_cycles * (1 + 1e-12), row.layer


def test_the_mapper_fits_packed_weights_at_their_own_bits() -> None:
    """eyeriss-like's 3,584-bit filter scratchpad holds 224 fp16 weights; packed tiles hold more (509 measured)."""
    config = load_arch("loopnest-eyeriss-like")
    spad = next(m for m in config.memories if m.name == "filter_spad")
    most = 0.0
    for bits in (4, 8):
        workload = load_workload(SPEC.format(bits=bits).replace("batch=1", "batch=1,layers=1"))
        wbits = packed_weight_bits(workload)
        for node in workload.nodes:
            if node.name not in wbits:
                continue
            layer = node_layer(node, workload, config.vector_unit, workload.precision.bits, wbits[node.name])
            objective = Objective(config.objective)
            search = best_mapping(
                layer, config, config.spatial_mapping, objective, config.lpf_limit, config.spatial_search
            )
            mapping = search.mapping
            held = tile_elements(layer, Operand.W, list(mapping.temporal[Operand.W][0]))
            assert held * layer.precision["W"] <= spad.size_bits, node.name
            most = max(most, held)
    assert most > math.floor(spad.size_bits / 16)


@pytest.mark.parametrize(
    ("arch", "spatial"),
    [
        ("loopnest-tpu-like", {"D1": {"K": 256}, "D2": {"C": 256}}),
        ("loopnest-eyeriss-like", {"D1": {"K": 12}, "D2": {"C": 14}}),
    ],
)
@pytest.mark.parametrize("weight_bits", [4 + 16 / 128, 8 + 16 / 128])
def test_vectorised_search_equals_the_scalar_model_at_packed_bits(arch: str, spatial: dict, weight_bits: float) -> None:
    """The batch allocation and costing (``batch.py``) take fractional bits per weight as the scalar model does."""
    config = load_arch(arch)
    layer = gemm_layer(MatMul("mm", 16, 1024, 2048), 16, weight_bits)
    limited = limited_spatial(layer, config, spatial, fractional=True)
    listed = sorted(set(itertools.permutations(temporal_factors(layer, limited, 4))))
    orders = Orders.of(listed)
    batch = evaluate_orders(
        layer,
        config,
        limited,
        limited_spatial(layer, config, spatial, fractional=False),
        orders,
        drain_cycles(config, layer, spatial),
    )
    for i, order in enumerate(listed):
        mapping = Mapping(spatial, allocate(layer, config, limited, order))
        assert batch.temporal(orders, i) == mapping.temporal
        cost = evaluate(layer, config, mapping)
        assert batch.energy_pj[i] == cost.energy_pj
        assert batch.latency_cycles[i] == cost.latency_cycles
    assert len(listed) > 10
