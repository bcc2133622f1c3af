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
from mappers.soc.plans import exact_plan, heft_plan, peft_plan

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


Planner = Callable[[SchedulingProblem, np.ndarray, float], Allocation]


class PlanFollower:
    """Plans every job at its arrival with ``planner`` (expected durations) and replays the plans."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner

    def reset(self, dispatcher: Dispatcher) -> None:
        """Forget earlier plans."""
        self.planned = 0
        self.planned_free = np.zeros(dispatcher.cores)
        self.core_plan: list[list[int]] = [[] for _ in range(dispatcher.cores)]
        self.next_up = [0] * dispatcher.cores
        self.core_of: dict[int, int] = {}

    def act(self, dispatcher: Dispatcher) -> Decision:
        """Dispatch a ready task that is next on its planned core, else wait."""
        while self.planned < len(dispatcher.jobs) and dispatcher.jobs[self.planned].arrival <= dispatcher.now:
            self._plan(dispatcher, self.planned)
            self.planned += 1
        for task in dispatcher.ready:
            core = self.core_of[task]
            if self.core_plan[core][self.next_up[core]] == task:
                self.next_up[core] += 1
                return task, core
        return None

    def _plan(self, dispatcher: Dispatcher, k: int) -> None:
        job = dispatcher.jobs[k]
        offset = int(dispatcher.offset[k])
        free = np.maximum(self.planned_free, job.arrival)
        plan = self.planner(job.problem, free, job.arrival)
        duration = np.asarray(job.problem.duration, dtype=float)
        for c, order in enumerate(plan.order):
            for local in order:
                self.core_of[offset + local] = c
                self.core_plan[c].append(offset + local)
            if order:
                self.planned_free[c] = max(plan.start[v] + duration[v, c] for v in order)


def _exact(problem: SchedulingProblem, free: np.ndarray, release: float) -> Allocation:
    if release != 0 or np.any(free != 0):
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
    """A uniformly random ready task on a uniformly random core (never waits)."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def reset(self, dispatcher: Dispatcher) -> None:
        """Restart the random stream (same seed, same choices)."""
        self.rng = np.random.default_rng(self.seed)

    def act(self, dispatcher: Dispatcher) -> Decision:
        """Any ready task, any core."""
        task = dispatcher.ready[int(self.rng.integers(len(dispatcher.ready)))]
        return task, int(self.rng.integers(dispatcher.cores))


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
