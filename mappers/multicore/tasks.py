"""From stacks, an allocation and per-core orders to a :class:`SystemSchedule` with its transfers.

Where each tensor between stacks lives is decided here (the data placement of
the mapping), by one rule: a stack's output stays on chip when it fits in half
of the producer's and of every consumer's buffer (the other half is the
consumers' working space) and is not a graph output; a consumer on the same
core then reads it in place, one on another core receives it over the
interconnect. Otherwise the producer writes it to DRAM band by band and each
consumer reads the bands it needs. Stacks read their weights from DRAM once
(or once per tile when they do not fit beside the tile's rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archsim.config.system import SystemConfig
from archsim.system.costs import core_buffer_bytes
from archsim.system.schedule import Channel, SystemSchedule, Task, Transfer
from archsim.system.tiles import TaskOp
from mappers.multicore.stacks import Stack


@dataclass(frozen=True)
class StackGraph:
    """Stacks of a workload with their dependencies (stack indices)."""

    stacks: tuple[Stack, ...]
    preds: tuple[tuple[int, ...], ...]
    """Per stack, the stacks whose outputs it reads."""
    waits: tuple[tuple[int, ...], ...] = ()
    """Per stack, the other stacks it starts after with no tensor between them (the workload's ``after``)."""

    @property
    def succs(self) -> tuple[tuple[int, ...], ...]:
        """Per stack, the stacks reading its output."""
        out: list[list[int]] = [[] for _ in self.stacks]
        for i, preds in enumerate(self.preds):
            for p in preds:
                out[p].append(i)
        return tuple(tuple(s) for s in out)

    @property
    def deps(self) -> tuple[tuple[int, ...], ...]:
        """Per stack, every stack that must be done before it starts: its inputs' producers and its waits."""
        if not self.waits:
            return self.preds
        return tuple(tuple(sorted({*p, *w})) for p, w in zip(self.preds, self.waits, strict=True))


def stack_graph(stacks: Sequence[Stack]) -> StackGraph:
    """Dependencies between stacks through the tensors they hand on, and the workload's ``after`` waits."""
    producer = {s.output: i for i, s in enumerate(stacks)}
    preds = tuple(tuple(sorted({producer[t] for t in s.inputs if t in producer})) for s in stacks)
    after = stacks[0].workload.after if stacks else ()
    if not after:
        return StackGraph(tuple(stacks), preds)
    home = {name: i for i, s in enumerate(stacks) for name in s.names}
    waits: list[set[int]] = [set() for _ in stacks]
    for first, then in after:
        if home[first] != home[then]:
            waits[home[then]].add(home[first])
    return StackGraph(tuple(stacks), preds, tuple(tuple(sorted(w)) for w in waits))


def on_chip(graph: StackGraph, system: SystemConfig, allocation: Sequence[int], stack: int) -> bool:
    """True when stack ``stack``'s output stays on chip under ``allocation`` (the rule above)."""
    s = graph.stacks[stack]
    readers = graph.succs[stack]
    if not readers:
        return False
    nbytes = s.workload.tensor_bytes(s.output)
    cores = {allocation[stack], *(allocation[r] for r in readers)}
    return all(2 * nbytes <= core_buffer_bytes(system.cores[c]) for c in cores)


def _task_name(stack: Stack, tile: int) -> str:
    base = stack.names[0] if len(stack.names) == 1 else f"{stack.names[0]}..{stack.names[-1]}"
    return base if len(stack.bands) == 1 else f"{base}#{tile}"


def build_schedule(
    graph: StackGraph,
    system: SystemConfig,
    allocation: Sequence[int],
    order: Sequence[Sequence[int]],
    fusion: str,
    scheduler: str,
) -> SystemSchedule:
    """Tasks (one per tile of each stack) with their transfers, in the given per-core stack orders."""
    kept = [on_chip(graph, system, allocation, i) for i in range(len(graph.stacks))]
    producer = {s.output: i for i, s in enumerate(graph.stacks)}
    tasks: dict[int, list[Task]] = {}
    for i, stack in enumerate(graph.stacks):
        core = allocation[i]
        buffer = core_buffer_bytes(system.cores[core])
        weights_once = stack.weights_resident(buffer)
        stack_tasks: list[Task] = []
        for k in range(len(stack.bands)):
            reads: list[Transfer] = []
            if k == 0 or not weights_once:
                reads += [Transfer(w, stack.workload.tensor_bytes(w), Channel.DRAM_READ) for w in stack.weights]
            deps: list[str] = [stack_tasks[-1].name] if stack_tasks else []
            for t in stack.inputs:
                source = producer.get(t)
                if source is not None and kept[source]:
                    if k == 0 and allocation[source] != core:
                        reads.append(Transfer(t, stack.workload.tensor_bytes(t), Channel.LINK))
                else:
                    start, end = stack.input_band(t, k)
                    if end > start:
                        reads.append(Transfer(t, (end - start) * stack.row_bytes(t), Channel.DRAM_READ))
                if k == 0 and source is not None:
                    deps.append(tasks[source][-1].name)
            if k == 0 and graph.waits:
                deps += [tasks[w][-1].name for w in graph.waits[i]]
            writes: tuple[Transfer, ...] = ()
            if not kept[i]:
                rows = stack.rows_in_tile(stack.names[-1], k)
                writes = (Transfer(stack.output, rows * stack.row_bytes(stack.output), Channel.DRAM_WRITE),)
            ops = tuple(
                TaskOp(n, None if stack.tile_rows is None else stack.rows_in_tile(n, k))
                for n in stack.names
                if stack.tile_rows is None or stack.rows_in_tile(n, k) > 0
            )
            stack_tasks.append(
                Task(
                    name=_task_name(stack, k),
                    core=core,
                    ops=ops,
                    reads=tuple(reads),
                    writes=writes,
                    deps=tuple(dict.fromkeys(deps)),
                )
            )
        tasks[i] = stack_tasks
    per_core = tuple(tuple(t.name for i in core_order for t in tasks[i]) for core_order in order)
    all_tasks = tuple(t for i in range(len(graph.stacks)) for t in tasks[i])
    return SystemSchedule(all_tasks, per_core, fusion=fusion, scheduler=scheduler)


__all__ = ["StackGraph", "build_schedule", "on_chip", "stack_graph"]
