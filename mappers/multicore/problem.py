"""The allocation and scheduling problem: stacks to cores and their order, as a task graph.

Nodes are stacks (a layer, or a fused stack whose tiles run back to back on one
core). ``duration[u][c]`` is stack ``u`` alone on core ``c`` (compute, then its
DRAM bytes at the full DRAM bandwidth), ``allowed[u][c]`` whether core ``c`` can run
``u`` at all (a heterogeneous core may refuse an op: an int8-only NPU given fp16;
its ``duration`` entry is then 0 and no scheduler places ``u`` there); ``comm[u]`` is the interconnect time of
``u``'s output (latency + bytes / link bandwidth) paid when a consumer sits on
another core and the output stays on chip (outputs that go through DRAM are
already in the durations). Every scheduler (list, exact, genetic) minimises the
makespan of this model; the system evaluator then times the chosen allocation
with DRAM contention.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archsim.config.system import SystemConfig
from mappers.multicore.estimate import Estimator
from mappers.multicore.tasks import StackGraph, on_chip


@dataclass(frozen=True)
class SchedulingProblem:
    """Durations per (stack, core) in whole system cycles, communication per stack, the DAG."""

    duration: tuple[tuple[int, ...], ...]
    comm: tuple[int, ...]
    preds: tuple[tuple[int, ...], ...]
    """Per stack, the stacks it starts after: its inputs' producers and its waits (``StackGraph.deps``); a
    wait on another core is charged its first stack's ``comm`` like a hand-over (0 unless kept on chip)."""
    homogeneous: bool
    allowed: tuple[tuple[bool, ...], ...] | None = None
    """Per stack and core, whether the core can run the stack (None: every core runs every stack)."""

    def cores_for(self, u: int) -> tuple[int, ...]:
        """The cores that can run stack ``u``."""
        if self.allowed is None:
            return tuple(range(self.cores))
        return tuple(c for c in range(self.cores) if self.allowed[u][c])

    @property
    def n(self) -> int:
        """Number of stacks."""
        return len(self.duration)

    @property
    def cores(self) -> int:
        """Number of cores."""
        return len(self.duration[0])

    @property
    def succs(self) -> tuple[tuple[int, ...], ...]:
        """Per stack, the stacks reading its output."""
        out: list[list[int]] = [[] for _ in range(self.n)]
        for v, preds in enumerate(self.preds):
            for u in preds:
                out[u].append(v)
        return tuple(tuple(s) for s in out)

    def delay(self, u: int, cu: int, cv: int) -> int:
        """Cycles between ``u`` ending on core ``cu`` and a consumer starting on ``cv``."""
        return 0 if cu == cv else self.comm[u]


@dataclass(frozen=True)
class Allocation:
    """Core per stack and, per core, the stacks in run order, with the model's start times."""

    core: tuple[int, ...]
    start: tuple[int, ...]
    order: tuple[tuple[int, ...], ...]
    makespan: int


def scheduling_problem(graph: StackGraph, system: SystemConfig, estimator: Estimator) -> SchedulingProblem:
    """The model of ``graph`` on ``system`` (on-chip hand-over judged with every core the same)."""
    runnable = [set(estimator.runnable_cores(s)) for s in graph.stacks]
    for stack, ok in zip(graph.stacks, runnable, strict=True):
        if not ok:
            raise estimator.unrunnable(stack)
    duration = tuple(
        tuple(
            math.ceil(estimator.stack(s, c).latency(system.dram_bytes_per_cycle)) if c in ok else 0
            for c in range(system.n_cores)
        )
        for s, ok in zip(graph.stacks, runnable, strict=True)
    )
    comm = []
    for i, s in enumerate(graph.stacks):
        kept = on_chip(graph, system, [0] * len(graph.stacks), i)
        nbytes = s.workload.tensor_bytes(s.output)
        comm.append(math.ceil(system.link_latency_cycles + nbytes / system.link_bytes_per_cycle) if kept else 0)
    allowed = None
    if any(len(ok) < system.n_cores for ok in runnable):
        allowed = tuple(tuple(c in ok for c in range(system.n_cores)) for ok in runnable)
    return SchedulingProblem(duration, tuple(comm), graph.deps, system.homogeneous, allowed)


def decode(problem: SchedulingProblem, core: list[int] | tuple[int, ...], priority: list[float]) -> Allocation:
    """Schedule with a fixed core per stack: repeatedly start the ready stack of highest priority.

    Each stack starts at the earliest time its core is free and its inputs have
    arrived (no insertion into gaps). Used by the genetic search.
    """
    n = problem.n
    waiting = [len(p) for p in problem.preds]
    ready = [v for v in range(n) if waiting[v] == 0]
    free = [0] * problem.cores
    start = [0] * n
    end = [0] * n
    order: list[list[int]] = [[] for _ in range(problem.cores)]
    succs = problem.succs
    while ready:
        v = max(ready, key=lambda u: (priority[u], -u))
        ready.remove(v)
        c = core[v]
        arrive = max((end[u] + problem.delay(u, core[u], c) for u in problem.preds[v]), default=0)
        start[v] = max(free[c], arrive)
        end[v] = start[v] + problem.duration[v][c]
        free[c] = end[v]
        order[c].append(v)
        for w in succs[v]:
            waiting[w] -= 1
            if waiting[w] == 0:
                ready.append(w)
    return Allocation(tuple(core), tuple(start), tuple(tuple(o) for o in order), max(end, default=0))


__all__ = ["Allocation", "SchedulingProblem", "decode", "scheduling_problem"]
