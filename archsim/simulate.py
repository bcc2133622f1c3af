"""``simulate()``: run a workload on any family's config.

The family of a config picks its network simulator from a registry (import
paths, loaded lazily so that one family's heavy helpers never slow another).
"""

from __future__ import annotations

import importlib
from typing import Any

from archsim.metrics import NetworkMetrics
from archsim.traffic import TrafficPlan
from workloads.graph import Workload

SIMULATORS: dict[str, str] = {
    "systolic": "archsim.systolic.network:simulate_systolic",
    "fpga": "archsim.fpga.network:simulate_fpga",
    "npu": "archsim.npu.network:simulate_npu",
    "system": "mappers.multicore.flow:simulate_system",
    "loopnest": "archsim.loopnest.network:simulate_loopnest",
}
"""Family name -> import path of ``fn(workload, config, traffic) -> NetworkMetrics``."""


def simulate(workload: Workload, config: Any, traffic: TrafficPlan | None = None) -> NetworkMetrics:
    """Per-layer and total metrics of ``workload`` on ``config`` (a family's frozen config).

    ``traffic`` (from a mapper's schedule) replaces the default assumption that every
    layer reads its activations from DRAM and writes its outputs back. LLM workloads
    (``MODEL:phase=...`` specs) also get TTFT, TPOT, tokens/s and their footprint
    (:mod:`archsim.llm.metrics`).
    """
    module, _, attr = SIMULATORS[config.family].partition(":")
    metrics = getattr(importlib.import_module(module), attr)(workload, config, traffic)
    return with_workload_metrics(metrics, workload, config)


def with_workload_metrics(metrics: NetworkMetrics, workload: Workload, config: Any) -> NetworkMetrics:
    """Add an LLM workload's serving metrics (TTFT, TPOT, tokens/s, footprint) to any family's result."""
    from workloads.llm.workload import llm_spec_of

    spec = llm_spec_of(workload)
    if spec is None:
        return metrics
    from archsim.llm.metrics import with_llm_metrics

    return with_llm_metrics(metrics, spec, config)
