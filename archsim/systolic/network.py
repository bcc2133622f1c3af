"""A whole workload on a systolic design: layers one after another, plus the design's area."""

from __future__ import annotations

import copy
from collections.abc import Hashable

from archsim.config.systolic import SystolicConfig
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.systolic.costs import config_area_mm2, hardware
from archsim.systolic.layer import check_supported, layer_on
from archsim.systolic.model import Hardware
from archsim.traffic import LayerTraffic, TrafficPlan
from workloads.graph import Workload
from workloads.ops import Op


def simulate_systolic(workload: Workload, config: SystolicConfig, traffic: TrafficPlan | None = None) -> NetworkMetrics:
    """Per-layer and total metrics of ``workload`` on ``config`` (ops run in topological order)."""
    check_supported(config)
    hw = hardware(config)
    plan = traffic or {}
    layers = _layers(workload.ops, hw, config, plan)
    return NetworkMetrics(
        workload=workload.name,
        arch=config.to_dict(),
        layers=layers,
        clock_hz=config.clock_mhz * 1e6,
        peak_macs_per_cycle=float(config.pes),
        area_mm2=config_area_mm2(config),
        dram_bytes_per_cycle=(config.ifmap_dram_bw + config.filter_dram_bw + config.ofmap_dram_bw)
        * config.word_bytes
        * config.cores,
        word_bytes=float(config.word_bytes),
    )


def _layers(ops: tuple[Op, ...], hw: Hardware, config: SystolicConfig, plan: TrafficPlan) -> tuple[LayerMetrics, ...]:
    """Every op's metrics; ops equal but for their name (an LLM's repeated layers) are costed once."""
    costed: dict[Hashable, LayerMetrics] = {}
    layers = []
    for op in ops:
        traffic: LayerTraffic | None = plan.get(op.name)
        key = (type(op), *(value for field, value in vars(op).items() if field != "name"), traffic)
        metrics = costed.get(key)
        if metrics is None:
            metrics = costed[key] = layer_on(op, hw, config, traffic)
        elif metrics.layer != op.name:
            metrics = copy.copy(metrics)
            metrics.layer = op.name
        layers.append(metrics)
    return tuple(layers)
