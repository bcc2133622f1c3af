"""One op on one systolic design: the pure per-layer function of the scalar path."""

from __future__ import annotations

from archsim.config.systolic import BandwidthMode, SystolicConfig
from archsim.errors import InputError
from archsim.metrics import LayerMetrics
from archsim.systolic.costs import hardware
from archsim.systolic.model import Hardware
from archsim.systolic.scalar import op_metrics
from archsim.traffic import LayerTraffic
from workloads.ops import Op


def check_supported(config: SystolicConfig) -> None:
    """Reject settings the model cannot evaluate, naming the field and what is allowed."""
    if config.bandwidth_mode is BandwidthMode.CALC:
        raise InputError(
            f"{config.name}: bandwidth_mode 'calc' is not supported by the systolic model "
            "(SCALE-Sim's CALC mode reports a bandwidth instead of stalls); allowed: user"
        )


def activation_words(traffic: LayerTraffic, word_bytes: int) -> tuple[int, int]:
    """A mapper's activation bytes as (read, write) DRAM words, rounded up to whole words."""
    return -(-traffic.dram_read_bytes // word_bytes), -(-traffic.dram_write_bytes // word_bytes)


def layer_on(op: Op, hw: Hardware, config: SystolicConfig, traffic: LayerTraffic | None = None) -> LayerMetrics:
    """Per-layer metrics of ``op`` on ``config`` whose model numbers ``hw`` are already derived."""
    plan = None if traffic is None else activation_words(traffic, config.word_bytes)
    return op_metrics(op, hw, config.dataflow, config.scalesim_quirks, plan)


def simulate_layer(op: Op, config: SystolicConfig, traffic: LayerTraffic | None = None) -> LayerMetrics:
    """Per-layer metrics of ``op`` on ``config``; ``traffic`` fixes its activation DRAM bytes."""
    check_supported(config)
    return layer_on(op, hardware(config), config, traffic)
