"""Baseline deciders for the dispatcher: static plans replayed in time, earliest-finish greedy, random.

A *plan follower* plans each job when it arrives (HEFT, PEFT or, for one job at time
0, the exact CP-SAT schedule) with expected durations, then replays it: each core
runs its planned tasks in planned order, each as soon as it is ready and the previous
one on its core has been dispatched. With no noise a replayed plan finishes exactly
when the plan says (tests check it); with noise it keeps its allocation and order
and absorbs the delays. The greedy and random deciders act on what they see now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from mappers.multicore.problem import Allocation, SchedulingProblem
from mappers.soc.dispatch import Dispatcher
from mappers.soc.jobs import expected_durations
from mappers.soc.plans import Busy, exact_plan, heft_plan, peft_plan

Decision = tuple[int, int] | None
"""(task, core) to assign, or None to wait for the next ready task."""


class Policy(Protocol):
    """Anything that decides for a dispatcher."""

    def reset(self, dispatcher: Dispatcher) -> None:
        """Start a new episode on ``dispatcher``."""

    def act(self, dispatcher: Dispatcher) -> Decision:
        """The next decision (only when the dispatcher is not done)."""


def run_policy(dispatcher: Dispatcher, policy: Policy) -> Dispatcher:
    """Let ``policy`` decide until every task is assigned; returns the finished dispatcher."""
    policy.reset(dispatcher)
    while not dispatcher.done:
        decision = policy.act(dispatcher)
        if decision is None:
            dispatcher.wait()
        else:
            dispatcher.assign(*decision)
    return dispatcher


Planner = Callable[[SchedulingProblem, np.ndarray, float, Busy], Allocation]
"""(job, when each core is free, the job's release, other jobs' busy intervals per core) -> plan."""


class PlanFollower:
    """Plans every job at its arrival with ``planner`` (expected durations) and replays the plans.

    A job arriving into a stream is planned on the cores as they are expected to be then
    (``Dispatcher.expected_free``: the work already queued) and may use the idle gaps between
    the planned, not yet queued tasks of earlier jobs; each core then runs its planned tasks in
    planned start order. A core's next task is its first planned task not yet assigned, so the
    follower also advises a decider that sometimes deviates from the plan (``envs.soc``).
    """

    def __init__(self, planner: Planner) -> None:
        self.planner = planner

    def reset(self, dispatcher: Dispatcher) -> None:
        """Forget earlier plans."""
        self.planned = 0
        self.core_plan: list[list[int]] = [[] for _ in range(dispatcher.cores)]
        self.next_up = [0] * dispatcher.cores
        self.core_of: dict[int, int] = {}
        self.interval: dict[int, tuple[float, float]] = {}

    def act(self, dispatcher: Dispatcher) -> Decision:
        """Dispatch a ready task that is next on its planned core, else wait."""
        self.catch_up(dispatcher)
        for task in dispatcher.ready:
            core = self.core_of[task]
            if self.next_on(dispatcher, core) == task:
                return task, core
        return None

    def catch_up(self, dispatcher: Dispatcher) -> None:
        """Plan the jobs that have arrived by now."""
        while self.planned < len(dispatcher.jobs) and dispatcher.jobs[self.planned].arrival <= dispatcher.now:
            self._plan(dispatcher, self.planned)
            self.planned += 1

    def next_on(self, dispatcher: Dispatcher, core: int) -> int | None:
        """The first task planned on ``core`` that is not assigned yet."""
        plan = self.core_plan[core]
        k = self.next_up[core]
        while k < len(plan) and dispatcher.core_of[plan[k]] >= 0:
            k += 1
        self.next_up[core] = k
        return plan[k] if k < len(plan) else None

    def _plan(self, dispatcher: Dispatcher, k: int) -> None:
        job = dispatcher.jobs[k]
        offset = int(dispatcher.offset[k])
        floor = np.maximum(dispatcher.expected_free(), job.arrival)
        pending = [
            [v for v in plan[self.next_up[c] :] if dispatcher.core_of[v] < 0] for c, plan in enumerate(self.core_plan)
        ]
        busy = [
            [(max(self.interval[v][0], floor[c]), max(self.interval[v][1], floor[c])) for v in pending[c]]
            for c in range(dispatcher.cores)
        ]
        plan = self.planner(job.problem, floor, job.arrival, busy)
        duration = expected_durations(job.problem)
        for c, order in enumerate(plan.order):
            for local in order:
                v = offset + local
                self.core_of[v] = c
                self.interval[v] = (float(plan.start[local]), float(plan.start[local] + duration[local, c]))
            merged = sorted(pending[c] + [offset + local for local in order], key=lambda v: self.interval[v][0])
            self.core_plan[c] = self.core_plan[c][: self.next_up[c]] + merged


def _exact(problem: SchedulingProblem, free: np.ndarray, release: float, busy: Busy) -> Allocation:
    if release != 0 or np.any(free != 0) or any(busy):
        raise ValueError("baseline exact: schedules one job arriving at time 0 on idle cores (use jobs=1)")
    return exact_plan(problem)[0]


class EarliestFinish:
    """Greedy: among every (ready task, core) pair, the earliest expected finish (ties: higher upward rank)."""

    def reset(self, dispatcher: Dispatcher) -> None:
        """Stateless."""

    def act(self, dispatcher: Dispatcher) -> Decision:
        """The pair finishing first."""
        free = dispatcher.expected_free()
        best: tuple[float, float, int, int] | None = None
        for task in dispatcher.ready:
            finish = dispatcher.expected_finish(task, free)
            core = int(np.argmin(finish))
            key = (float(finish[core]), -float(dispatcher.rank[task]), task, core)
            if best is None or key < best:
                best = key
        assert best is not None  # a dispatcher that is not done has a ready task
        return best[2], best[3]


class RandomPolicy:
    """A uniformly random ready task on a uniformly random core of those that can run it (never waits)."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def reset(self, dispatcher: Dispatcher) -> None:
        """Restart the random stream (same seed, same choices)."""
        self.rng = np.random.default_rng(self.seed)

    def act(self, dispatcher: Dispatcher) -> Decision:
        """Any ready task, any core that can run it."""
        task = dispatcher.ready[int(self.rng.integers(len(dispatcher.ready)))]
        cores = dispatcher.cores_for(task)
        return task, cores[int(self.rng.integers(len(cores)))]


BASELINES: dict[str, Callable[[int], Policy]] = {
    "heft": lambda seed: PlanFollower(heft_plan),
    "peft": lambda seed: PlanFollower(peft_plan),
    "exact": lambda seed: PlanFollower(_exact),
    "greedy": lambda seed: EarliestFinish(),
    "random": lambda seed: RandomPolicy(seed),
}
"""Baseline name -> factory taking a seed (only ``random`` uses it)."""


def make_baseline(name: str, seed: int = 0) -> Policy:
    """Baseline ``name`` (ValueError naming the allowed ones otherwise)."""
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; allowed: {', '.join(BASELINES)}")
    return BASELINES[name](seed)


__all__ = [
    "BASELINES",
    "Decision",
    "EarliestFinish",
    "PlanFollower",
    "Policy",
    "RandomPolicy",
    "make_baseline",
    "run_policy",
]
