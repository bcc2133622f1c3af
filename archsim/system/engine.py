"""Run a schedule on a system: an event-driven timeline with shared DRAM and interconnect.

Each core runs its tasks in the schedule's order. A task starts when its core is
free and its dependencies are done; its reads then travel (after the channel's
latency) over the shared DRAM or interconnect, it computes for its ops' cycles
on its core, and its writes go back to DRAM (or over the interconnect to the
shared buffer) while the core moves on. A task is done once its writes are.

Broadcast: transfers sharing a ``multicast`` key are one flow (a bus delivers
the same bytes to every reader at once); a task that issues it after it
finished does not wait, one that issues it while it flows waits for its end.

Contention: at every instant the transfers active on a channel share its
bandwidth equally (processor sharing), so no channel ever carries more than
bandwidth x time. The timeline records, per channel, every interval of constant
sharing with the bytes each transfer moved in it, which the property tests and
the checker replay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archsim.config.system import SystemConfig
from archsim.system.costs import CoreCosts, core_pricing
from archsim.system.schedule import Channel, SystemSchedule, Task, Transfer
from workloads.graph import Workload

_EPS = 1e-9


@dataclass(frozen=True)
class TaskTiming:
    """When one task ran (system cycles) and what it cost."""

    task: str
    core: int
    start: float
    """Its core picked it up (reads begin)."""
    compute_start: float
    compute_end: float
    end: float
    """Its writes are done."""
    compute_cycles: float
    """Compute time in system cycles."""
    macs: int
    energy_pj: float
    """On-chip energy of its ops on its core."""


@dataclass(frozen=True)
class TransferTiming:
    """One transfer: when it started moving (after latency) and when its last byte arrived."""

    task: str
    tensor: str
    channel: Channel
    nbytes: int
    issued: float
    start: float
    end: float


@dataclass(frozen=True)
class ChannelInterval:
    """An interval of constant sharing on a channel and the bytes moved in it."""

    channel: str
    start: float
    end: float
    nbytes: float
    active: int


@dataclass
class Timeline:
    """The result of running a schedule."""

    tasks: list[TaskTiming] = field(default_factory=list)
    transfers: list[TransferTiming] = field(default_factory=list)
    intervals: list[ChannelInterval] = field(default_factory=list)

    @property
    def makespan(self) -> float:
        """Cycles until the last task is done."""
        return max((t.end for t in self.tasks), default=0.0)


@dataclass
class _Flow:
    task: str
    transfer: Transfer
    issued: float
    ready: float
    remaining: float
    started: float | None = None
    waiters: list[str] = field(default_factory=list)
    """Other tasks that read the same broadcast (multicast key) and wait for it."""


class _Run:
    """State of one timeline run."""

    def __init__(self, workload: Workload, system: SystemConfig, schedule: SystemSchedule) -> None:
        self.system = system
        self.schedule = schedule
        self.tasks = {t.name: t for t in schedule.tasks}
        self.costs = [CoreCosts(workload, core, core_pricing(system, k)) for k, core in enumerate(system.cores)]
        for core, names in enumerate(schedule.order):
            self.costs[core].prepare(op for name in names for op in self.tasks[name].ops)
        self.bandwidth = {"dram": system.dram_bytes_per_cycle, "link": system.link_bytes_per_cycle}
        self.latency = {"dram": system.dram_latency_cycles, "link": system.link_latency_cycles}
        self.next_on_core = [0] * system.n_cores
        self.core_free_at: list[float | None] = [0.0] * system.n_cores
        self.flows: list[_Flow] = []
        self.broadcasts: dict[str, _Flow] = {}
        self.broadcast_done: set[str] = set()
        self.pending_reads: dict[str, int] = {}
        self.pending_writes: dict[str, int] = {}
        self.computing: dict[str, float] = {}
        self.started: dict[str, float] = {}
        self.compute_start: dict[str, float] = {}
        self.done: dict[str, float] = {}
        self.timeline = Timeline()

    def _cost(self, task: Task) -> tuple[float, int, float]:
        ratio = self.system.core_clock_ratio(task.core)
        costs = [self.costs[task.core].cost(op) for op in task.ops]
        cycles = sum(c.compute_cycles for c in costs) * ratio
        return cycles, sum(c.macs for c in costs), sum(c.energy_pj for c in costs)

    def _issue(self, task: Task, transfers: tuple[Transfer, ...], now: float) -> int:
        count = 0
        for transfer in transfers:
            key = transfer.multicast
            if transfer.nbytes == 0 or key in self.broadcast_done:
                continue
            if key is not None and key in self.broadcasts:
                self.broadcasts[key].waiters.append(task.name)
                count += 1
                continue
            ready = now + self.latency[transfer.channel.resource]
            flow = _Flow(task.name, transfer, now, ready, float(transfer.nbytes))
            self.flows.append(flow)
            if key is not None:
                self.broadcasts[key] = flow
            count += 1
        return count

    def _start_ready_tasks(self, now: float) -> None:
        progress = True
        while progress:
            progress = False
            for core, names in enumerate(self.schedule.order):
                if self.core_free_at[core] is None or self.next_on_core[core] >= len(names):
                    continue
                task = self.tasks[names[self.next_on_core[core]]]
                if any(dep not in self.done for dep in task.deps):
                    continue
                self.next_on_core[core] += 1
                self.core_free_at[core] = None
                self.started[task.name] = now
                self.pending_reads[task.name] = self._issue(task, task.reads, now)
                if self.pending_reads[task.name] == 0:
                    self._begin_compute(task, now)
                progress = True

    def _begin_compute(self, task: Task, now: float) -> None:
        cycles, _, _ = self._cost(task)
        self.compute_start[task.name] = now
        self.computing[task.name] = now + cycles

    def _finish_compute(self, task: Task, now: float) -> None:
        del self.computing[task.name]
        self.core_free_at[task.core] = now
        self.pending_writes[task.name] = self._issue(task, task.writes, now)
        if self.pending_writes[task.name] == 0:
            self._finish(task, now)

    def _finish(self, task: Task, now: float) -> None:
        self.done[task.name] = now
        cycles, macs, energy = self._cost(task)
        self.timeline.tasks.append(
            TaskTiming(
                task=task.name,
                core=task.core,
                start=self.started[task.name],
                compute_start=self.compute_start[task.name],
                compute_end=self.compute_start[task.name] + cycles,
                end=now,
                compute_cycles=cycles,
                macs=macs,
                energy_pj=energy,
            )
        )

    def _active(self, now: float) -> dict[str, list[_Flow]]:
        active: dict[str, list[_Flow]] = {"dram": [], "link": []}
        for flow in self.flows:
            if flow.ready <= now + _EPS:
                active[flow.transfer.channel.resource].append(flow)
        return active

    def run(self) -> Timeline:
        now = 0.0
        total = len(self.tasks)
        self._start_ready_tasks(now)
        while len(self.done) < total:
            active = self._active(now)
            candidates = list(self.computing.values())
            candidates += [f.ready for f in self.flows if f.ready > now + _EPS]
            for resource, flows in active.items():
                if flows:
                    rate = self.bandwidth[resource] / len(flows)
                    candidates.append(now + min(f.remaining for f in flows) / rate)
            if not candidates:
                stuck = sorted(set(self.tasks) - set(self.done))[:5]
                raise ValueError(f"schedule deadlocks: tasks {stuck} can never start (check deps and core order)")
            step_to = max(now, min(candidates))
            dt = step_to - now
            for resource, flows in active.items():
                if not flows:
                    continue
                rate = self.bandwidth[resource] / len(flows)
                moved = 0.0
                for flow in flows:
                    if flow.started is None:
                        flow.started = now
                    amount = min(flow.remaining, rate * dt)
                    flow.remaining -= amount
                    moved += amount
                if dt > 0:
                    self.timeline.intervals.append(ChannelInterval(resource, now, step_to, moved, len(flows)))
            now = step_to
            self._complete_flows(now)
            for name, end in list(self.computing.items()):
                if end <= now + _EPS:
                    self._finish_compute(self.tasks[name], now)
            self._start_ready_tasks(now)
        return self.timeline

    def _complete_flows(self, now: float) -> None:
        keep: list[_Flow] = []
        for flow in self.flows:
            if flow.ready <= now + _EPS and flow.remaining <= _EPS * max(1.0, flow.transfer.nbytes):
                self.timeline.transfers.append(
                    TransferTiming(
                        task=flow.task,
                        tensor=flow.transfer.tensor,
                        channel=flow.transfer.channel,
                        nbytes=flow.transfer.nbytes,
                        issued=flow.issued,
                        start=flow.started if flow.started is not None else now,
                        end=now,
                    )
                )
                if flow.transfer.multicast is not None:
                    self.broadcast_done.add(flow.transfer.multicast)
                for name in (flow.task, *flow.waiters):
                    task = self.tasks[name]
                    if flow.transfer.channel.is_write:
                        self.pending_writes[name] -= 1
                        if self.pending_writes[name] == 0:
                            self._finish(task, now)
                    else:
                        self.pending_reads[name] -= 1
                        if self.pending_reads[name] == 0:
                            self._begin_compute(task, now)
            else:
                keep.append(flow)
        self.flows = keep


def run_schedule(workload: Workload, system: SystemConfig, schedule: SystemSchedule) -> Timeline:
    """The timeline of ``schedule`` on ``system``; raises ValueError if the schedule deadlocks."""
    if len(schedule.order) != system.n_cores:
        raise ValueError(f"schedule has {len(schedule.order)} cores, the system {system.n_cores}")
    return _Run(workload, system, schedule).run()


__all__ = ["ChannelInterval", "TaskTiming", "Timeline", "TransferTiming", "run_schedule"]
