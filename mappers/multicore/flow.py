"""Map and evaluate a workload on a multi-core system: fusion, allocation, order, then the timeline.

This composes the mapping steps (``mappers.multicore``) with the evaluator
(``archsim.system``); it is the ``system`` entry of ``simulate()``'s registry.
The last mapping step places hand-overs in the system's shared buffer, if it
has one (:mod:`mappers.multicore.shared`).
Every allocation passes :func:`check_allocation` and every timeline
:func:`check_timeline` before it is returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archsim.config.system import SystemConfig
from archsim.system.engine import run_schedule
from archsim.system.metrics import SystemMetrics, core_peak_macs, metrics_of
from archsim.system.schedule import SystemSchedule
from archsim.traffic import TrafficPlan
from mappers.multicore.checker import check_allocation, check_timeline
from mappers.multicore.cpsat import solve_exact
from mappers.multicore.estimate import Estimator
from mappers.multicore.fusion import no_fusion, search_fusion
from mappers.multicore.genetic import genetic
from mappers.multicore.heft import heft
from mappers.multicore.pipeline import pipeline_schedule
from mappers.multicore.problem import Allocation, SchedulingProblem, scheduling_problem
from mappers.multicore.shared import with_shared_buffer
from mappers.multicore.tasks import StackGraph, build_schedule, stack_graph
from workloads.errors import InputError
from workloads.graph import Workload

SCHEDULERS = ("list", "exact", "genetic", "pipeline")
FUSION_MODES = ("none", "auto")


@dataclass(frozen=True)
class SystemPlan:
    """A mapped workload: the schedule, the scheduling model and what the scheduler reported."""

    schedule: SystemSchedule
    problem: SchedulingProblem
    allocation: Allocation
    solver: dict[str, Any]
    refused: dict[str, dict[str, Any]]
    """Per core that cannot run some stacks: how many and the first one's reason (the JSON's ``refused``)."""


def refusals(graph: StackGraph, system: SystemConfig, problem: SchedulingProblem, estimator: Estimator) -> dict:
    """Per core name, the stacks the core cannot run (count) and why it refuses the first of them."""
    out: dict[str, dict[str, Any]] = {}
    if problem.allowed is None:
        return out
    for c, name in enumerate(system.core_names):
        refused = [u for u in range(problem.n) if not problem.allowed[u][c]]
        if refused:
            out[name] = {"stacks": len(refused), "reason": estimator.refusal(graph.stacks[refused[0]], c)}
    return out


def plan_system(
    workload: Workload,
    system: SystemConfig,
    fusion: str = "none",
    scheduler: str = "list",
    time_limit: float = 60.0,
    seed: int = 0,
) -> SystemPlan:
    """Choose stacks (``fusion``), allocation and order (``scheduler``) for ``workload`` on ``system``."""
    if fusion not in FUSION_MODES:
        raise InputError.option("fusion", "--fusion", f"unknown mode {fusion!r}; allowed: {', '.join(FUSION_MODES)}")
    if scheduler not in SCHEDULERS:
        detail = f"unknown scheduler {scheduler!r}; allowed: {', '.join(SCHEDULERS)}"
        raise InputError.option("scheduler", "--scheduler", detail)
    estimator = Estimator(system, workload)
    plan = (
        search_fusion(
            workload, system, estimator=estimator, pipeline_cores=system.n_cores if scheduler == "pipeline" else 1
        )
        if fusion == "auto"
        else no_fusion(workload, system, estimator)
    )
    graph = stack_graph(plan.stacks)
    problem = scheduling_problem(graph, system, estimator)
    solver: dict[str, Any] = {"name": scheduler}
    if scheduler == "exact":
        result = solve_exact(problem, time_limit=time_limit)
        allocation = result.allocation
        solver.update(optimal=result.optimal, lower_bound=result.lower_bound, seconds=result.seconds)
    elif scheduler == "genetic":
        allocation = genetic(problem, seed=seed, time_limit=min(time_limit, 8.0))
    else:  # list, and pipeline (which spreads each fused stack from its HEFT core over the next cores)
        allocation = heft(problem)
    violations = check_allocation(problem, allocation)
    if violations:
        raise AssertionError(f"{scheduler} scheduler broke the model: {violations[:3]}")
    solver["model_makespan_cycles"] = allocation.makespan
    if scheduler == "pipeline":
        schedule = pipeline_schedule(graph, system, allocation.core, allocation.start, estimator, fusion)
    else:
        schedule = build_schedule(graph, system, allocation.core, allocation.order, fusion, scheduler)
    refused = refusals(graph, system, problem, estimator)
    return SystemPlan(with_shared_buffer(schedule, system), problem, allocation, solver, refused)


def simulate_system(
    workload: Workload,
    system: SystemConfig,
    traffic: TrafficPlan | None = None,
    fusion: str = "none",
    scheduler: str = "list",
    time_limit: float = 60.0,
) -> SystemMetrics:
    """Map ``workload`` on ``system`` and evaluate the schedule (checked) into :class:`SystemMetrics`."""
    if traffic:
        raise InputError("a multi-core system plans its own traffic; a scratchpad traffic plan does not apply")
    plan = plan_system(workload, system, fusion, scheduler, time_limit)
    return evaluate_checked(workload, system, plan)


def evaluate_checked(workload: Workload, system: SystemConfig, plan: SystemPlan) -> SystemMetrics:
    """Run the plan's schedule, referee the timeline, and add the solver block to the JSON schedule."""
    timeline = run_schedule(workload, system, plan.schedule)
    violations = check_timeline(system, plan.schedule, timeline, [core_peak_macs(c, workload) for c in system.cores])
    if violations:
        raise AssertionError(f"timeline breaks physics: {violations[:3]}")
    metrics = metrics_of(workload, system, plan.schedule, timeline)
    metrics.schedule["solver"] = plan.solver
    if plan.refused:
        metrics.schedule["refused"] = plan.refused
    return metrics


__all__ = ["FUSION_MODES", "SCHEDULERS", "SystemPlan", "evaluate_checked", "plan_system", "simulate_system"]
