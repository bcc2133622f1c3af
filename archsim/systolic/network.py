"""A whole workload on a systolic design: layers one after another, plus the design's area."""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping

from archsim.config.systolic import BandwidthMode, SystolicConfig
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.systolic.costs import config_area_mm2, hardware
from archsim.systolic.layer import layer_on
from archsim.systolic.lowbit import packed_layer, packed_ops
from archsim.systolic.model import Hardware
from archsim.traffic import LayerTraffic, TrafficPlan
from workloads.graph import Workload
from workloads.ops import Op
from workloads.packing import packed_weight_fraction


def simulate_systolic(workload: Workload, config: SystolicConfig, traffic: TrafficPlan | None = None) -> NetworkMetrics:
    """Per-layer and total metrics of ``workload`` on ``config`` (ops run in topological order).

    In CALC bandwidth mode the DRAM bandwidth is an output, not a limit, so the
    result carries no bandwidth roof (``dram_bytes_per_cycle = 0``).
    """
    bounded = config.bandwidth_mode is BandwidthMode.USER
    hw = hardware(config)
    plan = traffic or {}
    packed = packed_ops(workload, config)
    layers = _layers(workload.ops, hw, config, plan, packed_weight_fraction(workload, config.word_bytes), packed)
    return NetworkMetrics(
        workload=workload.name,
        arch=config.to_dict(),
        layers=layers,
        clock_hz=config.clock_mhz * 1e6,
        peak_macs_per_cycle=float(config.pes * (config.int4_macs_per_pe if packed else 1)),
        area_mm2=config_area_mm2(config),
        dram_bytes_per_cycle=_dram_words_per_cycle(config) * config.word_bytes if bounded else 0.0,
        word_bytes=float(config.word_bytes),
    )


def _dram_words_per_cycle(config: SystolicConfig) -> float:
    """The DRAM roof: every core's three channels, capped by the memory they share (if stated)."""
    channels = (config.ifmap_dram_bw + config.filter_dram_bw + config.ofmap_dram_bw) * config.cores
    return min(channels, config.dram_shared_bw) if config.dram_shared_bw > 0 else channels


def _layers(
    ops: tuple[Op, ...],
    hw: Hardware,
    config: SystolicConfig,
    plan: TrafficPlan,
    packing: Mapping[str, float],
    packed: frozenset[str],
) -> tuple[LayerMetrics, ...]:
    """Every op's metrics, each costed once; ops equal but for their name (an LLM's repeated layers, the
    points of a context x batch sweep) are costed once per design (:func:`_costed`). ``packing``: op ->
    weight DRAM words per element of its packed low-bit weights (:mod:`workloads.packing`); ``packed``:
    int4 ops the packing PEs run two MACs per cycle (:mod:`archsim.systolic.lowbit`)."""
    layers = []
    for op in ops:
        traffic: LayerTraffic | None = plan.get(op.name)
        if op.name in packed:
            layers.append(packed_layer(op, hw, config, traffic))
            continue
        key = (type(op), *(getattr(op, f) for f in op.__dataclass_fields__ if f != "name"))
        costed = _costed(key, config, traffic, packing.get(op.name, 1.0))
        layers.append(costed.copy_with(layer=op.name))  # the cached object stays private
    return tuple(layers)


@functools.lru_cache(maxsize=1 << 14)
def _costed(
    key: tuple[Hashable, ...], config: SystolicConfig, traffic: LayerTraffic | None, packing: float
) -> LayerMetrics:
    """The metrics of the op ``key`` describes (its type and fields but its name) on ``config`` (pure: cached)."""
    op_type, *values = key
    names = [field for field in op_type.__dataclass_fields__ if field != "name"]
    op = op_type(name="op", **dict(zip(names, values, strict=True)))
    metrics = layer_on(op, hardware(config), config, traffic, packing)
    metrics.layer = ""
    return metrics
