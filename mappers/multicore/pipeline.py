"""Pipelining fused stacks across cores: a stack's layers cut into segments, its tiles flowing core to core.

A fused stack (:class:`Stack`) runs in tiles of rows. Here its layers are cut
into S <= N contiguous *segments*, segment ``s`` on the ``s``-th core of the ring
``c, c + 1, ... (mod N)`` where ``c`` is the core the allocation gave the stack (the
ring leaves out cores that cannot run all of the stack's ops): for each S a dynamic programme
minimises the largest segment (each priced on its own core, so a slow core gets
fewer layers), and the S with the shortest pipeline (largest segment x
(T + S - 1) / T for T tiles) is kept, S = 1 when spreading does not pay;
and tile ``k`` of segment ``s`` is one task. It waits for tile ``k - 1`` of its
own segment (same core, in order) and for tile ``k`` of the segments it reads
from, whose new rows (the rows their layers computed in tile ``k``, as
DeFiNES's fully cached mode: no row computed twice, halos kept by the reader)
come over the interconnect. So while core B computes tile ``k`` of the second
segment, core A computes tile ``k + 1`` of the first: Stream's layer-fused
multi-core pipeline.

Data outside the stack follows :func:`mappers.multicore.tasks.on_chip`: a stack
input kept on chip by its producer comes whole over the interconnect (or is read
in place) before tile 0, otherwise in bands from DRAM; the stack output goes to
DRAM band by band unless kept. Each segment reads its weights once when they fit
beside the stack's rows on its core, else once per tile. Per core, tasks run in
(stack start in the allocation, stack, tile, segment) order, a topological order
of these dependencies.
"""

from __future__ import annotations

from collections.abc import Sequence

from archsim.config.system import SystemConfig
from archsim.system.costs import core_buffer_bytes
from archsim.system.schedule import Channel, SystemSchedule, Task, Transfer
from archsim.system.tiles import TaskOp
from mappers.multicore.estimate import Estimator
from mappers.multicore.stacks import Stack
from mappers.multicore.tasks import StackGraph, on_chip


def balanced_segments(costs: Sequence[Sequence[float]]) -> tuple[float, list[tuple[int, int]]]:
    """Cut the layers into ``len(costs)`` or fewer contiguous ranges, range ``s`` priced by ``costs[s]``.

    ``costs[s][j]`` is layer ``j``'s compute on the core that segment ``s`` runs on. Returns the
    smallest achievable largest segment and the ranges ``[start, end)`` reaching it (fewest parts on ties).
    """
    parts, n = len(costs), len(costs[0])
    prefix = [[0.0] for _ in range(parts)]
    for p in range(parts):
        for c in costs[p]:
            prefix[p].append(prefix[p][-1] + c)
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(parts + 1)]
    cut = [[0] * (n + 1) for _ in range(parts + 1)]
    best[0][0] = 0.0
    for p in range(1, min(parts, n) + 1):
        for end in range(p, n + 1):
            for start in range(p - 1, end):
                value = max(best[p - 1][start], prefix[p - 1][end] - prefix[p - 1][start])
                if value < best[p][end]:
                    best[p][end], cut[p][end] = value, start
    p = min(range(1, min(parts, n) + 1), key=lambda q: (best[q][n], q))
    largest = best[p][n]
    ranges = []
    end = n
    while p > 0:
        start = cut[p][end]
        ranges.append((start, end))
        end, p = start, p - 1
    return largest, ranges[::-1]


def choose_segments(per_core: Sequence[Sequence[float]], tiles: int) -> list[tuple[int, int]]:
    """Segments of a stack of ``tiles`` tiles over the first S of ``per_core`` (S = 1, 2, ...), the fastest.

    ``per_core[s][j]``: layer ``j``'s compute (whole stack) on the core of segment position ``s``. A
    pipeline of S segments whose largest takes ``L`` over all tiles lasts about ``L (T + S - 1) / T``.
    """
    options = []
    for parts in range(1, len(per_core) + 1):
        largest, ranges = balanced_segments(per_core[:parts])
        options.append((largest * (tiles + len(ranges) - 1) / tiles, len(ranges), ranges))
    return min(options, key=lambda o: (o[0], o[1]))[2]


def _ops(stack: Stack, names: Sequence[str], tile: int) -> tuple[TaskOp, ...]:
    if stack.tile_rows is None:
        return tuple(TaskOp(n) for n in names)
    return tuple(TaskOp(n, stack.rows_in_tile(n, tile)) for n in names if stack.rows_in_tile(n, tile) > 0)


def _task_name(names: Sequence[str], stack: Stack, tile: int) -> str:
    base = names[0] if len(names) == 1 else f"{names[0]}..{names[-1]}"
    return base if len(stack.bands) == 1 else f"{base}#{tile}"


def pipeline_schedule(
    graph: StackGraph,
    system: SystemConfig,
    allocation: Sequence[int],
    start: Sequence[int],
    estimator: Estimator,
    fusion: str,
) -> SystemSchedule:
    """Tasks of every stack, each stack's segments pipelined over the cores (see the module docstring).

    ``allocation`` and ``start`` are each stack's core and start time in the allocation's model.
    """
    n_cores = system.n_cores
    kept = [on_chip(graph, system, allocation, i) for i in range(len(graph.stacks))]
    producer = {s.output: i for i, s in enumerate(graph.stacks)}
    last_task: dict[int, str] = {}
    tasks: list[Task] = []
    keys: dict[str, tuple[int, int, int, int]] = {}
    for i, stack in enumerate(graph.stacks):
        home = allocation[i]
        ops_all = estimator.task_ops(stack)
        runnable = estimator.runnable_cores(stack)
        ring = [c for c in ((home + s) % n_cores for s in range(n_cores)) if c in runnable]
        positions = len(ring) if len(stack.bands) > 1 else 1
        per_core = []
        for core in ring[:positions]:
            costs = estimator.costs(core)
            costs.prepare(ops_all)
            cycles = {name: 0.0 for name in stack.names}
            for op in ops_all:
                cycles[op.layer] += costs.cost(op).compute_cycles * system.core_clock_ratio(core)
            per_core.append([cycles[name] for name in stack.names])
        segments = choose_segments(per_core, len(stack.bands))
        segment_of = {name: s for s, (a, b) in enumerate(segments) for name in stack.names[a:b]}
        inside = {n.outputs[0]: n.name for n in stack.nodes}
        names_by_segment = [stack.names[a:b] for a, b in segments]
        for k in range(len(stack.bands)):
            for s, names in enumerate(names_by_segment):
                core = ring[s]
                nodes = [n for n in stack.nodes if n.name in names]
                reads: list[Transfer] = []
                deps: list[str] = []
                if k:
                    deps.append(_task_name(names, stack, k - 1))
                weights = tuple(dict.fromkeys(t for n in nodes for t in n.inputs if t in stack.weights))
                weight_bytes = sum(stack.workload.tensor_bytes(w) for w in weights)
                if k == 0 or stack.rows_bytes + weight_bytes > core_buffer_bytes(system.cores[core]):
                    reads += [Transfer(w, stack.workload.tensor_bytes(w), Channel.DRAM_READ) for w in weights]
                for t in dict.fromkeys(t for n in nodes for t in n.inputs if t not in stack.weights):
                    if t in inside:  # from another segment of this stack: its new rows of tile k
                        source = segment_of[inside[t]]
                        if source == s:
                            continue
                        deps.append(_task_name(names_by_segment[source], stack, k))
                        rows = stack.rows_in_tile(inside[t], k) if stack.tile_rows is not None else None
                        nbytes = stack.workload.tensor_bytes(t) if rows is None else rows * stack.row_bytes(t)
                        if ring[source] != core:
                            reads.append(Transfer(t, nbytes, Channel.LINK, multicast=f"link:{i}:{t}#{k}"))
                        continue
                    source_stack = producer.get(t)
                    if source_stack is not None and kept[source_stack]:
                        if k == 0 and allocation[source_stack] != core:
                            reads.append(Transfer(t, stack.workload.tensor_bytes(t), Channel.LINK))
                    else:
                        first, last = stack.input_band(t, k)
                        if last > first:
                            nbytes = (last - first) * stack.row_bytes(t)
                            reads.append(Transfer(t, nbytes, Channel.DRAM_READ, multicast=f"dram:{i}:{t}#{k}"))
                    if k == 0 and source_stack is not None:
                        deps.append(last_task[source_stack])
                if k == 0 and graph.waits:
                    deps += [last_task[w] for w in graph.waits[i]]
                writes: tuple[Transfer, ...] = ()
                if s == len(names_by_segment) - 1 and not kept[i]:
                    rows = stack.rows_in_tile(stack.names[-1], k)
                    writes = (Transfer(stack.output, rows * stack.row_bytes(stack.output), Channel.DRAM_WRITE),)
                name = _task_name(names, stack, k)
                ops = _ops(stack, names, k)
                tasks.append(Task(name, core, ops, tuple(reads), writes, tuple(dict.fromkeys(deps))))
                keys[name] = (start[i], i, k, s)
        last_task[i] = _task_name(names_by_segment[-1], stack, len(stack.bands) - 1)
    order = tuple(
        tuple(sorted((t.name for t in tasks if t.core == c), key=lambda name: keys[name])) for c in range(n_cores)
    )
    return SystemSchedule(tuple(tasks), order, fusion=fusion, scheduler="pipeline")


__all__ = ["balanced_segments", "choose_segments", "pipeline_schedule"]
