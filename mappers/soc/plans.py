"""Static list schedules of one job (HEFT, PEFT) that may start on busy cores, and the exact one.

HEFT's ranking is :func:`mappers.multicore.heft.upward_rank` and the exact solver is
:func:`mappers.multicore.cpsat.solve_exact`; what this module adds is the list
scheduler that places a job on cores already busy until ``free`` (jobs arriving
into a stream) and PEFT (Arabnejad and Barbosa, "List Scheduling Algorithm for
Heterogeneous Systems by an Optimistic Cost Table", IEEE TPDS 25(3), 2014).
On idle cores with no bias, :func:`list_plan` with upward ranks *is* HEFT: the
tests check it against ``mappers.multicore.heft.heft`` schedule by schedule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mappers.multicore.heft import upward_rank
from mappers.multicore.problem import Allocation, SchedulingProblem
from mappers.soc.jobs import expected_durations

Busy = Sequence[Sequence[tuple[float, float]]]
"""Per core, sorted (start, end) intervals already promised to other jobs' tasks."""


def list_plan(
    problem: SchedulingProblem,
    priority: Sequence[float],
    free: Sequence[float],
    release: float = 0.0,
    bias: np.ndarray | None = None,
    busy: Busy | None = None,
) -> Allocation:
    """List scheduling: repeatedly take the planned-ready task of highest ``priority`` and put it on the
    core minimising its earliest finish plus ``bias[task][core]`` (ties: lowest core); a core that cannot run
    the task (``problem.allowed``) never does.

    ``free`` is when each core becomes available, ``release`` when the job's inputs are there.
    The job's own tasks are insertion-free (each after the job's previous task on that core, as
    ``mappers.multicore.heft``); with ``busy``, they may also use the idle gaps between other jobs'
    intervals on a core (each core's intervals start at or after ``free``). Start times in the result
    are absolute (same clock as ``free``).
    """
    n, cores = problem.n, problem.cores
    duration = expected_durations(problem)
    succs = problem.succs
    waiting = [len(p) for p in problem.preds]
    ready = [v for v in range(n) if waiting[v] == 0]
    core_free = np.maximum(np.asarray(free, dtype=float), release)
    core = [0] * n
    start = [0.0] * n
    end = [0.0] * n
    order: list[list[int]] = [[] for _ in range(cores)]
    index = np.arange(cores)
    while ready:
        v = max(ready, key=lambda u: (priority[u], -u))
        ready.remove(v)
        arrive = np.full(cores, float(release))
        for u in problem.preds[v]:
            arrive = np.maximum(arrive, end[u] + np.where(index == core[u], 0.0, problem.comm[u]))
        begin = np.maximum(core_free, arrive)
        if busy is not None:
            begin = np.array([first_gap(busy[c], begin[c], duration[v, c]) for c in range(cores)])
        finish = begin + duration[v]
        score = finish if bias is None else finish + bias[v]
        c = int(np.argmin(score))
        core[v], start[v], end[v] = c, float(begin[c]), float(finish[c])
        core_free[c] = end[v]
        order[c].append(v)
        for w in succs[v]:
            waiting[w] -= 1
            if waiting[w] == 0:
                ready.append(w)
    return Allocation(tuple(core), tuple(start), tuple(tuple(o) for o in order), max(end, default=0.0))  # type: ignore[arg-type]


def first_gap(intervals: Sequence[tuple[float, float]], earliest: float, length: float) -> float:
    """The first start ``>= earliest`` where ``length`` fits between the sorted busy ``intervals``."""
    t = earliest
    for lo, hi in intervals:
        if t + length <= lo:
            return t
        t = max(t, hi)
    return t


def heft_plan(
    problem: SchedulingProblem, free: Sequence[float], release: float = 0.0, busy: Busy | None = None
) -> Allocation:
    """HEFT (upward rank, earliest finish) on cores busy until ``free`` (and in other jobs' ``busy`` intervals)."""
    return list_plan(problem, upward_rank(problem), free, release, busy=busy)


def optimistic_cost_table(problem: SchedulingProblem) -> np.ndarray:
    """PEFT's OCT[t][p]: the longest optimistic path from ``t`` on core ``p`` to an exit (exits: 0).

    ``OCT[t][p] = max over successors s of min over cores w of OCT[s][w] + w(s, w) + (comm[t] if w != p)``.
    """
    duration = expected_durations(problem)
    oct_ = np.zeros((problem.n, problem.cores))
    succs = problem.succs
    for t in reversed(range(problem.n)):
        for s in succs[t]:
            through = oct_[s] + duration[s]
            best = np.minimum(through, through.min() + problem.comm[t])
            oct_[t] = np.maximum(oct_[t], best)
    return oct_


def peft_plan(
    problem: SchedulingProblem, free: Sequence[float], release: float = 0.0, busy: Busy | None = None
) -> Allocation:
    """PEFT: priority = mean OCT over cores; core = argmin of earliest finish + OCT."""
    table = optimistic_cost_table(problem)
    return list_plan(problem, table.mean(axis=1).tolist(), free, release, bias=table, busy=busy)


def exact_plan(problem: SchedulingProblem, time_limit: float = 30.0) -> tuple[Allocation, bool]:
    """CP-SAT's minimum-makespan schedule of one job on idle cores, and whether it is proven optimal."""
    from mappers.multicore.cpsat import solve_exact

    result = solve_exact(problem, time_limit=time_limit)
    return result.allocation, result.optimal


__all__ = ["Busy", "exact_plan", "first_gap", "heft_plan", "list_plan", "optimistic_cost_table", "peft_plan"]
