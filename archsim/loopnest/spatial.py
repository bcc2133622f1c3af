"""Spatial unrollings to search when a mapping leaves array dimensions open.

Two candidate sets (``spatial_search`` of :class:`~archsim.config.loopnest.LoopNestConfig`):

* ``wide`` (archsim's default, :func:`wide_candidates`): single-loop unrollings of every open
  array dimension ranked by utilization plus a diversity bonus; the best three and every
  candidate tied with the third are searched.
* ``zigzag`` (:func:`zigzag_candidates`): the three unrollings ZigZag 3.9.1's
  ``SpatialMappingGeneratorStage`` generates by default, for like-for-like comparisons:
  per open dimension, single-loop unrollings by every divisor (largest first) of the loop's
  maximal unrolling (the loop size, the array dimension and, for loops that index an operand,
  the bandwidth of the innermost memory serving that dimension: ``bandwidth // precision``);
  the valid combinations ranked by ZigZag's performance indicator (hardware utilization
  ``u`` plus ``u / largest unrolling of one loop - 1``), ties broken by the generation order;
  the first three kept, each then shrunk to the capacity of the innermost memories (in place:
  ZigZag's candidates share the unrolling object of each array dimension, so shrinking one
  candidate shrinks the same unrolling in the later ones; reproduced on purpose).
  ZigZag generates unrollings loop by loop in the iteration order of a Python ``set`` of its
  loop-dimension objects (SHA-512-hashed names), which is fixed for a given list of loops;
  :data:`ZIGZAG_HINT_ORDER` records that order (observed by running ZigZag 3.9.1 on the
  loop lists its ONNX parser builds for Conv and Gemm).
"""

from __future__ import annotations

import itertools
import math

from archsim.config.loopnest import Direction, LoopNestConfig, Memory
from archsim.loopnest.layer import LoopNestLayer, Operand

ZIGZAG_HINT_ORDER = {
    "conv": ("FY", "FX", "B", "G", "OX", "C", "K", "OY"),
    "gemm": ("K", "D", "C"),
    "batched_gemm": ("K", "B", "D", "C"),
}
"""Order in which ZigZag 3.9.1 tries loop dimensions on an open array dimension (per loop list)."""

Unrolling = dict[str, dict[str, int]]


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _totals(candidate: Unrolling) -> dict[str, int]:
    total: dict[str, int] = {}
    for unroll in candidate.values():
        for dim, f in unroll.items():
            total[dim] = total.get(dim, 1) * f
    return total


def wide_candidates(layer: LoopNestLayer, config: LoopNestConfig, given: Unrolling, keep: int = 3) -> list[Unrolling]:
    """The given unrolling when it names every array dimension, else the given dimensions plus
    single-loop unrollings of the open ones, ranked by utilization plus a diversity bonus;
    the best ``keep`` and everything tied with them."""
    array = config.operational_array.size_of
    open_dims = [d for d in array if d not in given]
    if not open_dims:
        return [given]
    options = []
    for oa in open_dims:
        choices: list[dict[str, int]] = [{}]
        for dim, size in layer.sizes.items():
            choices += [{dim: f} for f in _divisors(min(size, array[oa])) if f > 1]
        options.append(choices)
    ranked = []
    for combo in itertools.product(*options):
        candidate = dict(given)
        candidate.update({oa: c for oa, c in zip(open_dims, combo, strict=True)})
        total = _totals(candidate)
        if any(f > layer.sizes.get(dim, 1) for dim, f in total.items()):
            continue
        utilization = math.prod(total.values()) if total else 1
        diversity = utilization / max(total.values(), default=1) - 1
        ranked.append((-(utilization + diversity), candidate))
    ranked.sort(key=lambda x: x[0])
    if not ranked:
        return [given]
    cutoff = ranked[min(keep, len(ranked)) - 1][0]
    return [c for s, c in ranked if s <= cutoff]


def _loop_dims(layer: LoopNestLayer) -> tuple[str, ...]:
    if layer.kind == "conv":
        return ZIGZAG_HINT_ORDER["conv"]
    return ZIGZAG_HINT_ORDER["batched_gemm" if "B" in layer.sizes else "gemm"]


def _innermost(config: LoopNestConfig) -> list[Memory]:
    """Memories below which no other memory sits for any operand they hold (ZigZag's inner memories)."""
    return [m for m in config.memories if all(config.levels(op)[0] is m for op in m.operands)]


def _precision(layer: LoopNestLayer, op: Operand) -> float:
    return layer.precision["O" if op is layer.operands[0] else op.value]


def _indexes(layer: LoopNestLayer, op: Operand, dim: str) -> bool:
    """Whether loop ``dim`` indexes ``op`` (fully or through the input-index relation), as ZigZag counts it."""
    if dim not in layer.sizes:  # ZigZag's size-1 loops keep their relevancy; their unrolling is 1 anyway
        return True
    return dim not in layer.irrelevant(op)


def _max_unrolling(layer: LoopNestLayer, config: LoopNestConfig) -> dict[str, dict[str, int]]:
    array = config.operational_array.size_of
    dims = _loop_dims(layer)
    limit = {oa: {d: min(layer.sizes.get(d, 1), n) for d in dims} for oa, n in array.items()}
    link = {config.operand_links[op.value]: op for op in layer.operands}
    for mem in _innermost(config):
        for mem_op in mem.operands:
            if mem_op not in link:
                continue
            op = link[mem_op]
            direction = Direction.FROM_LOW if op is layer.operands[0] else Direction.TO_LOW
            port = mem.port_of(mem_op, direction)
            if port is None:
                continue
            most = int(port.bandwidth_max // _precision(layer, op))
            for oa in mem.served_dimensions:
                for dim in dims:
                    if _indexes(layer, op, dim) and most < limit[oa][dim]:
                        limit[oa][dim] = most
    return limit


def _fit_capacity(layer: LoopNestLayer, config: LoopNestConfig, candidate: Unrolling) -> None:
    """Shrink, in place, unrollings that make an innermost memory hold more elements than fit
    (ZigZag's rule: the largest factor loses one until the product fits, never below one; the new
    factors replace the old ones by value)."""
    link = {config.operand_links[op.value]: op for op in layer.operands}
    order = _loop_dims(layer)
    for mem in _innermost(config):
        for mem_op in mem.operands:
            if mem_op not in link:
                continue
            op = link[mem_op]
            served = [oa for oa in candidate if oa in mem.served_dimensions]
            dims = [d for d in order if any(d in candidate[oa] for oa in served) and _indexes(layer, op, d)]
            factors = [candidate[oa][d] for d in dims for oa in served if d in candidate[oa]]
            capacity = mem.size_bits / _precision(layer, op)
            if math.prod(factors) <= capacity:
                continue
            shrunk = list(factors)
            while math.prod(shrunk) > capacity and any(f > 1 for f in shrunk):
                shrunk[shrunk.index(max(shrunk))] -= 1
            new = dict(zip(factors, shrunk, strict=True))
            for oa in served:
                candidate[oa].update({d: new[f] for d, f in candidate[oa].items() if d in dims})


def zigzag_candidates(
    layer: LoopNestLayer, config: LoopNestConfig, given: Unrolling, count: int = 3
) -> list[Unrolling]:
    """The spatial unrollings ZigZag 3.9.1 generates for ``layer`` (see the module docstring)."""
    array = config.operational_array.size_of
    fixed = {oa: dict(u) for oa, u in given.items()}
    open_dims = [d for d in array if d not in fixed]
    if not open_dims:
        _fit_capacity(layer, config, fixed)
        return [fixed]
    limit = _max_unrolling(layer, config)
    options = []
    for oa in open_dims:
        generated = [{dim: f} for dim in _loop_dims(layer) for f in sorted(_divisors(limit[oa][dim]), reverse=True)]
        options.append(list(enumerate(generated)))
    ranked = []
    for combo in itertools.product(*options):
        candidate = dict(fixed)
        candidate.update({oa: unroll for oa, (_, unroll) in zip(open_dims, combo, strict=True)})
        total = _totals(candidate)
        if any(f > layer.sizes.get(dim, 1) for dim, f in total.items()):
            continue
        if any(f > limit[oa].get(d, 0) for oa, (_, u) in zip(open_dims, combo, strict=True) for d, f in u.items()):
            continue
        utilization = math.prod(math.prod(u.values()) for u in candidate.values())
        indicator = utilization + utilization / max(total.values()) - 1
        ranked.append(((-indicator, tuple(i for i, _ in combo)), candidate))
    ranked.sort(key=lambda x: x[0])
    result = []
    for _, candidate in ranked[:count]:
        # candidates share their per-dimension unrolling objects, as ZigZag's do: shrinking one for
        # capacity shrinks the same unrolling in every later candidate that uses it
        _fit_capacity(layer, config, candidate)
        result.append({oa: dict(u) for oa, u in candidate.items()})
    return result


SEARCHES = {"wide": wide_candidates, "zigzag": zigzag_candidates}
"""``spatial_search`` name (``archsim.config.loopnest.SPATIAL_SEARCHES``) -> candidate generator."""


def spatial_candidates(
    layer: LoopNestLayer, config: LoopNestConfig, given: Unrolling, search: str = "wide"
) -> list[Unrolling]:
    """Spatial unrollings to search for ``layer`` (``search``: ``wide`` or ``zigzag``, see the module docstring)."""
    return SEARCHES[search](layer, config, given)
