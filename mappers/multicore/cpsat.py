"""The exact allocator: OR-Tools CP-SAT over optional intervals, proven optimal on small graphs.

Why CP-SAT and not the PuLP/HiGHS MILP the graph-level mapper uses: allocation
and ordering on cores is a disjunctive scheduling problem. A MILP needs a binary
and a big-M pair per pair of stacks that may share a core, whose LP relaxation
says nothing about the makespan; CP-SAT's ``NoOverlap`` over optional intervals
propagates the core capacity directly and proves 30-stack instances optimal in
seconds (see docs/multicore.md for the measured table).

Model: per stack ``u`` and core ``c`` that can run it an optional interval of
length ``duration[u][c]`` present iff ``x[u, c]`` (``x[u, c] = 0`` on the others); ``sum_c x[u, c] = 1``; one NoOverlap
per core; per edge ``u -> v``, ``start[v] >= end[u] + comm[u] * (1 - same[u, v])``
where ``same[u, v]`` can be 1 only when both sit on one core;
minimise the makespan. Identical cores: stack 0 goes to core 0 (symmetry).
The HEFT schedule is the hint; on a time limit the best incumbent is returned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mappers.multicore.heft import heft
from mappers.multicore.problem import Allocation, SchedulingProblem


@dataclass(frozen=True)
class ExactResult:
    """The allocation CP-SAT found, whether it is proven optimal, its bound and time."""

    allocation: Allocation
    optimal: bool
    lower_bound: int
    seconds: float


def solve_exact(problem: SchedulingProblem, time_limit: float = 60.0, workers: int = 1) -> ExactResult:
    """Minimum-makespan allocation and order of ``problem`` (proven when ``optimal``)."""
    from ortools.sat.python import cp_model

    hint = heft(problem)
    horizon = sum(max(d[c] for c in problem.cores_for(u)) for u, d in enumerate(problem.duration))
    horizon += sum(problem.comm)
    model = cp_model.CpModel()
    start = [model.new_int_var(0, horizon, f"start_{u}") for u in range(problem.n)]
    end = [model.new_int_var(0, horizon, f"end_{u}") for u in range(problem.n)]
    x = [[model.new_bool_var(f"on_{u}_{c}") for c in range(problem.cores)] for u in range(problem.n)]
    per_core: list[list] = [[] for _ in range(problem.cores)]
    for u in range(problem.n):
        model.add_exactly_one(x[u]).with_name(f"one_core_{u}")
        runnable = problem.cores_for(u)
        for c in range(problem.cores):
            if c not in runnable:
                model.add(x[u][c] == 0).with_name(f"refused_{u}_{c}")
                continue
            interval = model.new_optional_interval_var(
                start[u], problem.duration[u][c], end[u], x[u][c], f"run_{u}_{c}"
            )
            per_core[c].append(interval)
            model.add_hint(x[u][c], hint.core[u] == c)
        model.add_hint(start[u], hint.start[u])
    for c in range(problem.cores):
        model.add_no_overlap(per_core[c])
    for v in range(problem.n):
        for u in problem.preds[v]:
            if problem.comm[u] == 0:
                model.add(start[v] >= end[u]).with_name(f"dep_{u}_{v}")
                continue
            same = model.new_bool_var(f"same_{u}_{v}")
            both = [model.new_bool_var(f"both_{u}_{v}_{c}") for c in range(problem.cores)]
            for c in range(problem.cores):
                model.add_implication(both[c], x[u][c])
                model.add_implication(both[c], x[v][c])
            model.add(same <= sum(both)).with_name(f"same_core_{u}_{v}")
            model.add(start[v] >= end[u] + problem.comm[u] - problem.comm[u] * same).with_name(f"dep_{u}_{v}")
    if problem.homogeneous and problem.n:
        model.add(x[0][0] == 1).with_name("symmetry")
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, end)
    model.minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    began = time.perf_counter()
    status = solver.solve(model)
    seconds = time.perf_counter() - began
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ExactResult(hint, False, 0, seconds)
    core = tuple(next(c for c in range(problem.cores) if solver.value(x[u][c])) for u in range(problem.n))
    starts = tuple(int(solver.value(s)) for s in start)
    order = tuple(
        tuple(sorted((u for u in range(problem.n) if core[u] == c), key=lambda u: (starts[u], u)))
        for c in range(problem.cores)
    )
    allocation = Allocation(core, starts, order, int(solver.value(makespan)))
    if allocation.makespan > hint.makespan:
        allocation = hint
    return ExactResult(allocation, status == cp_model.OPTIMAL, int(solver.best_objective_bound), seconds)


__all__ = ["ExactResult", "solve_exact"]
