"""Solve a segment in two phases: residency under capacity (ILP), then byte offsets.

Phase 1 drops the offsets and keeps one capacity constraint per step: a much
smaller model whose optimum bounds the full problem from below. Phase 2 places
the resulting runs (greedy, then a small placement MILP). If the runs cannot be
placed, the full model with offsets is solved for the time that is left. When
phase 1 is proven optimal and its runs are placed, the schedule is optimal for
the full problem (within the segment's order windows).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mappers.ilp import DEFAULT_SOLVER, Segment, place_with_ilp, solve_segment
from mappers.placement import place_greedy, runs_of, with_offsets
from mappers.problem import MappingProblem
from mappers.schedule import Plan


@dataclass(frozen=True)
class TwoPhaseOutcome:
    """The plan found (None if none), whether it is proven optimal, and how offsets were found."""

    plan: Plan | None
    proven: bool
    bound: float | None
    """Lower bound on the segment's objective (from phase 1, or the full model)."""
    placement: str
    """``greedy``, ``milp``, ``full_model`` (phase 2 failed) or ``none``."""
    seconds: float
    variables: int
    constraints: int


def place_plan(
    problem: MappingProblem, plan: Plan, initial: dict[str, int], time_limit: float, solver: str = DEFAULT_SOLVER
) -> tuple[Plan | None, str]:
    """Offsets for a plan decided under capacity only: greedy placement, else the placement MILP.

    Returns the placed plan (or None) and how it was placed (``greedy`` or ``milp``).
    """
    runs = runs_of(problem, plan, initial)
    placed = place_greedy(runs, problem.scratchpad_bytes)
    if placed is not None:
        return with_offsets(plan, placed), "greedy"
    placed = place_with_ilp(runs, problem.scratchpad_bytes, time_limit, solver)
    return (with_offsets(plan, placed), "milp") if placed is not None else (None, "milp")


def solve_two_phase(
    problem: MappingProblem,
    segment: Segment,
    warm: Plan | None,
    time_limit: float,
    solver: str = DEFAULT_SOLVER,
) -> TwoPhaseOutcome:
    """Capacity model, then placement, then (only if placement fails) the full model."""
    started = time.perf_counter()
    relaxed = solve_segment(problem, segment, warm, 0.85 * time_limit, solver, addresses=False)
    if relaxed.plan is not None:
        budget = max(1.0, 0.5 * (time_limit - (time.perf_counter() - started)))
        placed, how = place_plan(problem, relaxed.plan, segment.initial, budget, solver)
        if placed is not None:
            return TwoPhaseOutcome(
                placed,
                relaxed.proven,
                relaxed.bound,
                how,
                time.perf_counter() - started,
                relaxed.variables,
                relaxed.constraints,
            )
    remaining = max(1.0, time_limit - (time.perf_counter() - started))
    full = solve_segment(problem, segment, warm, remaining, solver, addresses=True)
    bounds = [b for b in (relaxed.bound, full.bound) if b is not None]
    return TwoPhaseOutcome(
        full.plan,
        full.proven,
        max(bounds) if bounds else None,
        "full_model" if full.plan is not None else "none",
        time.perf_counter() - started,
        full.variables,
        full.constraints,
    )
