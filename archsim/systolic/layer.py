"""One op on one systolic design: the pure per-layer function of the scalar path."""

from __future__ import annotations

from archsim.config.systolic import BandwidthMode, SystolicConfig
from archsim.metrics import LayerMetrics
from archsim.systolic.backend import SCALAR
from archsim.systolic.costs import hardware
from archsim.systolic.gemm import gemm_dims, gemm_job
from archsim.systolic.model import ActivationTraffic, Hardware, OpCost, gemm_cost, vector_cost
from archsim.systolic.sparsity import condensed_window, filter_storage
from archsim.traffic import LayerTraffic
from workloads.ops import Conv2d, Op, VectorOp


def activation_words(traffic: LayerTraffic, word_bytes: int) -> ActivationTraffic:
    """A mapper's activation bytes as DRAM words, rounded up to whole words."""
    return ActivationTraffic(-(-traffic.dram_read_bytes // word_bytes), -(-traffic.dram_write_bytes // word_bytes))


def op_cost(
    op: Op, hw: Hardware, config: SystolicConfig, traffic: LayerTraffic | None = None, packing: float = 1
) -> OpCost:
    """Every figure of ``op`` on the one design ``hw`` (Python numbers); ``packing``: weight DRAM words per element."""
    words = None if traffic is None else activation_words(traffic, config.word_bytes)
    calc = config.bandwidth_mode is BandwidthMode.CALC
    if isinstance(op, VectorOp):
        return vector_cost(SCALAR, op, hw, words, calc)
    conv = op if isinstance(op, Conv2d) else None
    job = gemm_job(op, config.sparsity_support, config.dataflow, _rowwise_block(config), config.sparsity_seed)
    return gemm_cost(SCALAR, job, hw, config.dataflow, words, config.scalesim_quirks, conv, calc, packing)


def _rowwise_block(config: SystolicConfig) -> int:
    """``M`` of the row-wise N:M mapping, 0 when the config uses the layer-wise one."""
    return config.sparsity_block_size if config.sparsity_rowwise else 0


def sparse_report(op: Op, config: SystolicConfig, total_cycles: int) -> dict[str, float]:
    """SCALE-Sim's sparse report of a layer: original, compressed and metadata filter words, metadata SRAM bw.

    Row-wise, the kept weights follow each column's drawn ``N``; ellpack_block's metadata still uses
    the topology's ``M`` (1 for a dense layer: no metadata bits), as SCALE-Sim computes it.
    """
    if isinstance(op, VectorOp):
        return {}
    _, filters, k, groups, repeats = gemm_dims(op)
    keep, block = op.weight_sparsity or (1, 1)
    job = gemm_job(op, True, config.dataflow, _rowwise_block(config), config.sparsity_seed)
    if job.rowwise is not None:
        nonzeros, stored = job.rowwise.kept * repeats, job.k * filters * groups * repeats
    else:
        nonzeros = stored = condensed_window(k, keep, block) * filters * groups * repeats
    original, compressed, metadata = filter_storage(
        config.sparse_rep, k, filters, nonzeros, stored, block, groups * repeats
    )
    return {
        "original_filter_words": original,
        "compressed_filter_words": compressed,
        "filter_metadata_words": metadata,
        "filter_metadata_sram_bw": metadata / (total_cycles if total_cycles > 0 else 1),
    }


def calc_bandwidths(c: OpCost) -> dict[str, float]:
    """SCALE-Sim's CALC-mode report: words per cycle each SRAM serves, and each DRAM channel must carry,
    over the layer's stall-free cycles (``Avg ... SRAM BW`` as SCALE-Sim reports it; see docs/systolic.md)."""
    cycles = c.total_cycles if c.total_cycles > 0 else 1
    return {
        "ifmap_sram_bw": c.ifmap_sram_reads / cycles,
        "filter_sram_bw": c.filter_sram_reads / cycles,
        "ofmap_sram_bw": c.ofmap_sram_writes / cycles,
        "ifmap_dram_bw_needed": c.ifmap_dram_reads / cycles,
        "filter_dram_bw_needed": c.filter_dram_reads / cycles,
        "ofmap_dram_bw_needed": c.ofmap_dram_writes / cycles,
    }


def layer_on(
    op: Op, hw: Hardware, config: SystolicConfig, traffic: LayerTraffic | None = None, packing: float = 1
) -> LayerMetrics:
    """Per-layer metrics of ``op`` on ``config`` whose model numbers ``hw`` are already derived
    (``packing``: weight DRAM words per element, below 1 for packed low-bit weights)."""
    c = op_cost(op, hw, config, traffic, packing)
    return LayerMetrics(
        op.name,
        op.kind,
        c.macs,
        c.compute_cycles,
        c.stall_cycles,
        c.total_cycles,
        c.fill_drain_cycles,
        c.overall_util,
        c.mapping_efficiency,
        c.compute_util,
        c.ifmap_sram_reads,
        c.filter_sram_reads,
        c.ofmap_sram_writes,
        int(c.ifmap_dram_reads),
        int(c.filter_dram_reads),
        int(c.ofmap_dram_writes),
        {"mac": c.mac_energy_pj, "sram": c.sram_energy_pj, "dram": c.dram_energy_pj, "vector": c.vector_energy_pj},
        c.latency_s,
        _extras(op, config, c) if config.sparsity_support or config.bandwidth_mode is BandwidthMode.CALC else {},
    )


def _extras(op: Op, config: SystolicConfig, c: OpCost) -> dict[str, float]:
    """CALC-mode bandwidths and the sparse report, when the config asks for them."""
    extras = calc_bandwidths(c) if config.bandwidth_mode is BandwidthMode.CALC else {}
    if config.sparsity_support:
        extras |= sparse_report(op, config, c.total_cycles)
    return extras


def simulate_layer(op: Op, config: SystolicConfig, traffic: LayerTraffic | None = None) -> LayerMetrics:
    """Per-layer metrics of ``op`` on ``config``; ``traffic`` fixes its activation DRAM bytes."""
    return layer_on(op, hardware(config), config, traffic)
