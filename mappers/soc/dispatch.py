"""Play jobs out in time on the cores of a SoC, one dispatch decision at a time.

The dispatcher is the simulator behind ``archsim/SocSchedule-v0`` and every baseline.
A task is *ready* once its job has arrived and all its predecessors have finished;
a decision assigns one ready task to a core (appended to the core's queue) or waits
until the next task becomes ready. An assigned task starts when its core is free,
its inputs have arrived (``comm`` of each predecessor on another core) and not before
the decision; it runs for its *actual* duration: the expected one times a factor
drawn once per task, uniform in ``[1 - noise, 1 + noise]``, from the seed. Deciders
see only expected durations of unfinished work (:meth:`Dispatcher.expected_free`,
:meth:`Dispatcher.expected_finish`); actual times are committed at assignment and
become visible as tasks finish.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mappers.multicore.heft import upward_rank
from mappers.soc.jobs import Job, critical_path_bound, expected_durations


@dataclass(frozen=True)
class Placement:
    """Where and when one task ran (cycles)."""

    task: int
    job: int
    local: int
    core: int
    ready: float
    start: float
    finish: float


class Dispatcher:
    """State of one scheduling episode: clock, ready tasks, per-core queues, committed times."""

    def __init__(self, jobs: Sequence[Job], noise: float = 0.0, seed: int = 0) -> None:
        if not jobs:
            raise ValueError("jobs: need at least one job")
        if not 0 <= noise < 1:
            raise ValueError(f"noise must be in [0, 1), got {noise!r}")
        cores = {job.problem.cores for job in jobs}
        if len(cores) != 1:
            raise ValueError(f"jobs: every task graph must be priced on the same cores, got {sorted(cores)}")
        self.jobs = tuple(jobs)
        self.cores = cores.pop()
        self.noise = float(noise)
        self.offset = np.cumsum([0] + [job.problem.n for job in jobs])
        self.n = int(self.offset[-1])
        self.job_of = np.repeat(np.arange(len(jobs)), [job.problem.n for job in jobs])
        # per task and core, its expected cycles (infinite on a core that cannot run it)
        self.expected = np.concatenate([expected_durations(job.problem) for job in jobs])
        self.comm = np.array([c for job in jobs for c in job.problem.comm], dtype=float)
        self.preds = [
            tuple(int(u + o) for u in p) for job, o in zip(jobs, self.offset, strict=False) for p in job.problem.preds
        ]
        self.succs: list[list[int]] = [[] for _ in range(self.n)]
        for v, preds in enumerate(self.preds):
            for u in preds:
                self.succs[u].append(v)
        self.rank = np.array([r for job in jobs for r in upward_rank(job.problem)], dtype=float)
        self.arrival = np.array([job.arrival for job in jobs], dtype=float)
        self.deadline = np.array([job.deadline for job in jobs], dtype=float)
        self.bound = np.array([critical_path_bound(job.problem) for job in jobs], dtype=float)
        rng = np.random.default_rng(seed)
        factor = rng.uniform(1 - noise, 1 + noise, self.n) if noise > 0 else np.ones(self.n)
        self.actual = self.expected * factor[:, None]
        self.core_of = np.full(self.n, -1)
        self.ready_at = np.full(self.n, np.nan)
        self.data_at = np.full(self.n, np.nan)
        self.start = np.full(self.n, np.nan)
        self.finish = np.full(self.n, np.nan)
        self.core_end = np.zeros(self.cores)
        self.queues: list[list[int]] = [[] for _ in range(self.cores)]
        self.first_open = [0] * self.cores
        self.waiting_preds = np.array([len(p) for p in self.preds])
        self.job_left = np.array([job.problem.n for job in jobs])
        self.job_finish = np.full(len(jobs), np.nan)
        self.assigned = 0
        self.now = 0.0
        self.ready: list[int] = []
        self.upcoming: list[tuple[float, int]] = []
        for k, job in enumerate(jobs):
            for local in range(job.problem.n):
                if not job.problem.preds[local]:
                    self._becomes_ready(int(self.offset[k]) + local, job.arrival)
        self._settle()

    # ----------------------------------------------------------------- what deciders see
    @property
    def done(self) -> bool:
        """True once every task is assigned (all times are then committed)."""
        return self.assigned == self.n

    @property
    def can_wait(self) -> bool:
        """True when a task will become ready later (waiting then moves the clock)."""
        return bool(self.upcoming)

    def data_arrival(self, task: int) -> np.ndarray:
        """Per core, when ``task``'s inputs are there (its job's arrival for an entry task)."""
        arrive = np.full(self.cores, self.arrival[self.job_of[task]])
        for u in self.preds[task]:
            across = self.finish[u] + self.comm[u]
            arrive = np.maximum(arrive, np.where(np.arange(self.cores) == self.core_of[u], self.finish[u], across))
        return arrive

    def cores_for(self, task: int) -> list[int]:
        """The cores that can run ``task``."""
        return [int(c) for c in np.flatnonzero(np.isfinite(self.expected[task]))]

    def expected_free(self) -> np.ndarray:
        """Per core, when its queue is expected to drain (known finishes, expected durations of the rest)."""
        free = np.full(self.cores, self.now)
        for c in range(self.cores):
            queue = self.queues[c]
            k = self.first_open[c]
            while k < len(queue) and self.finish[queue[k]] <= self.now:
                k += 1
            self.first_open[c] = k
            t = self.now
            for v in queue[k:]:
                if self.start[v] <= self.now:
                    t = max(t, self.start[v] + self.expected[v, c])
                else:
                    t = max(t, self.data_at[v]) + self.expected[v, c]
            free[c] = t
        return free

    def expected_finish(self, task: int, free: np.ndarray | None = None) -> np.ndarray:
        """Per core, when ``task`` would finish if assigned there now (expected durations)."""
        free = self.expected_free() if free is None else free
        begin = np.maximum(np.maximum(free, self.data_arrival(task)), self.now)
        return begin + self.expected[task]

    # ----------------------------------------------------------------- decisions
    def assign(self, task: int, core: int) -> float:
        """Queue ready ``task`` on ``core``; returns its committed (actual) finish time."""
        if task not in self.ready:
            raise ValueError(f"task {task} is not ready at t={self.now} (ready: {self.ready[:8]}...)")
        if not 0 <= core < self.cores:
            raise ValueError(f"core must be in [0, {self.cores}), got {core}")
        if not np.isfinite(self.expected[task, core]):
            raise ValueError(f"task {task} cannot run on core {core} (cores that can: {self.cores_for(task)})")
        self.ready.remove(task)
        data = float(self.data_arrival(task)[core])
        begin = max(self.now, self.core_end[core], data)
        end = begin + float(self.actual[task, core])
        self.core_of[task] = core
        self.data_at[task] = data
        self.start[task] = begin
        self.finish[task] = end
        self.core_end[core] = end
        self.queues[core].append(task)
        self.assigned += 1
        job = self.job_of[task]
        self.job_left[job] -= 1
        if self.job_left[job] == 0:
            lo, hi = self.offset[job], self.offset[job + 1]
            self.job_finish[job] = float(np.max(self.finish[lo:hi]))
        for v in self.succs[task]:
            self.waiting_preds[v] -= 1
            if self.waiting_preds[v] == 0:
                ready = max(self.arrival[self.job_of[v]], max(self.finish[u] for u in self.preds[v]))
                self._becomes_ready(v, float(ready))
        self._settle()
        return end

    def wait(self) -> None:
        """Move the clock to the next time a task becomes ready."""
        if not self.upcoming:
            raise ValueError(f"nothing to wait for at t={self.now}: assign a ready task")
        self.now = self.upcoming[0][0]
        self._settle()

    def _becomes_ready(self, task: int, time: float) -> None:
        self.ready_at[task] = time
        heapq.heappush(self.upcoming, (time, task))

    def _settle(self) -> None:
        """Release tasks whose time has come; with none ready, move the clock to the next release."""
        while True:
            while self.upcoming and self.upcoming[0][0] <= self.now:
                self.ready.append(heapq.heappop(self.upcoming)[1])
            if self.ready or not self.upcoming:
                break
            self.now = self.upcoming[0][0]
        self.ready.sort(key=lambda v: (-self.rank[v], v))

    # ----------------------------------------------------------------- results
    @property
    def makespan(self) -> float:
        """Last committed finish so far (cycles from time 0)."""
        return float(np.nanmax(self.finish)) if self.assigned else 0.0

    def job_latency(self) -> np.ndarray:
        """Per job, finish minus arrival (NaN while a task is unassigned)."""
        return self.job_finish - self.arrival

    def deadline_misses(self) -> int:
        """Finished jobs past their deadline."""
        return int(np.sum(self.job_finish > self.deadline))

    def placements(self) -> list[Placement]:
        """Every assigned task, in task order."""
        return [
            Placement(
                v,
                int(self.job_of[v]),
                int(v - self.offset[self.job_of[v]]),
                int(self.core_of[v]),
                float(self.ready_at[v]),
                float(self.start[v]),
                float(self.finish[v]),
            )
            for v in range(self.n)
            if self.core_of[v] >= 0
        ]


__all__ = ["Dispatcher", "Placement"]
