"""Pipelining fused stacks across cores: a stack's layers cut into segments, its tiles flowing core to core.

A fused stack (:class:`Stack`) runs in tiles of rows. Here its layers are cut
into up to N contiguous *segments* (balanced by their compute on the stack's
core, a dynamic programme minimising the largest segment), segment ``s`` runs on
core ``(c + s) mod N`` where ``c`` is the core the allocation gave the stack,
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
(stack, tile, segment) order, a topological order of these dependencies.
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


def balanced_segments(costs: Sequence[float], parts: int) -> list[tuple[int, int]]:
    """Cut ``costs`` into at most ``parts`` contiguous ranges ``[start, end)`` minimising the largest sum."""
    n = len(costs)
    parts = max(1, min(parts, n))
    prefix = [0.0]
    for c in costs:
        prefix.append(prefix[-1] + c)
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(parts + 1)]
    cut = [[0] * (n + 1) for _ in range(parts + 1)]
    best[0][0] = 0.0
    for p in range(1, parts + 1):
        for end in range(1, n + 1):
            for start in range(p - 1, end):
                value = max(best[p - 1][start], prefix[end] - prefix[start])
                if value < best[p][end]:
                    best[p][end], cut[p][end] = value, start
    p = min(range(1, parts + 1), key=lambda q: (best[q][n], q))
    ranges = []
    end = n
    while p > 0:
        start = cut[p][end]
        ranges.append((start, end))
        end, p = start, p - 1
    return [r for r in reversed(ranges) if r[1] > r[0]]


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
    estimator: Estimator,
    fusion: str,
) -> SystemSchedule:
    """Tasks of every stack, each stack's segments pipelined over the cores (see the module docstring)."""
    n_cores = system.n_cores
    kept = [on_chip(graph, system, allocation, i) for i in range(len(graph.stacks))]
    producer = {s.output: i for i, s in enumerate(graph.stacks)}
    last_task: dict[int, str] = {}
    tasks: list[Task] = []
    keys: dict[str, tuple[int, int, int]] = {}
    for i, stack in enumerate(graph.stacks):
        home = allocation[i]
        costs = estimator.costs(home)
        ops_all = estimator.task_ops(stack)
        costs.prepare(ops_all)
        per_layer = [sum(costs.cost(op).compute_cycles for op in ops_all if op.layer == name) for name in stack.names]
        parts = n_cores if len(stack.bands) > 1 else 1
        segments = balanced_segments(per_layer, parts)
        segment_of = {name: s for s, (a, b) in enumerate(segments) for name in stack.names[a:b]}
        inside = {n.outputs[0]: n.name for n in stack.nodes}
        names_by_segment = [stack.names[a:b] for a, b in segments]
        for k in range(len(stack.bands)):
            for s, names in enumerate(names_by_segment):
                core = (home + s) % n_cores
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
                        if (home + source) % n_cores != core:
                            reads.append(Transfer(t, nbytes, Channel.LINK, multicast=f"link:{i}:{t}#{k}"))
                        continue
                    source_stack = producer.get(t)
                    if source_stack is not None and kept[source_stack]:
                        if k == 0 and allocation[source_stack] != core:
                            reads.append(Transfer(t, stack.workload.tensor_bytes(t), Channel.LINK))
                    else:
                        start, end = stack.input_band(t, k)
                        if end > start:
                            nbytes = (end - start) * stack.row_bytes(t)
                            reads.append(Transfer(t, nbytes, Channel.DRAM_READ, multicast=f"dram:{i}:{t}#{k}"))
                    if k == 0 and source_stack is not None:
                        deps.append(last_task[source_stack])
                writes: tuple[Transfer, ...] = ()
                if s == len(names_by_segment) - 1 and not kept[i]:
                    rows = stack.rows_in_tile(stack.names[-1], k)
                    writes = (Transfer(stack.output, rows * stack.row_bytes(stack.output), Channel.DRAM_WRITE),)
                name = _task_name(names, stack, k)
                ops = _ops(stack, names, k)
                tasks.append(Task(name, core, ops, tuple(reads), writes, tuple(dict.fromkeys(deps))))
                keys[name] = (i, k, s)
        last_task[i] = _task_name(names_by_segment[-1], stack, len(stack.bands) - 1)
    order = tuple(
        tuple(sorted((t.name for t in tasks if t.core == c), key=lambda name: keys[name])) for c in range(n_cores)
    )
    return SystemSchedule(tuple(tasks), order, fusion=fusion, scheduler="pipeline")


__all__ = ["balanced_segments", "pipeline_schedule"]
