"""Ops priced together on a core cost what each costs alone, whatever order the core's family runs them in.

Regression: ``CoreCosts.prepare`` paired the ops with the family's rows by position, but the NPU returns its
rows in Vela's pass order (a graph of independent one-op layers runs reversed), so on a system's NPU core an
op got another op's cycles, energy and MACs (an LLM's attention ``scores`` got the final norm's cost).
"""

from __future__ import annotations

import pytest

from archsim.config.loader import load_arch
from archsim.system.costs import CoreCosts
from archsim.system.tiles import TaskOp
from mappers.multicore.flow import evaluate_checked, plan_system
from workloads.registry import load_workload

SPEC = "qwen2.5-0.5b:phase=prefill,prompt=8,batch=2,layers=1,wbits=8,abits=8,kvbits=8"


@pytest.mark.parametrize("system", ["system-hetero", "system-quad-systolic"])
def test_ops_priced_together_cost_what_they_cost_alone(system: str) -> None:
    workload = load_workload(SPEC)
    for core in load_arch(system).cores:
        together = CoreCosts(workload, core)
        ops = [TaskOp(node.name) for node in workload]
        together.prepare(ops)
        for op in ops:
            alone = CoreCosts(workload, core).cost(op)
            priced = together.cost(op)
            assert priced == alone, (core.name, op.layer)  # the NPU prices each op in a graph of its own
        assert together.cost(TaskOp("prefill.L0.scores")).macs >= 2 * 14 * 64 * 8 * 8  # batch x heads x d x q x k


@pytest.mark.parametrize(
    ("workload", "system", "scheduler", "latency_ms", "energy_uj"),
    [
        ("resnet18", "system-ethos-u65-512x2", "list", 10.625, 4366.1),
        ("resnet18", "system-ethos-u65-512x2", "pipeline", 9.549, 4341.9),
        ("mobilenet_v2", "system-hetero", "list", 2.620, 1266.1),
        ("mobilenet_v2", "system-ethos-u65-512x2", "pipeline", 2.763, 1223.9),
    ],
)
def test_fused_npu_rows_of_the_fusion_table(
    workload: str, system: str, scheduler: str, latency_ms: float, energy_uj: float
) -> None:
    """docs/multicore.md's fused rows with NPU cores (they ran 2-4x slower with the costs paired by position)."""
    graph, config = load_workload(workload), load_arch(system)
    metrics = evaluate_checked(graph, config, plan_system(graph, config, fusion="auto", scheduler=scheduler))
    assert round(metrics.latency_s * 1e3, 3) == latency_ms
    assert round(metrics.energy_pj / 1e6, 1) == energy_uj
