"""Adapters from families' vectorised simulators to :class:`~envs.evaluate.DesignMetrics`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from envs.evaluate import DesignMetrics
from workloads.graph import Workload


def systolic_metrics(workload: Workload, configs: Sequence[Any]) -> list[DesignMetrics]:
    """Many :class:`SystolicConfig` designs in one numpy pass (same numbers as ``simulate``)."""
    from archsim.systolic.vectorised import designs_from_configs, evaluate

    result = evaluate(workload, designs_from_configs(configs))
    from envs.constraints import design_sram_kb

    return [
        DesignMetrics(float(latency), float(energy), float(area), extra={"sram_kb": design_sram_kb(config, {})})
        for latency, energy, area, config in zip(
            result.latency_s, result.energy_pj, result.area_mm2, configs, strict=True
        )
    ]
