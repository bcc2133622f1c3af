"""``simulate()``: run a workload on any family's config.

The family of a config picks its network simulator from a registry (import
paths, loaded lazily so that one family's heavy helpers never slow another).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from archsim.errors import InputError
from archsim.metrics import NetworkMetrics
from archsim.traffic import TrafficPlan
from workloads.graph import Workload

SIMULATORS: dict[str, str] = {
    "systolic": "archsim.systolic.network:simulate_systolic",
    "fpga": "archsim.fpga.network:simulate_fpga",
    "npu": "archsim.npu.network:simulate_npu",
    "loopnest": "archsim.loopnest.network:simulate_loopnest",
    "manycore": "archsim.manycore.network:simulate_manycore",
}
"""Family name -> import path of ``fn(workload, config, traffic) -> NetworkMetrics``."""

Simulator = Callable[[Workload, Any, TrafficPlan | None], NetworkMetrics]
REGISTERED: dict[str, Simulator] = {}
"""Simulators that packages above ``archsim`` register (imports stay one-way: ``mappers.multicore``
registers the ``system`` family, whose mapping it owns, when it is imported)."""


def register_simulator(family: str, simulator: Simulator) -> None:
    """Make ``simulate()`` run ``simulator`` for configs of ``family`` (a hook for mappers and plug-ins)."""
    REGISTERED[family] = simulator


def _simulator(family: str) -> Simulator:
    if family in REGISTERED:
        return REGISTERED[family]
    if family == "system":
        raise InputError("a multi-core system is mapped by mappers.multicore: import it before simulate()")
    module, _, attr = SIMULATORS[family].partition(":")
    return getattr(importlib.import_module(module), attr)


def simulate(workload: Workload, config: Any, traffic: TrafficPlan | None = None) -> NetworkMetrics:
    """Per-layer and total metrics of ``workload`` on ``config`` (a family's frozen config).

    ``traffic`` (from a mapper's schedule) replaces the default assumption that every
    layer reads its activations from DRAM and writes its outputs back. LLM workloads
    (``MODEL:phase=...`` specs) also get TTFT, TPOT, tokens/s and their footprint
    (:mod:`archsim.llm.metrics`).
    """
    metrics = _simulator(config.family)(workload, config, traffic)
    return with_workload_metrics(metrics, workload, config)


def with_workload_metrics(metrics: NetworkMetrics, workload: Workload, config: Any) -> NetworkMetrics:
    """Add an LLM workload's serving metrics (TTFT, TPOT, tokens/s, footprint) to any family's result."""
    from workloads.llm.workload import llm_spec_of

    spec = llm_spec_of(workload)
    if spec is None:
        return metrics
    from archsim.llm.metrics import with_llm_metrics

    return with_llm_metrics(metrics, spec, config)
