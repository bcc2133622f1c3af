"""All candidate loop orders of one layer costed at once: numpy arrays over candidates.

The mapper's space (see :mod:`archsim.loopnest.mapper`) is every distinct order of a layer's
temporal loop factors. This module runs the scalar model's steps on all orders together:

1. **Allocation** (:func:`allocate_orders`): the tile every prefix of every order needs at
   every memory, as arrays, then each memory takes the longest fitting run of loops (shared
   memories give up loops of the operand with the widest tile first), exactly as
   :func:`archsim.loopnest.mapper.allocate` does one order at a time.
2. **Stationarity and the cost key**: irrelevant loops at the bottom of a level belong to the
   level below (the level boundary moves up to the next loop that indexes the operand); per
   operand, the loops of each level (as a multiset), the stationary cycles at the MACs and the
   top runs of relevant and irrelevant loops are what the cost model sees. Candidates with
   equal keys cost the same: one representative per distinct key is kept (*dominated*
   duplicates are pruned before any costing).
3. **Per-operand views**: the scalar model's per-operand transfer tables
   (:func:`archsim.loopnest.cost.operand_view`) are computed once per distinct operand key
   (tens per layer, where there are hundreds of orders) and gathered per candidate.
4. **Energy and latency** of every candidate from the gathered tables: word accesses x access
   energies, double-buffering flags, per-port stall/slack, on- and off-loading, as arrays.

Every figure equals the scalar :func:`archsim.loopnest.cost.evaluate` bit for bit (the same
float operations in the same order; ``tests/archsim/loopnest/test_batch.py`` checks it on
random layers), so the vectorised search returns exactly the scalar search's mapping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from archsim.config.loopnest import Direction, LoopNestConfig
from archsim.loopnest.cost import (
    DIRECTIONS,
    INPUT_MEMORY_OPERANDS,
    OperandView,
    operand_view,
    psum_flags,
    real_cycles,
    sharing_groups,
    spatial_per_level,
    window_union,
    word_accesses,
)
from archsim.loopnest.layer import LoopNestLayer, Operand
from archsim.loopnest.mapping import Loop

_D = {d: i for i, d in enumerate(DIRECTIONS)}


@dataclass(frozen=True)
class Orders:
    """Candidate loop orders as arrays: loop dimension index and size per position (innermost first)."""

    dims: tuple[str, ...]
    """Loop dimensions; ``dim_index`` refers to them."""
    dim_index: np.ndarray
    """(candidates, positions) int."""
    size: np.ndarray
    """(candidates, positions) int."""

    @classmethod
    def of(cls, orders: list[tuple[Loop, ...]]) -> Orders:
        """Arrays of a list of equally long orders."""
        dims = tuple(sorted({d for d, _ in orders[0]}))
        index = {d: i for i, d in enumerate(dims)}
        dim_index = np.array([[index[d] for d, _ in o] for o in orders], dtype=np.int64).reshape(len(orders), -1)
        size = np.array([[s for _, s in o] for o in orders], dtype=np.int64).reshape(len(orders), -1)
        return cls(dims, dim_index, size)

    @property
    def count(self) -> int:
        """Number of candidates."""
        return self.dim_index.shape[0]

    @property
    def length(self) -> int:
        """Loops per candidate."""
        return self.dim_index.shape[1]

    def mask(self, dims: set[str] | frozenset[str] | tuple[str, ...]) -> np.ndarray:
        """(candidates, positions) bool: the loop at the position is one of ``dims``."""
        wanted = [i for i, d in enumerate(self.dims) if d in dims]
        return np.isin(self.dim_index, wanted)

    def prefix_product(self, dims: set[str] | frozenset[str] | tuple[str, ...] | None = None) -> np.ndarray:
        """(candidates, positions + 1): product of the sizes of the first k loops (only ``dims``' loops)."""
        factors = self.size if dims is None else np.where(self.mask(dims), self.size, 1)
        out = np.ones((self.count, self.length + 1), dtype=np.int64)
        np.cumprod(factors, axis=1, out=out[:, 1:])
        return out

    def loops(self, row: int, start: int, stop: int) -> list[Loop]:
        """Loops of candidate ``row`` at positions ``start .. stop - 1``."""
        return [(self.dims[self.dim_index[row, p]], int(self.size[row, p])) for p in range(start, stop)]


# ----------------------------------------------------------------------------- allocation


def _prefix_tiles(
    layer: LoopNestLayer,
    op: Operand,
    orders: Orders,
    spatial_below: list[tuple[str, float]],
    precision: np.ndarray,
) -> np.ndarray:
    """(candidates, positions + 1): bits of ``op``'s tile for every prefix of every order
    (as :func:`archsim.loopnest.mapper.tile_elements` counts one prefix)."""
    sizes: dict[str, np.ndarray] = {}
    for dim in orders.dims:
        sizes[dim] = orders.prefix_product((dim,))
    for dim, f in spatial_below:
        sizes[dim] = sizes.get(dim, 1) * f
    n: np.ndarray | int = 1
    for d in layer.relevant[op]:
        n = n * sizes.get(d, 1)
    for p in layer.partial_dims(op):
        a = np.trunc(np.asarray(sizes.get(p.outer, 1), dtype=np.float64)).astype(np.int64)
        b = np.trunc(np.asarray(sizes.get(p.inner, 1), dtype=np.float64)).astype(np.int64)
        g = math.gcd(p.outer_scale, p.inner_scale)
        size = a * b - np.maximum(0, b - p.outer_scale // g) * (a - p.inner_scale // g)
        n = n * np.minimum(p.full_size, size)
    return np.broadcast_to(np.asarray(n * precision, dtype=np.float64), (orders.count, orders.length + 1))


def _stored_bits(
    layer: LoopNestLayer, op: Operand, orders: Orders, taken: np.ndarray, spatial_above: list[tuple[str, float]]
) -> np.ndarray:
    """(candidates, 1): :func:`archsim.loopnest.mapper.stored_bits` of every candidate, whose loops
    not yet allocated are its positions from ``taken`` on."""
    if op is not layer.operands[0]:
        return np.full((orders.count, 1), layer.precision[op.value])
    reduction = set(layer.irrelevant(op))
    later = np.zeros((orders.count, orders.length + 1), dtype=bool)
    later[:, :-1] = np.flip(np.logical_or.accumulate(np.flip(orders.mask(reduction), axis=1), axis=1), axis=1)
    partial = later[np.arange(orders.count), taken] | any(d in reduction and f > 1 for d, f in spatial_above)
    return np.where(partial, layer.precision["O"], layer.precision["O_final"])[:, None]


def allocate_orders(
    layer: LoopNestLayer, config: LoopNestConfig, spatial: dict[str, dict[str, float]], orders: Orders
) -> dict[Operand, np.ndarray]:
    """Per operand, (candidates, levels + 1) boundaries: level ``i`` holds positions ``b[i] .. b[i+1] - 1``."""
    link = {config.operand_links[op.value]: op for op in layer.operands}
    levels = {op: config.levels(config.operand_links[op.value]) for op in layer.operands}
    below = {op: spatial_per_level(config, config.operand_links[op.value], spatial) for op in layer.operands}
    n, rows = orders.length, np.arange(orders.count)
    taken = {op: np.zeros(orders.count, dtype=np.int64) for op in layer.operands}
    bounds: dict[Operand, list[np.ndarray]] = {op: [taken[op]] for op in layer.operands}
    positions = np.arange(n + 1)
    for mem in config.memories:
        ops = [link[m] for m in mem.operands if m in link]
        if not ops:
            continue
        cut: dict[Operand, np.ndarray] = {}
        bits: dict[Operand, np.ndarray] = {}
        for op in ops:
            lv = levels[op].index(mem)
            if lv == len(levels[op]) - 1:  # the outermost level takes whatever is left
                cut[op] = np.full(orders.count, n, dtype=np.int64)
                bits[op] = np.zeros((orders.count, n + 1))
                continue
            spatial_below = [loop for level in below[op][: lv + 1] for loop in level]
            spatial_above = [loop for level in below[op][lv + 1 :] for loop in level]
            precision = _stored_bits(layer, op, orders, taken[op], spatial_above)
            tiles = _prefix_tiles(layer, op, orders, spatial_below, precision)
            fail = (tiles > mem.size_bits) & (positions[None, :] > taken[op][:, None])
            cut[op] = np.where(fail.any(axis=1), np.argmax(fail, axis=1) - 1, n)
            bits[op] = tiles
        while True:  # a shared memory gives up loops of the widest tile until the tiles fit
            total = 0
            for op in ops:
                total = total + bits[op][rows, cut[op]]
            widest = np.full(orders.count, -1)
            widest_bits = np.full(orders.count, -np.inf)
            for i, op in enumerate(ops):
                value = bits[op][rows, cut[op]]
                wider = (cut[op] > taken[op]) & (value > widest_bits)
                widest = np.where(wider, i, widest)
                widest_bits = np.where(wider, value, widest_bits)
            shrink = (total > mem.size_bits) & (widest >= 0)
            if not shrink.any():
                break
            for i, op in enumerate(ops):
                cut[op] = cut[op] - (shrink & (widest == i))
        for op in ops:
            bounds[op].append(cut[op])
            taken[op] = cut[op]
    return {op: np.stack(b, axis=1) for op, b in bounds.items()}


# ----------------------------------------------------------------------------- stationarity and keys


@dataclass(frozen=True)
class OperandKeys:
    """Per operand: stationary level boundaries, the cost key's parts and each candidate's distinct key."""

    bounds: np.ndarray
    """(candidates, levels + 1) after moving bottom irrelevant loops down."""
    mac_stationary: np.ndarray
    top_r: np.ndarray
    """(candidates, levels + 1), leading 1 as in the scalar model."""
    top_ir: np.ndarray
    key_index: np.ndarray
    """(candidates,) index of the candidate's distinct key."""
    representative: np.ndarray
    """(keys,) first candidate with each key."""
    key_rows: np.ndarray


def _top_runs(orders: Orders, member: np.ndarray, bounds: np.ndarray, prefix: np.ndarray) -> np.ndarray:
    """(candidates, levels): product of the run of ``member`` loops at the top of each level."""
    rows = np.arange(orders.count)
    run_start = np.zeros((orders.count, orders.length + 1), dtype=np.int64)
    for e in range(1, orders.length + 1):
        run_start[:, e] = np.where(member[:, e - 1], run_start[:, e - 1], e)
    out = []
    for i in range(bounds.shape[1] - 1):
        lo, hi = bounds[:, i], bounds[:, i + 1]
        start = np.maximum(run_start[rows, hi], lo)
        out.append(prefix[rows, hi] // prefix[rows, start])
    return np.stack(out, axis=1)


def operand_keys(layer: LoopNestLayer, op: Operand, orders: Orders, bounds: np.ndarray) -> OperandKeys:
    """Stationary boundaries and cost keys of ``op`` for every candidate (scalar: ``stationary_levels``)."""
    rows = np.arange(orders.count)
    irrelevant = orders.mask(set(layer.irrelevant(op)))
    relevant = orders.mask(set(layer.relevant[op]))
    n = orders.length
    next_kept = np.full((orders.count, n + 1), n, dtype=np.int64)
    for p in range(n - 1, -1, -1):
        next_kept[:, p] = np.where(irrelevant[:, p], next_kept[:, p + 1], p)
    moved = bounds.copy()
    for i in range(1, bounds.shape[1] - 1):
        moved[:, i] = next_kept[rows, bounds[:, i]]
    prefix = orders.prefix_product()
    mac = prefix[rows, next_kept[:, 0]]
    top_r = np.concatenate([np.ones((orders.count, 1), np.int64), _top_runs(orders, relevant, moved, prefix)], 1)
    top_ir = np.concatenate([np.ones((orders.count, 1), np.int64), _top_runs(orders, irrelevant, moved, prefix)], 1)
    counts = []
    for d, s in np.unique(np.stack([orders.dim_index[0], orders.size[0]], axis=1), axis=0):  # loop types
        at = np.cumsum((orders.dim_index == d) & (orders.size == s), axis=1)
        at = np.concatenate([np.zeros((orders.count, 1), np.int64), at], axis=1)
        level_counts = at[rows[:, None], moved[:, 1:]] - at[rows[:, None], moved[:, :-1]]
        counts.append(level_counts)
    key_rows = np.concatenate([*counts, mac[:, None], top_r, top_ir], axis=1)
    first, inverse = _distinct_rows(key_rows)
    return OperandKeys(moved, mac, top_r, top_ir, inverse, first, key_rows)


def _distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First occurrence of each distinct row (in order of first occurrence) and every row's distinct index."""
    packed = np.ascontiguousarray(rows).view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return np.sort(first), rank[inverse.reshape(-1)]


# ----------------------------------------------------------------------------- gathered views


@dataclass(frozen=True)
class _Tables:
    """Per distinct operand key: the energy view's level energies and fill ratios, the latency
    view's transfer tables (levels x directions)."""

    views: list[tuple[OperandView, OperandView]]
    level_energy: np.ndarray
    """(keys, levels)"""
    fill: np.ndarray
    """(keys, levels): effective bits of the level's tile / memory size (energy view)."""
    real: np.ndarray
    """(keys, levels, directions) cycles a period's data needs on its port."""
    count: np.ndarray
    period: np.ndarray
    window: np.ndarray
    bw_aver: np.ndarray
    first_level_bits: np.ndarray
    """(keys,) bits of the innermost level's tile (latency view)."""


def _tables(views: list[tuple[OperandView, OperandView]]) -> _Tables:
    level_energy, fill, real, count, period, window, bw, first = [], [], [], [], [], [], [], []
    for energy_view, latency_view in views:
        energies = []
        for lv, memory in enumerate(energy_view.memories):
            acc = word_accesses(energy_view, lv, memory)
            energies.append(
                (acc[Direction.TO_LOW] + acc[Direction.TO_HIGH]) * memory.read_energy_pj
                + (acc[Direction.FROM_LOW] + acc[Direction.FROM_HIGH]) * memory.write_energy_pj
            )
        level_energy.append(energies)
        fill.append([energy_view.effective_bits[lv + 1] / m.size_bits for lv, m in enumerate(energy_view.memories)])
        flow, levels = latency_view.flow, range(len(latency_view.memories))
        real.append([[real_cycles(latency_view, lv, d) for d in DIRECTIONS] for lv in levels])
        count.append([[flow.period_count[lv][d] for d in DIRECTIONS] for lv in levels])
        period.append([[math.ceil(flow.period[lv][d]) for d in DIRECTIONS] for lv in levels])
        window.append([[math.ceil(flow.window[lv][d]) for d in DIRECTIONS] for lv in levels])
        bw.append([[math.ceil(flow.bw_aver[lv][d]) for d in DIRECTIONS] for lv in levels])
        first.append(latency_view.bits_unrolled[1])
    as_int = {"dtype": np.int64}
    return _Tables(
        views,
        np.array(level_energy, dtype=np.float64),
        np.array(fill, dtype=np.float64),
        np.array(real, **as_int),
        np.array(count, **as_int),
        np.array(period, **as_int),
        np.array(window, **as_int),
        np.array(bw, **as_int),
        np.array(first, **as_int),
    )


@dataclass(frozen=True)
class BatchCost:
    """Energy and latency of every candidate (arrays over candidates) and the distinct keys."""

    energy_pj: np.ndarray
    latency_cycles: np.ndarray
    mapping_key: np.ndarray
    """(candidates,) index of the candidate's distinct mapping (equal index: equal cost)."""
    distinct: int
    bounds: dict[Operand, np.ndarray]
    """Per operand, the allocation's level boundaries (before stationarity), as :func:`allocate_orders` gives them."""

    def temporal(self, orders: Orders, row: int) -> dict[Operand, tuple[tuple[Loop, ...], ...]]:
        """The temporal mapping (loops per memory level, innermost first) of candidate ``row``."""
        return {op: tuple(tuple(level) for level in _levels_of(orders, row, b)) for op, b in self.bounds.items()}


def _views_for(
    layer: LoopNestLayer,
    config: LoopNestConfig,
    orders: Orders,
    keys: dict[Operand, OperandKeys],
    spatial: dict[str, dict[str, float]],
    total_cycles: int,
) -> dict[Operand, list[OperandView]]:
    su = {op: spatial_per_level(config, config.operand_links[op.value], spatial) for op in layer.operands}
    out = layer.operands[0]
    result: dict[Operand, list[OperandView]] = {}
    for op in layer.operands:
        k = keys[op]
        views = []
        for row in k.representative:
            tm = {o: _levels_of(orders, int(row), keys[o].bounds) for o in (op, out)}
            psum = psum_flags(layer, su[out], tm[out]) if op is out else []
            views.append(
                operand_view(
                    layer,
                    config,
                    op,
                    su[op],
                    tm[op],
                    int(k.mac_stationary[row]),
                    [int(v) for v in k.top_ir[row]],
                    [int(v) for v in k.top_r[row]],
                    psum,
                    total_cycles,
                )
            )
        result[op] = views
    return result


def _levels_of(orders: Orders, row: int, bounds: np.ndarray) -> list[list[Loop]]:
    b = bounds[row]
    return [orders.loops(row, int(b[i]), int(b[i + 1])) for i in range(len(b) - 1)]


def _double_buffered(layer, config, link, fill: dict[Operand, np.ndarray]) -> dict[Operand, list[np.ndarray]]:
    """Vectorised ``cost._double_buffered``: a level updates while computing when its share is <= 1/2."""
    shared = {op: fill[op].copy() for op in layer.operands}
    groups = sharing_groups(config)
    for group in groups:
        total = 0
        for m, lv in group.items():
            if m in link:
                total = total + fill[link[m]][:, lv]
        for m, lv in group.items():
            if m in link:
                shared[link[m]][:, lv] = total
    flags: dict[Operand, list[np.ndarray]] = {}
    for op in layer.operands:
        mem_op = config.operand_links[op.value]
        flags[op] = [np.zeros(fill[op].shape[0], dtype=bool)]
        for lv in range(fill[op].shape[1]):
            half = shared[op][:, lv] <= 0.5
            fits = ~half & (fill[op][:, lv] <= 1 - shared[op][:, lv])
            flags[op].append(half | fits)
            for group in groups:
                if group.get(mem_op) == lv:
                    for m, lv2 in group.items():
                        if m in link:
                            shared[link[m]][:, lv2] = shared[link[m]][:, lv2] + np.where(fits, fill[op][:, lv], 0.0)
                    break
    return flags


def _gather(tables: _Tables, index: np.ndarray, lv: int, d: Direction) -> dict[str, np.ndarray]:
    j = _D[d]
    return {
        "real": tables.real[index, lv, j],
        "count": tables.count[index, lv, j],
        "period": tables.period[index, lv, j],
        "window": tables.window[index, lv, j],
        "bw": tables.bw_aver[index, lv, j],
    }


def _stall(config, link, levels, tables, index, flags) -> np.ndarray:
    """Vectorised ``cost._stall_slack``: worst combined stall/slack over physical ports."""
    n = next(iter(index.values())).shape[0]
    worst = np.zeros(n)
    for mem in config.memories:
        for port in mem.ports:
            acts = []
            for mem_op, d in port.allocation:
                if mem_op not in link:
                    continue
                op = link[mem_op]
                lv = levels[op].index(mem)
                g = _gather(tables[op], index[op], lv, d)
                use_period = flags[op][lv + 1] if d in (Direction.TO_HIGH, Direction.FROM_HIGH) else flags[op][lv]
                allowed = np.where(use_period, g["period"], g["window"])
                acts.append((g["real"], allowed, g["period"], g["count"]))
            if not acts:
                continue
            active = [a[3] != 0 for a in acts]
            n_active = np.sum(active, axis=0)
            single = np.zeros(n)
            positive, negative, windows = np.zeros(n), np.zeros(n), np.zeros(n)
            for (real, allowed, _, count), on in zip(acts, active, strict=True):
                term = (real - allowed) * (count - 1)
                single = np.where(on, term, single)
                positive = positive + np.where(on, np.maximum(0, term), 0)
                negative = negative + np.where(on, np.minimum(0, term), 0)
                windows = windows + np.where(on, allowed * (count - 1), 0)
            union = np.zeros(n)
            several = np.flatnonzero(n_active > 1)
            if several.size:  # the union of update windows, once per distinct set of active activities
                stacked = np.stack([np.stack(a, axis=1) for a in acts], axis=1)[several]  # (rows, acts, 4)
                on = np.stack(active, axis=1)[several]
                stacked = np.where(on[:, :, None], stacked, -1).reshape(several.size, -1)
                distinct, inverse = np.unique(stacked, axis=0, return_inverse=True)
                value = [
                    window_union([tuple(int(v) for v in act) for act in row.reshape(-1, 4) if act[3] != -1])
                    for row in distinct
                ]
                union[several] = np.asarray(value, dtype=np.float64)[inverse.reshape(-1)]
            combined = np.where(n_active > 1, positive + np.maximum(0, negative + windows - union), single)
            worst = np.where(n_active > 0, np.maximum(worst, combined), worst)
    return worst


def _reduce_ordered(need: np.ndarray, floor: np.ndarray, eligible: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Vectorised ``cost._reduce_ordered`` over rows: cut the largest eligible entries first."""
    out = need.astype(np.float64)
    if out.shape[1] == 0:
        return out
    rows = np.arange(out.shape[0])
    order = np.argsort(-np.where(eligible, out, -np.inf), axis=1, kind="stable")
    budget = budget.astype(np.float64).copy()
    for j in range(out.shape[1]):
        i = order[:, j]
        value, low = out[rows, i], floor[rows, i]
        cut = np.where(eligible[rows, i] & (budget > 0), np.minimum(np.maximum(0.0, value - low), budget), 0.0)
        out[rows, i] = value - cut
        budget = budget - cut
    return out


def _loading(config, layer, link, levels, tables, index, stall, total_cycles):
    """Vectorised ``cost._loading``: on-loading before the first MAC and off-loading after the last."""
    n = stall.shape[0]
    out_mem = config.operand_links[layer.operands[0].value]
    loading: dict[tuple[Operand, int, Direction], tuple[np.ndarray, np.ndarray, bool]] = {}
    for mem in config.memories:
        for port in mem.ports:
            shared = len({m for m, _ in port.allocation if m in INPUT_MEMORY_OPERANDS}) > 1
            entries = []
            for mem_op, d in port.allocation:
                if mem_op not in link or (mem_op == out_mem and d in (Direction.TO_LOW, Direction.FROM_HIGH)):
                    continue
                op = link[mem_op]
                entries.append((op, levels[op].index(mem), d))
            if not entries:
                continue
            gathered = [_gather(tables[op], index[op], lv, d) for op, lv, d in entries]
            once = np.stack([g["count"] == 1 for g in gathered], axis=1)
            repeated = np.stack([g["count"] > 1 for g in gathered], axis=1)
            busy = np.zeros(n, dtype=np.int64)
            for j, g in enumerate(gathered):
                busy = busy + np.where(repeated[:, j], g["bw"], 0)
            compute = math.ceil(total_cycles) + stall
            spare = np.maximum(0.0, (port.bandwidth_max - busy) / port.bandwidth_max * compute)
            need = np.stack([g["real"] for g in gathered], axis=1)
            floor = np.stack(
                [np.ceil(tables[op].first_level_bits[index[op]] / port.bandwidth_max) for op, _, _ in entries], axis=1
            )
            left = _reduce_ordered(need, floor, once, spare)
            for j, key in enumerate(entries):
                value = np.where(once[:, j], left[:, j], np.where(repeated[:, j], need[:, j], 0))
                loading[key] = (value, once[:, j] | repeated[:, j], shared)

    absent = (np.zeros(n), np.zeros(n, dtype=bool), False)
    parts = {}
    for op in layer.input_operands:
        individual, half, common = np.zeros(n), np.zeros(n), np.zeros(n)
        for lv in range(len(levels[op]) - 1):
            a = loading.get((op, lv, Direction.FROM_HIGH), absent)
            b = loading.get((op, lv + 1, Direction.TO_LOW), absent)
            a_shared, b_shared = a[1] & a[2], b[1] & b[2]
            longest = np.maximum(a[0], b[0])
            individual = individual + np.where(~a_shared & ~b_shared, longest, 0)
            common = common + np.where(a_shared & b_shared, longest, 0)
            half = np.where(a_shared ^ b_shared, longest, half)
        parts[op] = (individual, half, common)
    op1, op2 = layer.input_operands
    (i1, h1, c1), (i2, h2, c2) = parts[op1], parts[op2]
    one = c1 + np.maximum(c2 + h2 + i2, h1 + i1)
    two = c2 + np.maximum(c1 + h1 + i1, h2 + i2)
    onload = np.minimum(one, two)
    out = layer.operands[0]
    offload = np.zeros(n)
    for lv in range(len(levels[out]) - 1):
        a = loading.get((out, lv, Direction.TO_HIGH), absent)[0]
        b = loading.get((out, lv + 1, Direction.FROM_LOW), absent)[0]
        offload = offload + np.maximum(a, b)
    return onload, offload


def evaluate_orders(
    layer: LoopNestLayer,
    config: LoopNestConfig,
    limited_energy: dict[str, dict[str, float]],
    limited_latency: dict[str, dict[str, float]],
    orders: Orders,
    drain: int,
) -> BatchCost:
    """Energy (pJ) and latency (cycles) of every order, allocated as :func:`allocate_orders` does."""
    bounds = allocate_orders(layer, config, limited_energy, orders)
    keys = {op: operand_keys(layer, op, orders, bounds[op]) for op in layer.operands}
    total_cycles = int(orders.prefix_product()[0, -1])
    energy_views = _views_for(layer, config, orders, keys, limited_energy, total_cycles)
    if limited_latency == limited_energy:  # whole unrollings: the latency views are the energy views
        latency_views = energy_views
    else:
        latency_views = _views_for(layer, config, orders, keys, limited_latency, total_cycles)
    tables = {op: _tables(list(zip(energy_views[op], latency_views[op], strict=True))) for op in layer.operands}
    index = {op: keys[op].key_index for op in layer.operands}

    memory_energy = np.zeros(orders.count)
    for op in layer.operands:
        for lv in range(tables[op].level_energy.shape[1]):
            memory_energy = memory_energy + tables[op].level_energy[index[op], lv]
    energy = memory_energy + config.operational_array.unit_energy_pj * layer.macs

    link = {config.operand_links[op.value]: op for op in layer.operands}
    levels = {op: config.levels(config.operand_links[op.value]) for op in layer.operands}
    flags = _double_buffered(layer, config, link, {op: tables[op].fill[index[op]] for op in layer.operands})
    stall = _stall(config, link, levels, tables, index, flags)
    onload, offload = _loading(config, layer, link, levels, tables, index, stall, total_cycles)
    latency = total_cycles + stall + onload + offload + drain
    combined = np.stack([index[op] for op in layer.operands], axis=1)
    first, mapping_key = _distinct_rows(combined)
    return BatchCost(energy, latency, mapping_key, first.size, bounds)
