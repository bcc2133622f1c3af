"""Per-layer mapping search: temporal loop orders and the memory level of every loop.

The space is LOMA's (Symons et al., "LOMA: Fast Auto-Scheduling on DNN Accelerators through
Loop-Order-based Memory Allocation", AICAS 2021), as ZigZag 3.9 searches it: the temporal
part of every loop is split into prime factors (merged smallest-first down to
``lpf_limit`` factors), every distinct order of those factors is a candidate, and each order
is allocated to memories bottom-up, each memory taking the longest run of innermost loops
whose tiles fit (memories shared by operands split their capacity). All orders are allocated
and costed together as numpy arrays (:mod:`archsim.loopnest.batch`); orders that the cost
model cannot tell apart share one costing. The spatial unrolling is the mapping file's
(or the config's default), clipped to the layer; where it leaves array dimensions open,
the candidates of :mod:`archsim.loopnest.spatial` are searched. The answer is *proven best within this
space* when every order was costed; identical layers are solved once (cache).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from archsim.config.loopnest import LoopNestConfig
from archsim.integers import prime_factors
from archsim.loopnest.batch import BatchCost, Orders, evaluate_orders
from archsim.loopnest.cost import (
    LayerCost,
    drain_cycles,
    evaluate,
    held_latency,
    limited_spatial,
    spatial_per_level,
)
from archsim.loopnest.layer import LoopNestLayer, Operand
from archsim.loopnest.mapping import Loop, Mapping
from archsim.loopnest.spatial import spatial_candidates


class Objective(StrEnum):
    """What the mapper minimises."""

    ENERGY = "energy"
    LATENCY = "latency"
    EDP = "edp"


def score(cost: LayerCost, objective: Objective, latency: float | None = None) -> tuple[float, float]:
    """Sort key of a cost under ``objective`` (ties broken by the other metric); ``latency`` replaces the cost's
    own (ZigZag's) latency, e.g. by :func:`archsim.loopnest.cost.held_latency`."""
    cycles = cost.latency_cycles if latency is None else latency
    if objective is Objective.ENERGY:
        return (cost.energy_pj, cycles)
    if objective is Objective.LATENCY:
        return (cycles, cost.energy_pj)
    return (cost.energy_pj * cycles, cycles)


def _ranked(cost: LayerCost, config: LoopNestConfig, objective: Objective, hold: bool) -> tuple[float, float]:
    """:func:`score` with the held latency (``hold``) or ZigZag's."""
    return score(cost, objective, held_latency(cost, config) if hold else None)


@dataclass(frozen=True)
class MapperResult:
    """The best mapping found for one layer and how it was found."""

    mapping: Mapping
    cost: LayerCost
    candidates: int
    """Loop orders in the space (of the spatial unrollings searched, not those bounded out)."""
    evaluated: int
    """Distinct mappings costed (orders that the cost model cannot tell apart are costed once)."""
    proven_best: bool
    """True when every order of the space was allocated and costed, or bounded out."""


def temporal_factors(layer: LoopNestLayer, spatial: dict[str, dict[str, float]], lpf_limit: int) -> list[Loop]:
    """Temporal loop factors left after the spatial unrolling, merged down to ``lpf_limit`` as LOMA merges them."""
    unrolled: dict[str, float] = {}
    for unroll in spatial.values():
        for dim, f in unroll.items():
            unrolled[dim] = unrolled.get(dim, 1) * f
    factors: list[Loop] = []
    for dim, size in layer.sizes.items():
        remaining = round(size / unrolled.get(dim, 1))
        factors += [(dim, p) for p in prime_factors(remaining)]
    # LOMA's rule: the loop with the most factors merges its two smallest, until the limit is met
    while len(factors) > lpf_limit:
        counts: dict[str, int] = {}
        for dim, _ in factors:
            counts[dim] = counts.get(dim, 0) + 1
        dim = max(layer.sizes, key=lambda d: counts.get(d, 0))
        if counts.get(dim, 0) < 2:
            break
        mine = sorted(f for d, f in factors if d == dim)
        factors = [x for x in factors if x[0] != dim] + [(dim, mine[0] * mine[1])] + [(dim, f) for f in mine[2:]]
    return factors


def tile_elements(layer: LoopNestLayer, op: Operand, loops: list[tuple[str, float]]) -> float:
    """Elements of ``op`` touched by ``loops`` (relevant loops, inputs through the index relation)."""
    sizes: dict[str, float] = {}
    for dim, f in loops:
        sizes[dim] = sizes.get(dim, 1) * f
    n = math.prod(sizes.get(d, 1) for d in layer.relevant[op])
    for p in layer.partial_dims(op):
        n *= p.tile(sizes.get(p.outer, 1), sizes.get(p.inner, 1))
    return n


def stored_bits(layer: LoopNestLayer, op: Operand, above: list[tuple[str, float]]) -> float:
    """Bits per element of ``op`` in a memory level with the loops ``above`` still outside it.

    Outputs are partial sums (``O`` bits) while a reduction loop (one irrelevant to the output)
    of size > 1 remains above the level, and final outputs (``O_final`` bits) once none does:
    the rule ZigZag 3.9's LOMA allocator applies when it sizes a level (``get_precision``), with
    the loops not yet allocated (temporal, and spatial loops above the level) as ``above``."""
    if op is not layer.operands[0]:
        return layer.precision[op.value]
    reduction = set(layer.irrelevant(op))
    partial = any(dim in reduction and factor > 1 for dim, factor in above)
    return layer.precision["O"] if partial else layer.precision["O_final"]


def allocate(
    layer: LoopNestLayer, config: LoopNestConfig, spatial: dict[str, dict[str, float]], order: tuple[Loop, ...]
) -> dict[Operand, tuple[tuple[Loop, ...], ...]]:
    """Memory level of every loop of ``order`` (innermost first), bottom-up, largest fitting tiles."""
    link = {config.operand_links[op.value]: op for op in layer.operands}
    levels = {op: config.levels(config.operand_links[op.value]) for op in layer.operands}
    below = {op: spatial_per_level(config, config.operand_links[op.value], spatial) for op in layer.operands}
    taken = dict.fromkeys(layer.operands, 0)
    result: dict[Operand, list[tuple[Loop, ...]]] = {op: [] for op in layer.operands}
    n = len(order)
    for mem in config.memories:
        ops = [link[m] for m in mem.operands if m in link]
        if not ops:
            continue
        cut: dict[Operand, int] = {}
        bits: dict[Operand, dict[int, float]] = {}
        for op in ops:
            lv = levels[op].index(mem)
            if lv == len(levels[op]) - 1:  # the outermost level takes whatever is left
                cut[op], bits[op] = n, {n: 0.0}
                continue
            spatial_below = [loop for level in below[op][: lv + 1] for loop in level]
            spatial_above = [loop for level in below[op][lv + 1 :] for loop in level]
            precision = stored_bits(layer, op, list(order[taken[op] :]) + spatial_above)

            def tile(
                k: int, op: Operand = op, spatial_below: list = spatial_below, precision: float = precision
            ) -> float:
                return tile_elements(layer, op, list(order[:k]) + spatial_below) * precision

            k = taken[op]
            bits[op] = {k: tile(k)}
            while k < n:  # tiles only grow with more loops: stop at the first that does not fit
                bits[op][k + 1] = tile(k + 1)
                if bits[op][k + 1] > mem.size_bits:
                    break
                k += 1
            cut[op] = k
        while sum(bits[op][cut[op]] for op in ops) > mem.size_bits:
            widest = max((op for op in ops if cut[op] > taken[op]), key=lambda op: bits[op][cut[op]], default=None)
            if widest is None:
                break
            cut[widest] -= 1
        for op in ops:
            result[op].append(tuple(order[taken[op] : cut[op]]))
            taken[op] = cut[op]
    return {op: tuple(v) for op, v in result.items()}


def search_layer(
    layer: LoopNestLayer,
    config: LoopNestConfig,
    spatial: dict[str, dict[str, int]],
    objective: Objective = Objective.LATENCY,
    lpf_limit: int = 6,
    hold: bool = False,
) -> MapperResult:
    """Best mapping of ``layer`` under ``objective`` over all loop orders of the LOMA space.

    All orders are allocated and costed at once (:mod:`archsim.loopnest.batch`, equal to the
    scalar model bit for bit); the best is the first order, in sorted order, with the lowest
    score, as a one-by-one scan finds it. Its cost (with breakdowns) comes from the scalar model.
    ``hold``: rank by the held latency (:func:`archsim.loopnest.cost.held_latency`) instead of ZigZag's
    (see :func:`_best_held`)."""
    limited = limited_spatial(layer, config, spatial, fractional=True)
    factors = temporal_factors(layer, limited, lpf_limit)
    if not factors:  # a layer with no temporal loops: one mapping
        mapping = Mapping(spatial, allocate(layer, config, limited, ()))
        return MapperResult(mapping, evaluate(layer, config, mapping), 1, 1, True)
    orders = Orders.of(sorted(set(itertools.permutations(factors))))
    batch = evaluate_orders(
        layer,
        config,
        limited,
        limited_spatial(layer, config, spatial, fractional=False),
        orders,
        drain_cycles(config, layer, spatial),
    )
    first, second = batch_score(batch, objective)
    ranked = np.lexsort((np.arange(orders.count), second, first))
    if hold and objective is not Objective.ENERGY:
        mapping, cost = _best_held(layer, config, spatial, objective, orders, batch, first, ranked)
        return MapperResult(mapping, cost, orders.count, batch.distinct, True)
    mapping = Mapping(spatial, batch.temporal(orders, int(ranked[0])))
    return MapperResult(mapping, evaluate(layer, config, mapping), orders.count, batch.distinct, True)


def _best_held(
    layer: LoopNestLayer,
    config: LoopNestConfig,
    spatial: dict[str, dict[str, int]],
    objective: Objective,
    orders: Orders,
    batch: BatchCost,
    first: np.ndarray,
    ranked: np.ndarray,
) -> tuple[Mapping, LayerCost]:
    """The order with the best score under the held latency, exactly: the held latency is never below ZigZag's,
    so ZigZag's score bounds it from below, and the orders are costed in ZigZag's ranking (each distinct mapping
    once) until that bound reaches the best held score found (ties go to the earlier order)."""
    memo: dict = {}
    seen: set[int] = set()
    best: tuple[tuple[float, float], Mapping, LayerCost] | None = None
    for row in ranked:
        if best is not None and first[row] >= best[0][0]:
            break
        key = int(batch.mapping_key[row])
        if key in seen:
            continue
        seen.add(key)
        mapping = Mapping(spatial, batch.temporal(orders, int(row)))
        cost = evaluate(layer, config, mapping, memo)
        ranking = _ranked(cost, config, objective, hold=True)
        if best is None or ranking < best[0]:
            best = (ranking, mapping, cost)
    assert best is not None
    return best[1], best[2]


def batch_score(batch: BatchCost, objective: Objective) -> tuple[np.ndarray, np.ndarray]:
    """:func:`score` of every candidate of a batch (primary and tie-breaking arrays)."""
    if objective is Objective.ENERGY:
        return batch.energy_pj, batch.latency_cycles
    if objective is Objective.LATENCY:
        return batch.latency_cycles, batch.energy_pj
    return batch.energy_pj * batch.latency_cycles, batch.latency_cycles


def latency_floor(
    layer: LoopNestLayer, config: LoopNestConfig, spatial: dict[str, dict[str, int]], lpf_limit: int
) -> int:
    """Cycles no loop order of ``spatial`` beats: its temporal iterations plus the array's drain.

    A mapping's latency adds stalls, on-loading and off-loading to these, each >= 0
    (:func:`archsim.loopnest.cost.evaluate`), so this bounds every order of the spatial unrolling."""
    limited = limited_spatial(layer, config, spatial, fractional=True)
    iterations = math.prod(size for _, size in temporal_factors(layer, limited, lpf_limit))
    return int(iterations) + drain_cycles(config, layer, spatial)


def _score_floor(
    layer: LoopNestLayer, config: LoopNestConfig, spatial: dict[str, dict[str, int]], objective: Objective, lpf: int
) -> float:
    """A lower bound on the primary score of every mapping of ``spatial`` (energy: none, 0)."""
    if objective is Objective.ENERGY:
        return 0.0
    cycles = latency_floor(layer, config, spatial, lpf)
    if objective is Objective.LATENCY:
        return float(cycles)
    return cycles * config.operational_array.unit_energy_pj * layer.macs  # every mapping pays the MACs' energy


def best_of_spatials(
    layer: LoopNestLayer,
    config: LoopNestConfig,
    spatials: list[dict[str, dict[str, int]]],
    objective: Objective = Objective.LATENCY,
    lpf_limit: int = 6,
    hold: bool = False,
) -> MapperResult:
    """The best mapping over the loop orders of every spatial unrolling in ``spatials`` (``hold``: ranked by the
    held latency, :func:`archsim.loopnest.cost.held_latency`).

    Unrollings are searched in order of their score floor, and one whose floor is above the best
    score found is skipped: it cannot win (branch and bound; the result is the exhaustive search's,
    ties going to the earlier unrolling of ``spatials``). Counts cover the unrollings searched."""
    floors = [_score_floor(layer, config, s, objective, lpf_limit) for s in spatials]
    results: dict[int, MapperResult] = {}
    best = math.inf
    for i in sorted(range(len(spatials)), key=lambda i: floors[i]):
        if floors[i] > best:
            break
        results[i] = search_layer(layer, config, spatials[i], objective, lpf_limit, hold)
        best = min(best, _ranked(results[i].cost, config, objective, hold)[0])
    chosen = results[min(results, key=lambda i: (_ranked(results[i].cost, config, objective, hold), i))]
    return MapperResult(
        chosen.mapping,
        chosen.cost,
        sum(r.candidates for r in results.values()),
        sum(r.evaluated for r in results.values()),
        all(r.proven_best for r in results.values()),
    )


def best_mapping(
    layer: LoopNestLayer,
    config: LoopNestConfig,
    spatial: dict[str, dict[str, int]],
    objective: Objective = Objective.LATENCY,
    lpf_limit: int = 6,
    spatial_search: str = "wide",
    hold: bool = False,
) -> MapperResult:
    """Best mapping over the spatial candidates (:func:`archsim.loopnest.spatial.spatial_candidates`
    with ``spatial_search`` = ``wide`` or ``zigzag``) and their loop orders (:func:`best_of_spatials`;
    ``hold``: ranked by the held latency)."""
    candidates = spatial_candidates(layer, config, spatial, spatial_search)
    return best_of_spatials(layer, config, candidates, objective, lpf_limit, hold)
