"""The systolic-array cost model over arrays of designs (numpy): the vectorised path's model.

``gemm_cost(job, hw, dataflow)`` is the whole model of one op on many designs
at once (``hw`` holds numpy arrays). It is built in named steps: fold the GEMM
(:mod:`archsim.systolic.folds` via the dataflow strategy), count SRAM words, run
the double-buffer model for DRAM words and stalls
(:mod:`archsim.systolic.memory`), then energy. The scalar path
(:mod:`archsim.systolic.scalar`) states the same model for one design on plain
Python numbers; the two agree exactly (tested on random designs).

Multiple cores split the columns of every GEMM (filters for os/ws, output
pixels for is): each core owns a full array, its own SRAMs of the configured
sizes and its own DRAM ports, and the layer takes as long as the busiest core.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from archsim.config.systolic import Dataflow
from archsim.systolic.backend import Num, ceil_div
from archsim.systolic.dataflow import DATAFLOWS, DataflowMapping
from archsim.systolic.folds import Folds, compute_cycles
from archsim.systolic.gemm import GemmJob
from archsim.systolic.memory import ReadSram, Schedule, WriteSram, read_stream, write_stream
from workloads.ops import VectorFn, VectorOp


@dataclass(frozen=True)
class Hardware:
    """A design (or arrays of designs) as plain numbers the model computes with.

    Each SRAM carries its size in words (``floor(KB * 1024 / word_bytes)``), its
    DRAM words per cycle and the buffer numbers derived from them once per design
    (:class:`~archsim.systolic.memory.ReadSram`, :class:`~archsim.systolic.memory.WriteSram`);
    the ``*_pj`` fields are per-access energies looked up once per design from
    :mod:`archsim.energy`.
    """

    rows: Num
    cols: Num
    cores: Num
    ifmap: ReadSram
    filter: ReadSram
    ofmap: WriteSram
    word_bytes: Num
    clock_hz: Num
    mac_pj: Num
    vector_pj: Num
    ifmap_sram_pj_per_byte: Num
    filter_sram_pj_per_byte: Num
    ofmap_sram_pj_per_byte: Num
    dram_pj_per_byte: Num


@dataclass(frozen=True)
class OpCost:
    """Every per-layer figure of one op (scalars, or arrays over designs)."""

    macs: Num
    compute_cycles: Num
    stall_cycles: Num
    total_cycles: Num
    fill_drain_cycles: Num
    overall_util: Num
    mapping_efficiency: Num
    compute_util: Num
    ifmap_sram_reads: Num
    filter_sram_reads: Num
    ofmap_sram_writes: Num
    ifmap_dram_reads: Num
    filter_dram_reads: Num
    ofmap_dram_writes: Num
    mac_energy_pj: Num
    sram_energy_pj: Num
    dram_energy_pj: Num
    vector_energy_pj: Num
    latency_s: Num

    @property
    def energy_pj(self) -> Num:
        """Total energy."""
        return self.mac_energy_pj + self.sram_energy_pj + self.dram_energy_pj + self.vector_energy_pj


@dataclass(frozen=True)
class ActivationTraffic:
    """Activation DRAM words fixed by a mapper's schedule (replacing the buffer model's)."""

    ifmap_words: Num
    ofmap_words: Num


@dataclass(frozen=True)
class _Tally:
    """Sums over the GEMMs of one op, before utilizations and energy."""

    lines: Num
    folds: Num
    streaming: Num
    stall: Num
    filter_stall: Num
    used_pe_folds: Num
    ifmap_sram: Num
    filter_sram: Num
    ofmap_sram: Num
    ifmap_dram: Num
    filter_dram: Num
    ofmap_dram: Num

    def scaled(self, times: Num) -> _Tally:
        if isinstance(times, int) and times == 1:
            return self
        return _Tally(*(getattr(self, name) * times for name in _TALLY_FIELDS))

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(*(getattr(self, name) + getattr(other, name) for name in _TALLY_FIELDS))


_TALLY_FIELDS = tuple(f.name for f in fields(_Tally))


def _float(value: Num) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def _schedule(items: Num, passes: Num, f: Folds) -> Schedule:
    """Demand schedule of a stream over the folds (fold order: column folds outermost).

    A stream swept once per column fold is demanded evenly. A stream swept once
    has as many items per column as per fold group; the last column fold may be
    narrower, so it runs at its own rate.
    """
    demanded = passes * items
    full_groups = f.col_fold - 1
    head_items = (demanded // f.sc) * f.cols_per_fold * full_groups
    head_cycles = full_groups * f.row_fold * f.fold_cycles
    swept = passes > 1
    return Schedule.build(
        demanded, f.lines, np.where(swept, demanded, head_items), np.where(swept, f.lines, head_cycles)
    )


def _one_core(m: Num, n: Num, k: Num, blocks: Num, hw: Hardware, flow: DataflowMapping) -> _Tally:
    """One GEMM on one core: folds, SRAM words, DRAM words and stalls."""
    f = flow.folds(m, n, k, hw.rows, hw.cols)
    s = flow.streams(f, hw.rows, hw.cols)
    ifmap = read_stream(m * k, s.ifmap_passes, hw.ifmap, _schedule(m * k, s.ifmap_passes, f))
    filt = read_stream(k * n, s.filter_passes, hw.filter, _schedule(k * n, s.filter_passes, f))
    ofmap = write_stream(s.ofmap_writes, hw.ofmap, _schedule(s.ofmap_writes, 1, f))
    return _Tally(
        lines=f.lines,
        folds=f.folds,
        streaming=f.folds * f.t,
        stall=ofmap.stall_cycles + np.maximum(ifmap.stall_cycles, filt.stall_cycles),
        filter_stall=filt.stall_cycles,
        used_pe_folds=f.sr * f.sc // blocks,
        ifmap_sram=s.ifmap_reads,
        filter_sram=s.filter_reads,
        ofmap_sram=s.ofmap_writes,
        ifmap_dram=ifmap.dram_words,
        filter_dram=filt.dram_words,
        ofmap_dram=ofmap.dram_words,
    )


def _on_cores(m: Num, n: Num, k: Num, blocks: Num, hw: Hardware, flow: DataflowMapping) -> _Tally:
    """A GEMM split over the cores by columns; time is the busiest core's, traffic the sum."""
    columns_are_pixels = flow.dataflow is Dataflow.IS
    total = m if columns_are_pixels else n
    share = ceil_div(total, hw.cores)
    busy = ceil_div(total, share)
    rest = total - (busy - 1) * share

    def run(width: Num) -> _Tally:
        return (
            _one_core(width, n, k, blocks, hw, flow) if columns_are_pixels else _one_core(m, width, k, blocks, hw, flow)
        )

    big = run(share)
    if not _any(busy > 1):
        return big
    several = busy > 1
    extra = run(rest).scaled(np.where(several, 1, 0)) + big.scaled(np.where(several, busy - 2, 0))
    return _Tally(
        lines=big.lines,
        folds=big.folds + extra.folds,
        streaming=big.streaming,
        stall=big.stall,
        filter_stall=big.filter_stall,
        used_pe_folds=big.used_pe_folds + extra.used_pe_folds,
        ifmap_sram=big.ifmap_sram + extra.ifmap_sram,
        filter_sram=big.filter_sram + extra.filter_sram,
        ofmap_sram=big.ofmap_sram + extra.ofmap_sram,
        ifmap_dram=big.ifmap_dram + extra.ifmap_dram,
        filter_dram=big.filter_dram + extra.filter_dram,
        ofmap_dram=big.ofmap_dram + extra.ofmap_dram,
    )


def _any(value: Num) -> bool:
    return bool(value) if isinstance(value, (bool, int)) else bool(value.any())


def _gemm_tally(job: GemmJob, hw: Hardware, flow: DataflowMapping) -> _Tally:
    """All GEMMs of a job; ws packs groups block-diagonally (rows take windows, columns filters)."""
    if job.groups == 1:
        return _on_cores(job.m, job.n, job.k, 1, hw, flow).scaled(job.repeats)
    if flow.dataflow is Dataflow.WS:
        fit = np.minimum(hw.rows // job.k, hw.cols // job.n)
        pack = np.maximum(np.minimum(fit, job.groups), 1)
    else:
        pack = 1
    full, rest = job.groups // pack, job.groups % pack
    packed = _on_cores(job.m, pack * job.n, pack * job.k, pack, hw, flow).scaled(full * job.repeats)
    if not _any(rest > 0):
        return packed
    last = np.maximum(rest, 1)
    tail = _on_cores(job.m, last * job.n, last * job.k, last, hw, flow)
    return packed + tail.scaled(np.where(rest > 0, job.repeats, 0))


def _finish(macs: Num, t: _Tally, hw: Hardware, traffic: ActivationTraffic | None, vector_ops: Num = 0) -> OpCost:
    """Utilizations, traffic overrides, energy and latency from a tally."""
    compute = compute_cycles(t.lines)
    stall = t.stall
    ifmap_dram, ofmap_dram = t.ifmap_dram, t.ofmap_dram
    if traffic is not None:
        ifmap_dram, ofmap_dram = traffic.ifmap_words, traffic.ofmap_words
        streamed = np.maximum(ceil_div(ifmap_dram, hw.ifmap.bw), ceil_div(ofmap_dram, hw.ofmap.bw))
        stall = np.maximum(np.maximum(streamed - t.lines, 0), t.filter_stall)
    stall = np.rint(stall).astype(np.int64)
    total = compute + stall
    pes = hw.rows * hw.cols * hw.cores
    array_pes = hw.rows * hw.cols
    folds = np.maximum(t.folds, 1)
    wb = hw.word_bytes
    sram_pj = wb * (
        (t.ifmap_sram + ifmap_dram) * hw.ifmap_sram_pj_per_byte
        + (t.filter_sram + t.filter_dram) * hw.filter_sram_pj_per_byte
        + (t.ofmap_sram + ofmap_dram) * hw.ofmap_sram_pj_per_byte
    )
    return OpCost(
        macs=macs,
        compute_cycles=compute,
        stall_cycles=stall,
        total_cycles=total,
        fill_drain_cycles=np.maximum(compute - t.streaming, 0),
        # The layer occupies one line more than SCALE-Sim's reported (last-index) cycle count.
        overall_util=_float(macs) / (pes * np.maximum(total + 1, 1)),
        mapping_efficiency=_float(t.used_pe_folds) / (array_pes * folds),
        compute_util=_float(macs) / (pes * np.maximum(t.lines, 1)),
        ifmap_sram_reads=t.ifmap_sram,
        filter_sram_reads=t.filter_sram,
        ofmap_sram_writes=t.ofmap_sram,
        ifmap_dram_reads=ifmap_dram,
        filter_dram_reads=t.filter_dram,
        ofmap_dram_writes=ofmap_dram,
        mac_energy_pj=macs * hw.mac_pj,
        sram_energy_pj=sram_pj,
        dram_energy_pj=(ifmap_dram + t.filter_dram + ofmap_dram) * wb * hw.dram_pj_per_byte,
        vector_energy_pj=vector_ops * hw.vector_pj,
        latency_s=total / hw.clock_hz,
    )


def gemm_cost(job: GemmJob, hw: Hardware, dataflow: Dataflow, traffic: ActivationTraffic | None = None) -> OpCost:
    """Cost of a GEMM job (a conv or matmul) on the designs ``hw`` with ``dataflow``."""
    return _finish(job.macs, _gemm_tally(job, hw, DATAFLOWS[dataflow]), hw, traffic)


def vector_cost(op: VectorOp, hw: Hardware, traffic: ActivationTraffic | None = None) -> OpCost:
    """A vector op on the vector unit: one lane per array column per core, one element op per cycle.

    Arithmetic ops process ``max(vector_ops, output_elements)`` element operations;
    concat/transpose move ``output_elements``; reshape is a view (no cycles, no traffic).
    Inputs come from and outputs go to DRAM through the ifmap/ofmap SRAMs,
    streamed concurrently with the lanes (stalls when DRAM is the slower side).
    """
    view = op.fn is VectorFn.RESHAPE
    work = 0 if view else max(op.vector_ops, op.output_elements)
    reads = 0 if view else op.input_elements
    writes = 0 if view else op.output_elements
    lines = ceil_div(work, hw.cols * hw.cores) + 1
    t = _Tally(
        lines=lines,
        folds=1,
        streaming=lines - 1,
        stall=np.maximum(np.maximum(ceil_div(reads, hw.ifmap.bw), ceil_div(writes, hw.ofmap.bw)) - lines, 0),
        filter_stall=0,
        used_pe_folds=0,
        ifmap_sram=reads,
        filter_sram=0,
        ofmap_sram=writes,
        ifmap_dram=reads,
        filter_dram=0,
        ofmap_dram=writes,
    )
    return _finish(0, t, hw, traffic, vector_ops=op.vector_ops)
