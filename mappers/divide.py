"""Divide and conquer: solve a long schedule chunk by chunk, each from the state the last one left.

The base order is cut into contiguous chunks (any reordering inside a chunk
keeps the whole order topological). Each chunk's ILP starts from the previous
chunk's final residency (tensors and offsets) and its stored set, and pays a
reload for every tensor a later chunk needs that it does not leave resident.
A chunk's ILP piece replaces its greedy piece only if, completed greedily to
the end, it gives the whole schedule fewer bytes. The stitched plan is
finalised and checked as a whole, so its traffic is exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mappers.heuristics import Eviction, greedy, residency_uses
from mappers.ilp import DEFAULT_SOLVER, Segment
from mappers.problem import MappingProblem
from mappers.schedule import Plan, finalize, needs_dram_copy
from mappers.twophase import TwoPhaseOutcome, solve_two_phase


@dataclass(frozen=True)
class ChunkReport:
    """How one chunk was solved."""

    ops: int
    proven: bool
    used_ilp: bool
    """False when the chunk kept its greedy warm start (the solver found nothing better)."""
    seconds: float


def _joined(prefix: Plan, piece: Plan) -> Plan:
    return Plan(
        order=prefix.order + piece.order,
        resident=prefix.resident + piece.resident,
        loads=prefix.loads + piece.loads,
        windows=prefix.windows + piece.windows,
    )


def _carry(piece: Plan, live_out: frozenset[str]) -> dict[str, int]:
    """What a chunk hands to the next: its final residency restricted to tensors read later."""
    return {t: off for t, off in piece.resident[-1].items() if t in live_out}


def _completed_cost(
    problem: MappingProblem, order: list[int], prefix: Plan, piece: Plan, stop: int, live_out: frozenset[str]
) -> int:
    """Non-compulsory bytes of ``prefix + piece`` completed greedily (Belady) to the end of ``order``.

    Judging each chunk's candidates by a complete schedule makes the stitched
    result never worse than Belady over the same order: the greedy candidate
    followed by its greedy completion *is* that schedule.
    """
    rest = greedy(problem, order, Eviction.BELADY, stop, len(order), _carry(piece, live_out))
    return finalize(problem, _joined(_joined(prefix, piece), rest)).noncompulsory_bytes


def divide_and_conquer(
    problem: MappingProblem,
    order: list[int],
    chunk_ops: int,
    radius: int | None,
    time_limit: float,
    solver: str = DEFAULT_SOLVER,
) -> tuple[Plan, list[ChunkReport]]:
    """Solve ``order`` in chunks of ``chunk_ops`` ops within ``time_limit`` seconds overall."""
    started = time.perf_counter()
    uses = residency_uses(problem, order)
    chunks = [order[k : k + chunk_ops] for k in range(0, len(order), chunk_ops)]
    plan = Plan(order=[], resident=[], loads=[], windows=[])
    initial: dict[str, int] = {}
    dropped: set[str] = set()
    reports: list[ChunkReport] = []
    for index, chunk in enumerate(chunks):
        start, stop = index * chunk_ops, index * chunk_ops + len(chunk)
        touched = set(initial) | {t for op in chunk for t in (*problem.ops[op].inputs, *problem.ops[op].outputs)}
        live_out = frozenset(t for t in touched if any(p >= stop for p in uses.get(t, ())))
        stored = needs_dram_copy(problem, plan) | {t for t in dropped if t in problem.producer}
        warm = greedy(problem, order, Eviction.BELADY, start, stop, initial)
        budget = max(1.0, (time_limit - (time.perf_counter() - started)) / (len(chunks) - index))
        segment = Segment(tuple(chunk), radius, dict(initial), frozenset(stored), live_out)
        outcome: TwoPhaseOutcome = solve_two_phase(problem, segment, warm, budget, solver)
        piece = warm
        if outcome.plan is not None:
            ilp_cost = _completed_cost(problem, order, plan, outcome.plan, stop, live_out)
            if ilp_cost <= _completed_cost(problem, order, plan, warm, stop, live_out):
                piece = outcome.plan
        reports.append(ChunkReport(len(chunk), outcome.proven, piece is outcome.plan, outcome.seconds))
        plan = _joined(plan, piece)
        initial = _carry(piece, live_out)
        dropped |= live_out - set(initial)
    return plan, reports
