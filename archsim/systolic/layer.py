"""One op on one systolic design: the pure per-layer function of the scalar path."""

from __future__ import annotations

from archsim.config.systolic import BandwidthMode, SystolicConfig
from archsim.errors import InputError
from archsim.metrics import LayerMetrics
from archsim.systolic.backend import SCALAR
from archsim.systolic.gemm import gemm_job
from archsim.systolic.model import ActivationTraffic, Hardware, OpCost, gemm_cost, vector_cost
from archsim.traffic import LayerTraffic
from workloads.ops import Op, VectorOp


def check_supported(config: SystolicConfig) -> None:
    """Reject settings the model cannot evaluate, naming the field and what is allowed."""
    if config.bandwidth_mode is BandwidthMode.CALC:
        raise InputError(
            f"{config.name}: bandwidth_mode 'calc' is not supported by the systolic model "
            "(SCALE-Sim's CALC mode reports a bandwidth instead of stalls); allowed: user"
        )


def activation_traffic(traffic: LayerTraffic | None, word_bytes: int) -> ActivationTraffic | None:
    """A mapper's activation bytes as DRAM words (rounded up to whole words)."""
    if traffic is None:
        return None
    return ActivationTraffic(-(-traffic.dram_read_bytes // word_bytes), -(-traffic.dram_write_bytes // word_bytes))


def op_cost(op: Op, hw: Hardware, config: SystolicConfig, traffic: LayerTraffic | None = None) -> OpCost:
    """Scalar cost of ``op`` (GEMM ops on the array, vector ops on the vector unit)."""
    plan = activation_traffic(traffic, config.word_bytes)
    if isinstance(op, VectorOp):
        return vector_cost(op, hw, SCALAR, plan)
    return gemm_cost(gemm_job(op), hw, config.dataflow, SCALAR, plan, config.scalesim_quirks)


def layer_metrics(op: Op, cost: OpCost) -> LayerMetrics:
    """Package a scalar :class:`OpCost` as the common per-layer result."""
    return LayerMetrics(
        layer=op.name,
        kind=op.kind,
        macs=int(cost.macs),
        compute_cycles=int(cost.compute_cycles),
        stall_cycles=int(cost.stall_cycles),
        total_cycles=int(cost.total_cycles),
        fill_drain_cycles=int(cost.fill_drain_cycles),
        overall_util=float(cost.overall_util),
        mapping_efficiency=float(cost.mapping_efficiency),
        compute_util=float(cost.compute_util),
        ifmap_sram_reads=int(cost.ifmap_sram_reads),
        filter_sram_reads=int(cost.filter_sram_reads),
        ofmap_sram_writes=int(cost.ofmap_sram_writes),
        ifmap_dram_reads=int(cost.ifmap_dram_reads),
        filter_dram_reads=int(cost.filter_dram_reads),
        ofmap_dram_writes=int(cost.ofmap_dram_writes),
        energy_by_component_pj={
            "mac": float(cost.mac_energy_pj),
            "sram": float(cost.sram_energy_pj),
            "dram": float(cost.dram_energy_pj),
            "vector": float(cost.vector_energy_pj),
        },
        latency_s=float(cost.latency_s),
    )


def simulate_layer(op: Op, config: SystolicConfig, traffic: LayerTraffic | None = None) -> LayerMetrics:
    """Per-layer metrics of ``op`` on ``config``; ``traffic`` fixes its activation DRAM bytes."""
    from archsim.systolic.costs import hardware

    check_supported(config)
    return layer_metrics(op, op_cost(op, hardware(config), config, traffic))
