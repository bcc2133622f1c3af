"""Divide and conquer: solve a long schedule chunk by chunk, each from the state the last one left.

The base order is cut into contiguous chunks (any reordering inside a chunk
keeps the whole order topological). Each chunk's ILP starts from the previous
chunk's final residency (tensors and offsets) and its stored set, and pays a
reload for every tensor a later chunk needs that it does not leave resident.
The stitched plan is finalised and checked as a whole, so its traffic is exact.
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


def _chunk_cost(problem: MappingProblem, prefix: Plan, piece: Plan, live_out: frozenset[str]) -> int:
    """Non-compulsory bytes so far with ``piece`` appended, plus what dropping live-out tensors will cost.

    A live-out tensor not left resident costs a reload, and a store if it was
    produced and is not in DRAM yet (the chunk model's own live-out penalty).
    """
    joined = _joined(prefix, piece)
    stored = needs_dram_copy(problem, joined)
    penalty = 0
    for t in live_out - set(piece.resident[-1]):
        penalty += problem.tensor_bytes[t]
        if t in problem.producer and t not in stored:
            penalty += problem.tensor_bytes[t]
    return finalize(problem, joined).noncompulsory_bytes + penalty


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
        improves = outcome.plan is not None and _chunk_cost(problem, plan, outcome.plan, live_out) <= _chunk_cost(
            problem, plan, warm, live_out
        )
        if improves and outcome.plan is not None:
            piece = outcome.plan
        reports.append(ChunkReport(len(chunk), outcome.proven, piece is outcome.plan, outcome.seconds))
        plan = _joined(plan, piece)
        initial = {t: off for t, off in piece.resident[-1].items() if t in live_out}
        dropped |= live_out - set(initial)
    return plan, reports
