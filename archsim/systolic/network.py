"""A whole workload on a systolic design: layers one after another, plus the design's area."""

from __future__ import annotations

from archsim.config.systolic import BandwidthMode, SystolicConfig
from archsim.metrics import NetworkMetrics
from archsim.systolic.costs import config_area_mm2, hardware
from archsim.systolic.layer import layer_on
from archsim.traffic import TrafficPlan
from workloads.graph import Workload


def simulate_systolic(workload: Workload, config: SystolicConfig, traffic: TrafficPlan | None = None) -> NetworkMetrics:
    """Per-layer and total metrics of ``workload`` on ``config`` (ops run in topological order).

    In CALC bandwidth mode the DRAM bandwidth is an output, not a limit, so the
    result carries no bandwidth roof (``dram_bytes_per_cycle = 0``).
    """
    bounded = config.bandwidth_mode is BandwidthMode.USER
    hw = hardware(config)
    plan = traffic or {}
    layers = tuple(layer_on(op, hw, config, plan.get(op.name)) for op in workload.ops)
    return NetworkMetrics(
        workload=workload.name,
        arch=config.to_dict(),
        layers=layers,
        clock_hz=config.clock_mhz * 1e6,
        peak_macs_per_cycle=float(config.pes),
        area_mm2=config_area_mm2(config),
        dram_bytes_per_cycle=(config.ifmap_dram_bw + config.filter_dram_bw + config.ofmap_dram_bw)
        * config.word_bytes
        * config.cores
        if bounded
        else 0.0,
        word_bytes=float(config.word_bytes),
    )
