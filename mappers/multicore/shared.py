"""Data placement in the system's shared buffer: which hand-overs skip DRAM.

A tensor the schedule writes to DRAM and reads back (a hand-over that does not
stay in the cores' own buffers) may instead go through the shared buffer: the
producer writes it there over the interconnect and every consumer reads it from
there over the interconnect. It occupies the buffer from its first write until
its last read.

The timeline's exact instants are not known here (DRAM contention decides
them), so the placement relies only on what every run of the schedule
guarantees: a task starts after its dependencies are done and after the previous
task on its core finished computing, so a task that such edges reach from ``R``
starts after ``R``'s reads are over. Tensor ``A`` is surely gone before ``B``
arrives when every reader of ``A`` is, or reaches, every writer of ``B`` (a task
reads before it computes and writes after). Two tensors not ordered either way
*conflict*. Greedy, largest DRAM saving first (ties in schedule order), a tensor
is placed when it and the placed tensors it conflicts with fit the capacity,
and every placed tensor still fits with its placed conflicts: then every set of
tensors that can be live together (pairwise conflicting) fits, whatever the
timing. The referee (:func:`mappers.multicore.checker.check_shared_buffer`)
replays the timeline and checks the capacity at every instant.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, replace

from archsim.config.system import SystemConfig
from archsim.system.schedule import Channel, SystemSchedule, Transfer

_TO_SHARED = {Channel.DRAM_WRITE: Channel.SHARED_WRITE, Channel.DRAM_READ: Channel.SHARED_READ}


@dataclass(frozen=True)
class _Candidate:
    """A tensor handed over through DRAM: its bytes, the DRAM bytes it costs and its tasks (as bit masks)."""

    tensor: str
    nbytes: int
    saving: int
    first: int
    writers: int
    readers: tuple[int, ...]


def _reach(schedule: SystemSchedule) -> list[int]:
    """Per task (schedule index), the bit mask of tasks that surely start after it finished computing."""
    index = {t.name: k for k, t in enumerate(schedule.tasks)}
    succs: list[set[int]] = [set() for _ in schedule.tasks]
    for task in schedule.tasks:
        for dep in task.deps:
            succs[index[dep]].add(index[task.name])
    for names in schedule.order:
        for a, b in itertools.pairwise(names):
            succs[index[a]].add(index[b])
    waiting = [0] * len(schedule.tasks)
    for targets in succs:
        for v in targets:
            waiting[v] += 1
    topo = [k for k, w in enumerate(waiting) if w == 0]
    for u in topo:
        for v in succs[u]:
            waiting[v] -= 1
            if waiting[v] == 0:
                topo.append(v)
    if len(topo) != len(schedule.tasks):
        raise ValueError("schedule deadlocks: its dependencies and core orders form a cycle")
    reach = [0] * len(schedule.tasks)
    for u in reversed(topo):
        for v in succs[u]:
            reach[u] |= reach[v] | (1 << v)
    return reach


def _candidates(schedule: SystemSchedule) -> list[_Candidate]:
    """Tensors written to DRAM and read back, with what moving them on chip would save."""
    writers: dict[str, int] = defaultdict(int)
    readers: dict[str, list[int]] = defaultdict(list)
    written: dict[str, int] = defaultdict(int)
    dram: dict[str, int] = defaultdict(int)
    first: dict[str, int] = {}
    broadcasts: set[str] = set()
    for k, task in enumerate(schedule.tasks):
        for t in task.writes:
            if t.channel is Channel.DRAM_WRITE:
                writers[t.tensor] |= 1 << k
                written[t.tensor] += t.nbytes
                dram[t.tensor] += t.nbytes
                first.setdefault(t.tensor, k)
        for t in task.reads:
            if t.channel is Channel.DRAM_READ:
                readers[t.tensor].append(k)
                if t.multicast is None or t.multicast not in broadcasts:
                    dram[t.tensor] += t.nbytes
                if t.multicast is not None:
                    broadcasts.add(t.multicast)
    return [
        _Candidate(name, written[name], dram[name], first[name], writers[name], tuple(readers[name]))
        for name in writers
        if readers.get(name)
    ]


def shared_placement(schedule: SystemSchedule, capacity_bytes: float) -> set[str]:
    """The tensors to hand over through a shared buffer of ``capacity_bytes`` (the greedy rule above)."""
    reach = _reach(schedule)
    candidates = [c for c in _candidates(schedule) if 0 < c.nbytes <= capacity_bytes]
    candidates.sort(key=lambda c: (-c.saving, c.first))
    gone_before: dict[str, int] = {}
    for c in candidates:
        common = -1
        for r in c.readers:
            common &= reach[r] | (1 << r)
        gone_before[c.tensor] = common

    def ordered(a: _Candidate, b: _Candidate) -> bool:
        return b.writers & ~gone_before[a.tensor] == 0 or a.writers & ~gone_before[b.tensor] == 0

    placed: list[_Candidate] = []
    load: dict[str, int] = {}
    for c in candidates:
        conflicts = [p for p in placed if not ordered(c, p)]
        own = c.nbytes + sum(p.nbytes for p in conflicts)
        if own <= capacity_bytes and all(load[p.tensor] + c.nbytes <= capacity_bytes for p in conflicts):
            placed.append(c)
            load[c.tensor] = own
            for p in conflicts:
                load[p.tensor] += c.nbytes
    return {c.tensor for c in placed}


def with_shared_buffer(schedule: SystemSchedule, system: SystemConfig) -> SystemSchedule:
    """``schedule`` with the hand-overs that fit ``system``'s shared buffer moved there (unchanged without one)."""
    if not system.shared_buffer_kb:
        return schedule
    chosen = shared_placement(schedule, system.shared_buffer_kb * 1024)
    if not chosen:
        return schedule

    def moved(transfers: tuple[Transfer, ...]) -> tuple[Transfer, ...]:
        return tuple(
            replace(t, channel=_TO_SHARED[t.channel]) if t.tensor in chosen and t.channel in _TO_SHARED else t
            for t in transfers
        )

    tasks = tuple(replace(task, reads=moved(task.reads), writes=moved(task.writes)) for task in schedule.tasks)
    return replace(schedule, tasks=tasks)


__all__ = ["shared_placement", "with_shared_buffer"]
