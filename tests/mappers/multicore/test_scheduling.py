"""Allocation and order: HEFT, CP-SAT (proven against brute force) and the genetic search, all refereed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mappers.multicore.checker import check_allocation
from mappers.multicore.cpsat import solve_exact
from mappers.multicore.genetic import genetic
from mappers.multicore.heft import heft
from mappers.multicore.problem import Allocation, SchedulingProblem, decode


def random_problem(seed: int, n: int, cores: int, homogeneous: bool = False) -> SchedulingProblem:
    """A random DAG in topological order with per-core durations and communication costs."""
    rng = np.random.default_rng(seed)
    preds = tuple(
        tuple(sorted({int(p) for p in rng.integers(0, v, rng.integers(0, 3))})) if v else () for v in range(n)
    )
    if homogeneous:
        duration = tuple((int(d),) * cores for d in rng.integers(1, 30, n))
    else:
        duration = tuple(tuple(int(d) for d in rng.integers(1, 30, cores)) for _ in range(n))
    comm = tuple(int(c) for c in rng.integers(0, 15, n))
    return SchedulingProblem(duration, comm, preds, homogeneous)


def brute_force(problem: SchedulingProblem) -> int:
    """Minimum makespan over every core assignment and every priority order (active schedules)."""
    best = None
    for core in itertools.product(range(problem.cores), repeat=problem.n):
        for perm in itertools.permutations(range(problem.n)):
            priority = [0.0] * problem.n
            for rank, u in enumerate(perm):
                priority[u] = float(problem.n - rank)
            makespan = decode(problem, list(core), priority).makespan
            best = makespan if best is None else min(best, makespan)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(6))
def test_exact_is_optimal_against_brute_force(seed: int) -> None:
    problem = random_problem(seed, n=5, cores=2, homogeneous=seed % 2 == 0)
    result = solve_exact(problem, time_limit=20)
    assert result.optimal
    assert not check_allocation(problem, result.allocation)
    assert result.allocation.makespan == brute_force(problem)


def test_comparison_is_not_trivial() -> None:
    """On some instance HEFT is strictly worse than the optimum, so the exact test has teeth."""
    gaps = []
    for seed in range(6):
        problem = random_problem(seed, n=5, cores=2, homogeneous=seed % 2 == 0)
        gaps.append(heft(problem).makespan - solve_exact(problem, time_limit=20).allocation.makespan)
    assert max(gaps) > 0 and min(gaps) >= 0


@pytest.mark.parametrize("seed", range(3))
def test_heft_and_genetic_pass_the_checker_and_genetic_never_loses_to_heft(seed: int) -> None:
    problem = random_problem(seed, n=40, cores=4)
    base = heft(problem)
    assert not check_allocation(problem, base)
    found = genetic(problem, generations=30, seed=seed)
    assert not check_allocation(problem, found)
    assert found.makespan <= base.makespan


def test_genetic_is_deterministic() -> None:
    problem = random_problem(7, n=30, cores=3)
    assert genetic(problem, generations=20, seed=1) == genetic(problem, generations=20, seed=1)


def test_checker_rejects_overlap_and_early_start() -> None:
    problem = SchedulingProblem(duration=((5, 5), (5, 5)), comm=(3, 0), preds=((), (0,)), homogeneous=True)
    overlap = Allocation(core=(0, 0), start=(0, 2), order=((0, 1), ()), makespan=7)
    assert any("before stack 0 ends" in v for v in check_allocation(problem, overlap))
    early = Allocation(core=(0, 1), start=(0, 6), order=((0,), (1,)), makespan=11)
    assert any("before input" in v for v in check_allocation(problem, early))
    good = Allocation(core=(0, 1), start=(0, 8), order=((0,), (1,)), makespan=13)
    assert not check_allocation(problem, good)
