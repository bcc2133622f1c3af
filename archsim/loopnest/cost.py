"""Cost of one layer under one mapping on a loop-nest accelerator.

The accounting follows ZigZag 3.9's cost model (Mei et al., "ZigZag: Enlarging Joint
Architecture-Mapping Design Space Exploration for DNN Accelerators", IEEE TC 2021, and
its 3.9.1 source), written anew so that its per-layer figures agree:

* **Data per level**: an instance of memory level ``l`` of an operand holds the product of
  the relevant loops (temporal loops of levels ``<= l`` and spatial loops below it);
  input dimensions reached through two loops (``IX`` from ``OX``, ``FX``) are split into a
  size part and a reuse part by the input-index relation.
* **Accesses**: each data transfer period moves one level's tile; a period lasts the
  product of the temporal loops below, reads to the level below count once per distinct
  datum (bottom irrelevant loops at the innermost level are stationary), partial sums are
  read back whenever an irrelevant loop sits above. Word accesses = ceil(bits /
  port granularity) x periods x instances.
* **Energy** = word accesses x per-access energy (by memory, operand, direction) + MACs x
  MAC energy.
* **Latency** = temporal cycles of the mapping + stalls where a port cannot move a period's
  data within the window the level allows (the whole period when the level is at most
  half full, i.e. double-buffered; otherwise the last stretch of the innermost irrelevant
  loops), combined per physical port + on-loading before the first MAC (reduced by spare
  port bandwidth during computation) + off-loading after the last + the drain of a
  systolic dimension.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from archsim.config.loopnest import Direction, LoopNestConfig, Memory
from archsim.loopnest.layer import LoopNestLayer, Operand
from archsim.loopnest.mapping import Loop, Mapping

DIRECTIONS = (Direction.TO_LOW, Direction.FROM_LOW, Direction.TO_HIGH, Direction.FROM_HIGH)
INPUT_MEMORY_OPERANDS = ("I1", "I2")


@dataclass(frozen=True)
class LevelCost:
    """Word accesses and energy of one operand at one memory level."""

    memory: str
    accesses: dict[Direction, int]
    energy_pj: float


@dataclass(frozen=True)
class LayerCost:
    """Energy, latency and their breakdowns for one layer and mapping."""

    energy_pj: float
    mac_energy_pj: float
    memory_energy_pj: float
    latency_cycles: float
    ideal_cycles: int
    temporal_cycles: float
    stall_cycles: float
    onload_cycles: float
    offload_cycles: float
    drain_cycles: int
    spatial_utilization: float
    levels: dict[Operand, tuple[LevelCost, ...]] = field(default_factory=dict)

    @property
    def utilization(self) -> float:
        """Ideal cycles / latency (spatial and temporal under-use together)."""
        return self.ideal_cycles / self.latency_cycles

    def energy_by_memory(self) -> dict[str, float]:
        """Memory name -> energy (pJ), all operands."""
        out: dict[str, float] = {}
        for levels in self.levels.values():
            for lv in levels:
                out[lv.memory] = out.get(lv.memory, 0.0) + lv.energy_pj
        return out


# ----------------------------------------------------------------------------- spatial


def limited_spatial(layer: LoopNestLayer, config: LoopNestConfig, spatial: dict[str, dict[str, int]], fractional: bool):
    """Clip each unrolling to the array and the layer; a factor that does not divide its loop
    becomes ``size / ceil(size / factor)`` (fractional, for energy) or its floor (for latency)."""
    sizes = config.operational_array.size_of
    limited: dict[str, dict[str, float]] = {}
    for oa_dim, unroll in spatial.items():
        entry: dict[str, float] = {}
        for dim, factor in unroll.items():
            if dim not in layer.sizes:
                continue
            factor = min(factor, sizes[oa_dim])
            largest = max(u.get(dim, 0) for u in spatial.values())
            first_largest = next(o for o, u in spatial.items() if u.get(dim, 0) == largest)
            if oa_dim == first_largest:
                earlier = math.prod(limited.get(o, {}).get(dim, 1) for o in spatial if o != oa_dim and o in limited)
                remainder = math.ceil(layer.sizes[dim] / (factor * earlier))
                value = layer.sizes[dim] / remainder / earlier
                entry[dim] = value if fractional else int(value)
            else:
                entry[dim] = factor
        if entry:
            limited[oa_dim] = entry
    return limited


def spatial_per_level(config: LoopNestConfig, memory_operand: str, limited: dict[str, dict[str, float]]):
    """Spatial loops below each memory level of an operand (+ the loops above its top level)."""
    remaining = dict(limited)
    per_level: list[list[tuple[str, float]]] = []
    for mem in config.levels(memory_operand):
        level: dict[str, float] = {}
        for oa_dim in sorted(mem.served_dimensions):
            for dim, factor in remaining.pop(oa_dim, {}).items():
                level[dim] = level.get(dim, 1) * factor
        per_level.append(list(level.items()))
    top: dict[str, float] = {}
    for unroll in remaining.values():
        for dim, factor in unroll.items():
            top[dim] = top.get(dim, 1) * factor
    per_level.append(list(top.items()))
    return per_level


# ----------------------------------------------------------------------------- temporal


def stationary_levels(layer: LoopNestLayer, op: Operand, levels: tuple[tuple[Loop, ...], ...]):
    """Move irrelevant loops at the bottom of a level down one level (data stays put while they run).

    Returns the new levels and the stationary cycles at the MAC level (bottom irrelevant loops
    of the innermost level)."""
    irrelevant = set(layer.irrelevant(op))
    current = [list(lv) for lv in levels]
    while True:
        moved = [[] for _ in current]
        for lv, loops in enumerate(current):
            i = 0
            while i < len(loops) and loops[i][0] in irrelevant:
                moved[max(lv - 1, 0)].append(loops[i])
                i += 1
            moved[lv].extend(loops[i:])
        if moved == current:
            break
        current = moved
    mac_stationary = 1
    for dim, size in current[0] if current else []:
        if dim in irrelevant:
            mac_stationary *= size
        else:
            break
    return current, mac_stationary


def _top_run(loops: list[Loop], dims: set[str]) -> float:
    product = 1
    for dim, size in reversed(loops):
        if dim not in dims:
            break
        product *= size
    return product


# ----------------------------------------------------------------------------- pr decoupling


def _decouple(layer: LoopNestLayer, op: Operand, levels: list[list[tuple[str, float]]]):
    """Replace loops reaching an input dimension through the index relation by a size part
    (``IX_r``) and a reuse part (``IX_ir``), accumulating tiles bottom-up."""
    partial = layer.partial_dims(op)
    if not partial:
        return levels
    owner = {}
    for p in partial:
        owner[p.outer] = p
        owner[p.inner] = p
    tile = {p.name: {p.outer: 1, p.inner: 1} for p in partial}
    previous = {p.name: (1.0, 1.0) for p in partial}
    out = []
    for loops in levels:
        new = []
        for dim, size in loops:
            p = owner.get(dim)
            if p is None:
                new.append((dim, size))
                continue
            tile[p.name][dim] *= size
            r = p.tile(tile[p.name][p.outer], tile[p.name][p.inner])
            ir = tile[p.name][p.outer] * tile[p.name][p.inner] / r
            pr, pir = previous[p.name]
            new.append((p.name + "_r", r / pr))
            new.append((p.name + "_ir", ir / pir))
            previous[p.name] = (r, ir)
        out.append(new)
    return out


def _relevant_decoupled(layer: LoopNestLayer, op: Operand) -> set[str]:
    return set(layer.relevant[op]) | {p.name + "_r" for p in layer.partial_dims(op)}


# ----------------------------------------------------------------------------- data movement


@dataclass
class _Flow:
    """Per-level, per-direction movement of one operand: tile moved per period (elements), bits per
    element, period (cycles), number of periods, average bandwidth and the window a level allows."""

    amount: list[dict[Direction, float]]
    precision: list[dict[Direction, float]]
    period: list[dict[Direction, int]]
    period_count: list[dict[Direction, int]]
    bw_aver: list[dict[Direction, int]]
    window: list[dict[Direction, int]]


@dataclass
class OperandView:
    """What the cost model derives for one operand under one spatial mapping."""

    op: Operand
    memory_operand: str
    memories: tuple[Memory, ...]
    unit_count: list[int]
    bits_unrolled: list[float]
    effective_bits: list[float]
    flow: _Flow


def _arch_levels(su: list[list[tuple[str, float]]], tm: list[list[Loop]]):
    """Loops per architectural level: temporal+spatial of the same level (``s1``) and a level's
    temporal loops with the spatial loops just below it (``s2``)."""
    seed = [[]] + [list(lv) for lv in tm] + [[]]
    arch = len(su)
    s1 = [seed[lv] + list(su[lv]) for lv in range(arch)]
    s2 = [[]] + [seed[lv + 1] + list(su[lv]) for lv in range(arch)]
    return s1, s2


def psum_flags(layer: LoopNestLayer, su, tm) -> list[bool]:
    """Whether each output level holds partial sums (an irrelevant loop > 1 sits above it)."""
    out = layer.operands[0]
    relevant = _relevant_decoupled(layer, out)
    s1, _ = _arch_levels(su, tm)
    s1 = _decouple(layer, out, s1)
    arch = len(su)
    flags = [any(d not in relevant and f > 1 for d, f in s1[lv]) for lv in range(arch)]
    return [any(flags[i + 1 :]) for i in range(arch - 1)] + [False]


def operand_view(
    layer: LoopNestLayer,
    config: LoopNestConfig,
    op: Operand,
    su: list[list[tuple[str, float]]],
    tm: list[list[Loop]],
    mac_stationary: float,
    top_ir: list[float],
    top_r: list[float],
    psum: list[bool],
    total_cycles: float,
) -> OperandView:
    """Transfer tables of one operand at every memory level (tiles, periods, counts, bandwidths, windows)."""
    mem_op = config.operand_links[op.value]
    memories = config.levels(mem_op)
    n_mem = len(memories)
    arch = n_mem + 1
    relevant = _relevant_decoupled(layer, op)
    su_reform = _decouple(layer, op, su)
    unroll_total = [math.prod(f for _, f in lv) for lv in su_reform]
    unroll_r = [math.prod(f for d, f in lv if d in relevant) for lv in su_reform]
    unit_count = [round(round(math.prod(unroll_total[lv:]), 3)) for lv in range(arch)]
    unit_unique = [math.prod(unroll_r[lv:]) for lv in range(arch)]
    boost = [round(unit_unique[lv] / unit_unique[lv + 1]) for lv in range(arch - 1)] + [1]

    s1, s2 = _arch_levels(su, tm)
    s1, s2 = _decouple(layer, op, s1), _decouple(layer, op, s2)
    elem_unrolled, acc = [], 1.0
    for lv in range(arch):
        acc *= math.prod(f for d, f in s2[lv] if d in relevant)
        elem_unrolled.append(round(acc))
    ir_per_level = [math.prod(f for d, f in s1[lv] if d not in relevant) for lv in range(arch)]

    is_output = op is layer.operands[0]
    if is_output:
        precision = [layer.precision["O"] if psum[i] else layer.precision["O_final"] for i in range(arch)]
    else:
        precision = [layer.precision[op.value]] * arch
    bits_unrolled = [elem_unrolled[lv] * precision[lv] for lv in range(arch)]
    effective_bits = [bits_unrolled[lv] // top_r[lv] for lv in range(arch)]

    cycles_each, cumulative = [1 if is_output else mac_stationary], 1
    for loops in tm:
        cumulative *= math.prod(s for _, s in loops)
        cycles_each.append(cumulative)
    low_raw = [elem_unrolled[lv] * precision[lv] / cycles_each[lv] for lv in range(arch)]

    zero = dict.fromkeys(DIRECTIONS, 0)
    flow = _Flow(*[[dict(zero) for _ in range(n_mem)] for _ in range(6)])
    low_dir, high_dir = (
        (Direction.FROM_LOW, Direction.TO_HIGH) if is_output else (Direction.TO_LOW, Direction.FROM_HIGH)
    )
    out_elems = layer.operand_elements(op)
    for lv in range(n_mem):
        flow.bw_aver[lv][low_dir] = int(low_raw[lv] * boost[lv])
        flow.bw_aver[lv][high_dir] = int(low_raw[lv + 1])
        flow.period[lv][low_dir] = int(cycles_each[lv])
        flow.period[lv][high_dir] = int(cycles_each[lv + 1])
        flow.period_count[lv][low_dir] = int(total_cycles // cycles_each[lv])
        flow.period_count[lv][high_dir] = int(total_cycles // cycles_each[lv + 1])
        low_amount = elem_unrolled[lv] * boost[lv]
        flow.amount[lv][low_dir] = int(low_amount) if is_output else low_amount
        flow.amount[lv][high_dir] = elem_unrolled[lv + 1]
        if is_output:
            psum_below = int(out_elems * (math.prod(ir_per_level[lv + 1 :]) - 1)) if lv + 1 < arch else 0
            psum_above = int(out_elems * (math.prod(ir_per_level[lv + 2 :]) - 1)) if lv + 2 < arch else 0
            final, partial = layer.precision["O_final"], layer.precision["O"]
            flow.precision[lv][Direction.FROM_LOW] = partial if psum_below else final
            flow.precision[lv][Direction.TO_LOW] = partial if psum_below else 0
            flow.precision[lv][Direction.FROM_HIGH] = partial if psum_above else 0
            flow.precision[lv][Direction.TO_HIGH] = partial if psum_above else final
            for attr in ("amount", "period", "period_count", "bw_aver"):
                table = getattr(flow, attr)[lv]
                table[Direction.TO_LOW] = table[Direction.FROM_LOW] if psum[lv] else 0
                table[Direction.FROM_HIGH] = table[Direction.TO_HIGH] if psum[lv + 1] else 0
        else:
            flow.precision[lv][Direction.TO_LOW] = layer.precision[op.value]
            flow.precision[lv][Direction.FROM_HIGH] = layer.precision[op.value]
        factor = {
            Direction.TO_LOW: top_ir[lv],
            Direction.FROM_LOW: top_ir[lv],
            Direction.TO_HIGH: top_ir[lv + 1],
            Direction.FROM_HIGH: top_ir[lv + 1],
        }
        for d in DIRECTIONS:
            flow.window[lv][d] = int(flow.period[lv][d] / int(factor[d]))
    for d in (Direction.TO_HIGH, Direction.FROM_HIGH):  # nothing moves beyond the top level
        for attr in ("amount", "precision", "period", "period_count", "bw_aver", "window"):
            getattr(flow, attr)[n_mem - 1][d] = 0
    return OperandView(op, mem_op, memories, unit_count, bits_unrolled, effective_bits, flow)


# ----------------------------------------------------------------------------- evaluation


@dataclass
class _Prepared:
    """Temporal facts of a mapping shared by the energy and latency views."""

    tm: dict[Operand, list[list[Loop]]]
    mac_stationary: dict[Operand, float]
    top_r: dict[Operand, list[float]]
    top_ir: dict[Operand, list[float]]
    total_cycles: float


def _prepare(layer: LoopNestLayer, config: LoopNestConfig, mapping: Mapping) -> _Prepared:
    tm, mac_st, top_r, top_ir, totals = {}, {}, {}, {}, set()
    for op in layer.operands:
        levels = mapping.temporal[op]
        n_mem = len(config.levels(config.operand_links[op.value]))
        if len(levels) != n_mem:
            raise ValueError(f"temporal mapping of {op.value}: {len(levels)} levels given, the hardware has {n_mem}")
        st, mac = stationary_levels(layer, op, levels)
        tm[op], mac_st[op] = st, mac
        rel = set(layer.relevant[op])
        irr = set(layer.irrelevant(op))
        top_r[op] = [1] + [_top_run(lv, rel) for lv in st]
        top_ir[op] = [1] + [_top_run(lv, irr) for lv in st]
        totals.add(math.prod(s for lv in st for _, s in lv))
    if len(totals) != 1:
        raise ValueError(f"temporal mapping: operands cover different cycle counts {sorted(totals)}")
    return _Prepared(tm, mac_st, top_r, top_ir, totals.pop())


def _views(layer, config, prepared: _Prepared, limited, memo: dict) -> dict[Operand, OperandView]:
    """Per-operand views; ``memo`` reuses a view whose inputs repeat (the mapper's many orders share them)."""
    spatial_key = ("su", repr(limited))
    if spatial_key not in memo:
        memo[spatial_key] = {
            op: spatial_per_level(config, config.operand_links[op.value], limited) for op in layer.operands
        }
    su = memo[spatial_key]
    out = layer.operands[0]
    psum = psum_flags(layer, su[out], prepared.tm[out])
    views = {}
    for op in layer.operands:
        key = (
            spatial_key,
            op,
            _levels_as_sets(prepared.tm[op]),
            prepared.mac_stationary[op],
            tuple(prepared.top_ir[op]),
            tuple(prepared.top_r[op]),
            tuple(psum) if op is out else None,
        )
        if key not in memo:
            memo[key] = operand_view(
                layer,
                config,
                op,
                su[op],
                prepared.tm[op],
                prepared.mac_stationary[op],
                prepared.top_ir[op],
                prepared.top_r[op],
                psum,
                prepared.total_cycles,
            )
        views[op] = memo[key]
    return views


def _levels_as_sets(levels: list[list[Loop]]) -> tuple:
    # within a level only the top runs (kept separately) depend on the order: sizes and reuse are products
    return tuple(tuple(sorted(level)) for level in levels)


def mapping_key(layer: LoopNestLayer, config: LoopNestConfig, mapping: Mapping) -> tuple:
    """A key that two mappings of one layer share exactly when the cost model sees them alike
    (same spatial unrolling, same per-level loops after stationarity, same top runs)."""
    p = _prepare(layer, config, mapping)
    return (
        repr(mapping.spatial),
        tuple(
            (op.value, _levels_as_sets(p.tm[op]), p.mac_stationary[op], tuple(p.top_ir[op]), tuple(p.top_r[op]))
            for op in layer.operands
        ),
    )


def word_accesses(view: OperandView, lv: int, memory: Memory) -> dict[Direction, int]:
    """Port-width word accesses of the operand at level ``lv`` per direction (over the whole layer)."""
    counts: dict[Direction, int] = {}
    flow = view.flow
    for d in DIRECTIONS:
        amount, bits, periods = flow.amount[lv][d], flow.precision[lv][d], flow.period_count[lv][d]
        port = memory.port_of(view.memory_operand, d)
        if amount == 0 or bits == 0:
            counts[d] = 0
            continue
        if port is None:
            raise ValueError(
                f"memories.{memory.name}.ports: no port carries operand {view.memory_operand!r} "
                f"direction {d.value!r}, which this mapping needs"
            )
        lo, hi = port.bandwidth_min, port.bandwidth_max
        counts[d] = int(math.ceil(amount * bits / lo) * (lo / hi) * periods * view.unit_count[lv + 1])
    return counts


def _energy(layer, config, views) -> tuple[float, dict[Operand, tuple[LevelCost, ...]]]:
    total = 0.0
    levels: dict[Operand, tuple[LevelCost, ...]] = {}
    for op, view in views.items():
        per_level = []
        for lv, memory in enumerate(view.memories):
            acc = word_accesses(view, lv, memory)
            energy = (acc[Direction.TO_LOW] + acc[Direction.TO_HIGH]) * memory.read_energy_pj + (
                acc[Direction.FROM_LOW] + acc[Direction.FROM_HIGH]
            ) * memory.write_energy_pj
            per_level.append(LevelCost(memory.name, acc, energy))
            total += energy
        levels[op] = tuple(per_level)
    return total, levels


def sharing_groups(config: LoopNestConfig) -> list[dict[str, int]]:
    """Memories shared by several operands: memory operand -> its level index in that memory, per memory."""
    groups = []
    for mem in config.memories:
        if len(mem.operands) > 1:
            groups.append({m: config.levels(m).index(mem) for m in mem.operands})
    return groups


def _double_buffered(layer, config, energy_views) -> dict[Operand, list[bool]]:
    """A level may update data while computing when its (effective) share of the memory is <= 1/2."""
    link = {config.operand_links[op.value]: op for op in layer.operands}
    indiv: dict[Operand, list[float]] = {}
    for op, view in energy_views.items():
        indiv[op] = [view.effective_bits[lv + 1] / m.size_bits for lv, m in enumerate(view.memories)]
    shared = {op: list(v) for op, v in indiv.items()}
    groups = sharing_groups(config)
    for group in groups:
        total = sum(indiv[link[m]][lv] for m, lv in group.items() if m in link)
        for m, lv in group.items():
            if m in link:
                shared[link[m]][lv] = total
    flags: dict[Operand, list[bool]] = {}
    for op in layer.operands:
        mem_op = config.operand_links[op.value]
        flags[op] = [False]
        for lv in range(len(indiv[op])):
            if shared[op][lv] <= 0.5:
                flags[op].append(True)
            elif indiv[op][lv] <= 1 - shared[op][lv]:
                flags[op].append(True)
                for group in groups:
                    if group.get(mem_op) == lv:
                        for m, lv2 in group.items():
                            if m in link:
                                shared[link[m]][lv2] += indiv[op][lv]
                        break
            else:
                flags[op].append(False)
    return flags


def real_cycles(view: OperandView, lv: int, d: Direction) -> int:
    """Cycles the port needs to move one period's data of the operand at level ``lv`` in direction ``d``."""
    port = view.memories[lv].port_of(view.memory_operand, d)
    if port is None:
        return 0
    return math.ceil(view.flow.amount[lv][d] * view.flow.precision[lv][d] / port.bandwidth_max)


def _allowed_cycles(view: OperandView, lv: int, d: Direction, flags: list[bool]) -> int:
    use_period = flags[lv + 1] if d in (Direction.TO_HIGH, Direction.FROM_HIGH) else flags[lv]
    table = view.flow.period if use_period else view.flow.window
    return math.ceil(table[lv][d])


def window_union(activities: list[tuple[int, int, int, int]]) -> int:
    """Cycles in which at least one of several periodic update windows on one port is open."""
    for _, allowed, period, count in activities:
        if period == allowed:
            return period * count
    longest = max(activities, key=lambda a: a[2])
    t = np.arange(longest[2])
    busy = np.zeros(longest[2], dtype=bool)
    for _, allowed, period, _ in activities:
        busy |= (t % period) < allowed
    return int(busy.sum()) * longest[3]


def _stall_slack(config, link, views, flags) -> float:
    """Stall (+) / slack (-) per physical port, combined; the worst port sets the layer's stall."""
    worst = 0.0
    for mem in config.memories:
        for port in mem.ports:
            acts = []
            for mem_op, d in port.allocation:
                if mem_op not in link:
                    continue
                op = link[mem_op]
                view = views[op]
                lv = view.memories.index(mem)
                count = view.flow.period_count[lv][d]
                if count == 0:
                    continue
                acts.append(
                    (
                        real_cycles(view, lv, d),
                        _allowed_cycles(view, lv, d, flags[op]),
                        math.ceil(view.flow.period[lv][d]),
                        count,
                    )
                )
            if not acts:
                continue
            if len(acts) == 1:
                real, allowed, _, count = acts[0]
                combined = (real - allowed) * (count - 1)
            else:
                union = window_union(acts)
                positive = sum(max(0, (r - a) * (c - 1)) for r, a, _, c in acts)
                negative = sum(min(0, (r - a) * (c - 1)) for r, a, _, c in acts)
                windows = sum(a * (c - 1) for _, a, _, c in acts)
                combined = positive + max(0, negative + windows - union)
            worst = max(worst, combined)
    return worst


def _reduce_ordered(cycles: list[float], minimum: list[float], budget: float) -> list[float]:
    """Take up to ``budget`` cycles off the largest entries first, never below their minimum."""
    if budget <= 0 or not cycles:
        return list(cycles)
    out = list(cycles)
    for i in sorted(range(len(out)), key=lambda i: out[i], reverse=True):
        if budget <= 0:
            break
        cut = min(max(0.0, out[i] - minimum[i]), budget)
        out[i] -= cut
        budget -= cut
    return out


def _loading(config, layer, link, views, stall: float, total_cycles: float) -> tuple[float, float]:
    """On-loading before the first MAC and off-loading after the last (cycles)."""
    out_mem = config.operand_links[layer.operands[0].value]
    loading: dict[tuple[Operand, int, Direction], tuple[float, bool]] = {}
    for mem in config.memories:
        for port in mem.ports:
            shared = len({m for m, _ in port.allocation if m in INPUT_MEMORY_OPERANDS}) > 1
            once, repeated = [], []
            for mem_op, d in port.allocation:
                if mem_op not in link:
                    continue
                if mem_op == out_mem and d in (Direction.TO_LOW, Direction.FROM_HIGH):
                    continue
                op = link[mem_op]
                lv = views[op].memories.index(mem)
                count = views[op].flow.period_count[lv][d]
                if count == 1:
                    once.append((op, lv, d))
                elif count > 1:
                    repeated.append((op, lv, d))
            busy_bw = sum(math.ceil(views[op].flow.bw_aver[lv][d]) for op, lv, d in repeated)
            compute = math.ceil(total_cycles) + stall
            spare = max(0.0, (port.bandwidth_max - busy_bw) / port.bandwidth_max * compute)
            need = [real_cycles(views[op], lv, d) for op, lv, d in once]
            floor = [math.ceil(views[op].bits_unrolled[1] / port.bandwidth_max) for op, _, _ in once]
            for key, left in zip(once, _reduce_ordered(need, floor, spare), strict=True):
                loading[key] = (left, shared)
            for op, lv, d in repeated:
                loading[(op, lv, d)] = (real_cycles(views[op], lv, d), shared)

    individual, half, common = {}, {}, {}
    for op in layer.input_operands:
        individual[op] = half[op] = common[op] = 0.0
        for lv in range(len(views[op].memories) - 1):
            a = loading.get((op, lv, Direction.FROM_HIGH), (0, False))
            b = loading.get((op, lv + 1, Direction.TO_LOW), (0, False))
            longest = max(a[0], b[0])
            if not a[1] and not b[1]:
                individual[op] += longest
            elif a[1] and b[1]:
                common[op] += longest
            else:
                half[op] = longest
    op1, op2 = layer.input_operands
    one = common[op1] + max(common[op2] + half[op2] + individual[op2], half[op1] + individual[op1])
    two = common[op2] + max(common[op1] + half[op1] + individual[op1], half[op2] + individual[op2])
    onload = min(one, two)

    out = layer.operands[0]
    offload = 0.0
    for lv in range(len(views[out].memories) - 1):
        a = loading.get((out, lv, Direction.TO_HIGH), (0, False))[0]
        b = loading.get((out, lv + 1, Direction.FROM_LOW), (0, False))[0]
        offload += max(a, b)
    return onload, offload


def drain_cycles(config: LoopNestConfig, layer: LoopNestLayer, spatial: dict[str, dict[str, int]]) -> int:
    """Cycles for partial results to leave the systolic array dimensions (paid once per layer).

    A dimension drains over its unrolling as mapped, each factor clipped to the array and the layer (ZigZag 3.9.1's
    ``calc_overall_latency`` takes the layer's spatial mapping, not the even split of an uneven loop): K 32 over a
    40-channel layer drains 31 cycles, though the two temporal passes use 20 rows each.
    """
    sizes = config.operational_array.size_of
    total = 0
    for dim in config.operational_array.systolic_dimensions:
        unroll = spatial.get(dim, {})
        used = math.prod(
            min(factor, sizes[dim], layer.sizes[loop]) for loop, factor in unroll.items() if loop in layer.sizes
        )
        total += max(used - 1, 0)
    return total


def port_bound_cycles(config: LoopNestConfig, cost: LayerCost) -> float:
    """Cycles the busiest memory port needs for the layer's traffic at its full bandwidth.

    A word access moves one port width (``word_accesses``), so a port is busy for the accesses of
    every (operand, direction) it carries, divided over the memory's instances. ZigZag's latency
    can fall below this on small layers (on-loading, stalls and off-loading are estimated per
    period); the simulated latency is held at or above it so that no channel moves more bytes than
    bandwidth x time."""
    sizes = config.operational_array.size_of
    memory_operand = {op: config.operand_links[op.value] for op in cost.levels}
    busiest = 0.0
    for mem in config.memories:
        instances = math.prod(n for d, n in sizes.items() if d not in mem.served_dimensions)
        for port in mem.ports:
            words = sum(
                level.accesses[d]
                for op, levels in cost.levels.items()
                for level in levels
                if level.memory == mem.name
                for d in DIRECTIONS
                if (memory_operand[op], d) in port.allocation
            )
            busiest = max(busiest, words / instances)
    return busiest


def held_latency(cost: LayerCost, config: LoopNestConfig) -> int:
    """The latency archsim reports for ``cost``: ZigZag's, held at the busiest port's traffic over its bandwidth
    (:func:`port_bound_cycles`), in whole cycles."""
    return max(math.ceil(cost.latency_cycles), math.ceil(port_bound_cycles(config, cost)))


def evaluate(layer: LoopNestLayer, config: LoopNestConfig, mapping: Mapping, memo: dict | None = None) -> LayerCost:
    """Energy and latency of ``layer`` on ``config`` under ``mapping`` (see the module docstring).

    ``memo`` (a dict kept across calls for one layer and config) reuses per-operand work that
    repeats between mappings; results are identical with or without it."""
    memo = {} if memo is None else memo
    prepared = _prepare(layer, config, mapping)
    limited_energy = limited_spatial(layer, config, mapping.spatial, fractional=True)
    limited_latency = limited_spatial(layer, config, mapping.spatial, fractional=False)
    energy_views = _views(layer, config, prepared, limited_energy, memo)
    latency_views = _views(layer, config, prepared, limited_latency, memo)
    memory_energy, levels = _energy(layer, config, energy_views)
    mac_energy = config.operational_array.unit_energy_pj * layer.macs

    link = {config.operand_links[op.value]: op for op in layer.operands}
    flags = _double_buffered(layer, config, energy_views)
    stall = _stall_slack(config, link, latency_views, flags)
    onload, offload = _loading(config, layer, link, latency_views, stall, prepared.total_cycles)
    drain = drain_cycles(config, layer, mapping.spatial)
    ideal = math.ceil(layer.macs / config.operational_array.units)
    temporal = prepared.total_cycles
    latency = temporal + stall + onload + offload + drain
    return LayerCost(
        energy_pj=memory_energy + mac_energy,
        mac_energy_pj=mac_energy,
        memory_energy_pj=memory_energy,
        latency_cycles=latency,
        ideal_cycles=ideal,
        temporal_cycles=temporal,
        stall_cycles=stall,
        onload_cycles=onload,
        offload_cycles=offload,
        drain_cycles=drain,
        spatial_utilization=ideal / temporal,
        levels=levels,
    )
