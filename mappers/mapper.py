"""``map_workload``: baselines, exact search, then one ILP or divide-and-conquer, then the checker.

Graphs of moderate size first get the exact search over every operator order
(:mod:`mappers.exact`); when it finishes, the result is proven optimal. Otherwise
the ILP's order freedom is chosen to fit a size budget: every topological order
when its residency model stays under ``max_binaries`` binary variables, else ops
may move only ``radius`` positions from the best heuristic order (8, 4, 2, 1, 0),
else the order is cut into chunks (divide and conquer).
"""

from __future__ import annotations

import time
from typing import Any

from mappers.checker import check
from mappers.divide import divide_and_conquer
from mappers.exact import exact_search
from mappers.heuristics import Eviction, greedy, no_reuse
from mappers.ilp import DEFAULT_SOLVER, SOLVERS, Segment, capacity_bound, model_size
from mappers.orders import candidate_orders
from mappers.problem import MappingProblem
from mappers.result import MappingResult, Status
from mappers.schedule import Schedule, finalize, plan_of
from mappers.twophase import place_plan, solve_two_phase
from workloads.errors import InputError
from workloads.graph import Workload
from workloads.precision import Precision

RADII: tuple[int | None, ...] = (None, 8, 4, 2, 1, 0)
"""Order freedoms tried for a single ILP, widest first (None: any topological order)."""


def baselines(problem: MappingProblem) -> dict[str, Schedule]:
    """The heuristic schedules: the workload's order without reuse, with LRU and Belady, and the best order found."""
    workload_order = list(range(len(problem.ops)))
    found = {
        "no_reuse": finalize(problem, no_reuse(problem, workload_order)),
        "lru": finalize(problem, greedy(problem, workload_order, Eviction.LRU)),
        "belady": finalize(problem, greedy(problem, workload_order, Eviction.BELADY)),
    }
    orders = candidate_orders(problem).values()
    searched = [finalize(problem, greedy(problem, order, Eviction.BELADY)) for order in orders]
    found["belady_order_search"] = min(searched, key=lambda s: s.noncompulsory_bytes)
    return found


def _verified(problem: MappingProblem, schedule: Schedule, status: Status, solver: dict[str, Any]) -> Schedule:
    """Run the checker on ``schedule`` as the CLI would print it; raises if it breaks a rule."""
    draft = MappingResult(problem, status, schedule, {}, 0.0, solver)
    check(problem.workload, problem.scratchpad_bytes, draft.to_payload())
    return schedule


def map_workload(
    workload: Workload,
    scratchpad_bytes: int,
    precision: Precision | None = None,
    time_limit: float = 60.0,
    solver: str = DEFAULT_SOLVER,
    max_binaries: int = 3000,
    chunk_ops: int = 40,
    exact_ops: int = 150,
    exact_share: float = 0.9,
) -> MappingResult:
    """Map ``workload`` on a scratchpad of ``scratchpad_bytes``, minimising non-compulsory off-chip bytes.

    Graphs of up to ``exact_ops`` ops first get the exact search over every
    order (:mod:`mappers.exact`) for ``exact_share`` of the time; if it does
    not finish, the ILP (or divide and conquer) gets the rest. Every returned
    schedule (and every baseline) has passed the checker.
    """
    if solver not in SOLVERS:
        raise InputError.option("solver", "--solver", f"unknown solver {solver!r}; allowed: {', '.join(SOLVERS)}")
    if time_limit <= 0:
        raise InputError.option("time_limit", "--time-limit", f"must be > 0 seconds, got {time_limit}")
    started = time.perf_counter()
    problem = MappingProblem(workload, scratchpad_bytes, precision)
    found = baselines(problem)
    for name, schedule in found.items():
        _verified(problem, schedule, Status.HEURISTIC, {"baseline": name})
    best_name = min(found, key=lambda name: (found[name].noncompulsory_bytes, name))
    best = found[best_name]
    info: dict[str, Any] = {"solver": solver, "warm_start": best_name}
    if best.noncompulsory_bytes == 0:
        info["note"] = "a baseline already has zero non-compulsory bytes"
        return MappingResult(problem, Status.OPTIMAL, best, found, time.perf_counter() - started, info)
    warm = plan_of(problem, best)
    exact_bound = 0
    if len(problem) <= exact_ops:
        budget = max(0.1, exact_share * (time_limit - (time.perf_counter() - started)))
        proven, exact_bound = _exact(problem, best, budget, solver, info)
        if proven is not None:
            _verified(problem, proven, Status.OPTIMAL, info)
            return MappingResult(problem, Status.OPTIMAL, proven, found, time.perf_counter() - started, info)
    remaining = max(1.0, time_limit - (time.perf_counter() - started))
    radius = _fitting_radius(problem, warm.order, max_binaries)
    if radius == "chunks":
        chosen, status = _divide(problem, best, warm.order, chunk_ops, remaining, solver, info)
        return MappingResult(problem, status, chosen, found, time.perf_counter() - started, info)
    segment = Segment(tuple(warm.order), radius, {}, frozenset(), frozenset())
    share = 1.0 if radius is None else 0.5
    outcome = solve_two_phase(problem, segment, warm, share * remaining, solver)
    info.update(
        order_radius="any" if radius is None else radius,
        proven=outcome.proven,
        placement=outcome.placement,
        variables=outcome.variables,
        constraints=outcome.constraints,
        ilp_seconds=round(outcome.seconds, 3),
    )
    chosen, status = best, Status.HEURISTIC
    if outcome.plan is not None:
        candidate = finalize(problem, outcome.plan)
        if candidate.noncompulsory_bytes <= best.noncompulsory_bytes:
            chosen = candidate
            status = Status.OPTIMAL if outcome.proven and radius is None else Status.FEASIBLE
    if outcome.bound is not None or exact_bound:
        ilp_bound = 0 if outcome.bound is None else _bound_to_noncompulsory(problem, outcome.bound)
        info["lower_bound_noncompulsory"] = max(ilp_bound, exact_bound)
    left = time_limit - (time.perf_counter() - started)
    if not outcome.proven and radius is not None and left >= 1.0:
        chunk_info: dict[str, Any] = {}
        chunked, chunk_status = _divide(problem, chosen, warm.order, chunk_ops, left, solver, chunk_info)
        if chunked.noncompulsory_bytes < chosen.noncompulsory_bytes:
            chosen, status = chunked, chunk_status
            info["divide_and_conquer"] = chunk_info
    if chosen.noncompulsory_bytes == 0:
        status = Status.OPTIMAL
    _verified(problem, chosen, status, info)
    return MappingResult(problem, status, chosen, found, time.perf_counter() - started, info)


def _exact(
    problem: MappingProblem, best: Schedule, time_limit: float, solver: str, info: dict[str, Any]
) -> tuple[Schedule | None, int]:
    """The exact search over every order: a schedule proven optimal (or None) and a lower bound on the objective.

    Proven when the search finishes and either nothing beats ``best`` (then
    ``best`` is optimal) or its capacity-model optimum can be placed (a placed
    optimum of a relaxation is optimal for the full problem).
    """
    offset = objective_offset(problem)
    outcome = exact_search(problem, best.noncompulsory_bytes - offset, time_limit)
    bound = max(0, outcome.bound + offset)
    info["exact_search"] = {
        "proven": outcome.proven,
        "states": outcome.states,
        "seconds": round(outcome.seconds, 3),
        "lower_bound_noncompulsory": bound,
    }
    if not outcome.proven:
        return None, bound
    if outcome.plan is None:
        info.update(proven=True, order_radius="any", note="exact search: no schedule beats the best baseline")
        return best, bound
    placed, how = place_plan(problem, outcome.plan, {}, max(1.0, 0.25 * time_limit), solver)
    info["exact_search"]["placement"] = how if placed is not None else "failed"
    if placed is None:
        return None, bound
    info.update(proven=True, order_radius="any", placement=how, lower_bound_noncompulsory=bound)
    return finalize(problem, placed), bound


def _fitting_radius(problem: MappingProblem, order: list[int], max_binaries: int) -> int | str | None:
    """The widest order radius whose residency model stays under ``max_binaries``; ``"chunks"`` if none does."""
    for radius in RADII:
        segment = Segment(tuple(order), radius, {}, frozenset(), frozenset())
        if model_size(problem, segment, addresses=False) <= max_binaries:
            return radius
    return "chunks"


def objective_offset(problem: MappingProblem) -> int:
    """Non-compulsory bytes minus the whole-graph ILP objective (the traffic the objective leaves out).

    The objective counts loads (graph inputs' compulsory first loads included)
    and optional stores; streamed reads and the stores that streaming forces
    are constant, so they are added here, and the graph inputs' first reads taken away.
    """
    forced: set[str] = set()
    streamed_reads = 0
    for op in problem.ops:
        if op.streamed:
            forced.update(op.outputs)
            forced.update(t for t in op.inputs if t in problem.producer)
            streamed_reads += sum(problem.tensor_bytes[t] for t in op.inputs)
    forced -= set(problem.graph_outputs)
    inputs = sum(problem.tensor_bytes[t] for t in problem.graph_inputs)
    return sum(problem.tensor_bytes[t] for t in forced) + streamed_reads - inputs


def _bound_to_noncompulsory(problem: MappingProblem, bound: float) -> int:
    """A solver bound on the objective, as a bound on non-compulsory bytes (never below zero)."""
    return max(0, round(bound) + objective_offset(problem)) if bound > -1e30 else 0


def _divide(
    problem: MappingProblem,
    best: Schedule,
    order: list[int],
    chunk_ops: int,
    time_limit: float,
    solver: str,
    info: dict[str, Any],
) -> tuple[Schedule, Status]:
    """Divide and conquer along ``order`` (filling ``info``), plus a capacity lower bound over the same windows.

    Returns ``best`` with status ``heuristic`` if the stitched schedule is not better.
    """
    radius = 2
    bound_time = max(1.0, 0.2 * time_limit)
    plan, chunks = divide_and_conquer(problem, order, chunk_ops, radius, time_limit - bound_time, solver)
    schedule = finalize(problem, plan)
    whole = Segment(tuple(order), radius, {}, frozenset(), frozenset())
    bound = capacity_bound(problem, whole, bound_time, solver)
    info.update(
        order_radius=radius,
        chunks=len(chunks),
        chunk_ops=chunk_ops,
        chunks_proven=sum(c.proven for c in chunks),
        chunks_improved=sum(c.used_ilp for c in chunks),
        lower_bound_noncompulsory=_bound_to_noncompulsory(problem, bound),
    )
    if schedule.noncompulsory_bytes > best.noncompulsory_bytes:
        return best, Status.HEURISTIC
    _verified(problem, schedule, Status.DIVIDE_AND_CONQUER, info)
    return schedule, Status.DIVIDE_AND_CONQUER
