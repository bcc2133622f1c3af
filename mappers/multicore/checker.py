"""Independent referees: of allocations (the scheduling model) and of system timelines (physics).

:func:`check_allocation` re-derives every rule of the scheduling model from the
problem's numbers: each stack on exactly one core that can run it, no two stacks overlapping on
a core, every stack starting after its inputs arrived, the per-core orders
matching the start times, and the makespan equal to the last end.
:func:`check_timeline` replays a system timeline: no channel interval carries
more than bandwidth x time, no transfer is faster than its channel alone, no
task computes faster than its core's peak, each core runs one task at a time
in the schedule's order, every task starts after its dependencies, and at no
instant do the tensors live in the shared buffer (each from its first write's
issue to its last read's end) hold more bytes than its capacity.
Neither shares code with the schedulers or the evaluator.
"""

from __future__ import annotations

import itertools
from typing import Any

from archsim.config.system import SystemConfig
from archsim.system.engine import Timeline
from archsim.system.schedule import SystemSchedule
from mappers.multicore.problem import Allocation, SchedulingProblem

_TOL = 1e-6


def check_allocation(problem: SchedulingProblem, allocation: Allocation) -> list[str]:
    """Every rule ``allocation`` breaks (empty when it is a valid schedule of ``problem``)."""
    bad: list[str] = []
    listed = sorted(u for order in allocation.order for u in order)
    if listed != list(range(problem.n)):
        bad.append("every stack must be on exactly one core's order")
    for u in range(problem.n):
        if problem.allowed is not None and not problem.allowed[u][allocation.core[u]]:
            bad.append(f"stack {u} is on core {allocation.core[u]}, which cannot run it")
    end = [allocation.start[u] + problem.duration[u][allocation.core[u]] for u in range(problem.n)]
    for c, order in enumerate(allocation.order):
        for u in order:
            if allocation.core[u] != c:
                bad.append(f"stack {u} listed on core {c} but allocated to {allocation.core[u]}")
        for a, b in itertools.pairwise(order):
            if allocation.start[b] < end[a]:
                bad.append(f"core {c}: stack {b} starts at {allocation.start[b]} before stack {a} ends at {end[a]}")
    for v in range(problem.n):
        for u in problem.preds[v]:
            gap = 0 if allocation.core[u] == allocation.core[v] else problem.comm[u]
            if allocation.start[v] < end[u] + gap:
                bad.append(f"stack {v} starts at {allocation.start[v]} before input from {u} arrives at {end[u] + gap}")
    if problem.n and allocation.makespan != max(end):
        bad.append(f"makespan {allocation.makespan} but the last stack ends at {max(end)}")
    return bad


def check_timeline(
    system: SystemConfig, schedule: SystemSchedule, timeline: Timeline, peak_macs: list[float | None]
) -> list[str]:
    """Every physical or ordering rule the timeline breaks (empty when consistent)."""
    bad: list[str] = []
    bandwidth = {"dram": system.dram_bytes_per_cycle, "link": system.link_bytes_per_cycle}
    for interval in timeline.intervals:
        limit = bandwidth[interval.channel] * (interval.end - interval.start)
        if interval.nbytes > limit * (1 + _TOL) + _TOL:
            bad.append(
                f"{interval.channel} carried {interval.nbytes:.1f} B in {interval.end - interval.start:.1f} cycles"
            )
    for transfer in timeline.transfers:
        channel = "dram" if transfer.channel.value.startswith("dram") else "link"
        if transfer.nbytes > bandwidth[channel] * (transfer.end - transfer.start) * (1 + _TOL) + _TOL:
            bad.append(f"transfer {transfer.tensor} of {transfer.task} beats the {channel} bandwidth")
    timing = {t.task: t for t in timeline.tasks}
    if set(timing) != {t.name for t in schedule.tasks}:
        bad.append("not every task ran exactly once")
        return bad
    for task in schedule.tasks:
        t = timing[task.name]
        peak = peak_macs[task.core]
        core_cycles = t.compute_cycles / system.core_clock_ratio(task.core)
        if peak and t.macs > peak * core_cycles * (1 + _TOL):
            bad.append(f"task {task.name}: {t.macs} MACs in {core_cycles:.0f} cycles beats the peak {peak}/cycle")
        for dep in task.deps:
            if t.start < timing[dep].end - _TOL:
                bad.append(f"task {task.name} starts before its dependency {dep} is done")
    for core, names in enumerate(schedule.order):
        for a, b in itertools.pairwise(names):
            if timing[b].start < timing[a].compute_end - _TOL:
                bad.append(f"core {core}: {b} starts before {a} finished computing")
    bad += check_shared_buffer(system, timeline)
    return bad


def check_shared_buffer(system: SystemConfig, timeline: Timeline) -> list[str]:
    """The instant (if any) at which the shared buffer holds more bytes than ``system.shared_buffer_kb``."""
    born: dict[str, float] = {}
    size: dict[str, int] = {}
    dies: dict[str, float] = {}
    for t in timeline.transfers:
        if t.channel.value == "shared_write":
            born[t.tensor] = min(born.get(t.tensor, t.issued), t.issued)
            size[t.tensor] = size.get(t.tensor, 0) + t.nbytes
            dies[t.tensor] = max(dies.get(t.tensor, t.end), t.end)
    for t in timeline.transfers:
        if t.channel.value == "shared_read":
            if t.tensor not in born:
                return [f"{t.task} reads {t.tensor} from the shared buffer, which no task wrote"]
            dies[t.tensor] = max(dies[t.tensor], t.end)
    # frees (0) sort before allocations (1) at the same instant: a task's reads end before its writes begin
    events = sorted([(dies[n], 0, -size[n], n) for n in born] + [(born[n], 1, size[n], n) for n in born])
    capacity = system.shared_buffer_kb * 1024
    live = 0
    for when, _, delta, name in events:
        live += delta
        if live > capacity * (1 + _TOL) + _TOL:
            return [f"shared buffer holds {live} B at cycle {when:.1f} (with {name}): capacity {capacity:.0f} B"]
    return []


def summary(bad: list[str]) -> dict[str, Any]:
    """``{"ok": ..., "violations": [...first 5]}`` for JSON output."""
    return {"ok": not bad, "violations": bad[:5]}


__all__ = ["check_allocation", "check_shared_buffer", "check_timeline", "summary"]
