"""The systolic-array cost model, written once over an array namespace: one design or many.

``gemm_cost(xp, job, hw, dataflow)`` is the whole model of one op; ``hw`` holds
Python numbers (one design, ``xp = SCALAR``: the scalar path behind
``simulate``) or numpy arrays (many designs, ``xp = NUMPY``: the vectorised
path behind sweeps and search). The same formulas run both ways, so the paths
agree bit for bit. The model is built in named steps: fold the GEMM
(:mod:`archsim.systolic.folds` via the dataflow strategy), count SRAM words, run
the double-buffer model for DRAM words and stalls
(:mod:`archsim.systolic.memory`), bound the time by each DRAM channel's
bandwidth, then energy.

**Physical consistency.** A layer's total cycles are at least each DRAM
channel's words over its bandwidth (ifmap, filter and ofmap channels, the
busiest core's share): the prefetch/drain model says when the array waits for a
late buffer, and the channel bound says the layer cannot end before its traffic
has crossed the channel, whatever the buffers overlap. Compute never exceeds
``rows x cols`` MACs per cycle per core (the folds guarantee it).

Multiple cores split the columns of every GEMM (filters for os/ws, output
pixels for is): each core owns a full array, its own SRAMs of the configured
sizes and its own DRAM ports, and the layer takes as long as the busiest core.

``quirks=True`` (one design only) reproduces SCALE-Sim 3.0.0's bookkeeping
instead (see docs/systolic.md): padded DRAM counts, doubled late-prefetch
stalls, address-set hits, duplicated os ofmap writes, its per-fold compute
utilization, and no channel bound.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from archsim.config.systolic import Dataflow
from archsim.systolic.backend import Num, Ops, ceil_div
from archsim.systolic.dataflow import DATAFLOWS, DataflowMapping
from archsim.systolic.folds import compute_cycles
from archsim.systolic.gemm import GemmJob
from archsim.systolic.memory import ReadSram, WriteSram, drain_stream, read_stream, write_stream
from archsim.systolic.sparsity import RowWise, rowwise_ifmap_sram_reads
from workloads.ops import Conv2d, VectorFn, VectorOp


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
    dram_shared_bw: Num = 0
    """Words per cycle all DRAM channels share (0 = independent channels)."""
    vector_lanes: Num = 0
    """Vector-unit element operations per cycle per core (0 = one per array column)."""


@dataclass(slots=True)
class OpCost:
    """Every per-layer figure of one op (scalars, or arrays over designs; treat as immutable)."""

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


@dataclass(slots=True)
class Tally:
    """Sums over the GEMMs of one op, before utilizations and energy (treat as immutable).

    ``*_transfer`` is the busiest core's DRAM time on that channel (words over
    bandwidth, summed over GEMMs that run one after another); ``util_sum`` the
    sum of SCALE-Sim's per-fold compute utilizations (quirks only).
    """

    lines: Num
    folds: Num
    streaming: Num
    stall: Num
    filter_stall: Num
    used_pe_folds: Num
    util_sum: Num
    ifmap_sram: Num
    filter_sram: Num
    ofmap_sram: Num
    ifmap_dram: Num
    filter_dram: Num
    ofmap_dram: Num
    ifmap_transfer: Num
    filter_transfer: Num
    ofmap_transfer: Num

    def scaled(self, times: Num) -> Tally:
        """``times`` copies run one after another."""
        if isinstance(times, int) and times == 1:
            return self
        return Tally(*(getattr(self, name) * times for name in _TALLY_FIELDS))

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, name) + getattr(other, name) for name in _TALLY_FIELDS))


_TALLY_FIELDS = tuple(f.name for f in fields(Tally))
_PER_CORE = ("lines", "streaming", "stall", "filter_stall", "ifmap_transfer", "filter_transfer", "ofmap_transfer")
"""Tally fields that are the busiest core's (time); the others are summed over cores (work, traffic)."""


@dataclass(slots=True)
class _Job:
    """What every GEMM of one op shares: the designs, the dataflow and the accounting mode (treat as immutable)."""

    xp: Ops
    hw: Hardware
    flow: DataflowMapping
    quirks: bool
    overlap: Conv2d | None = None
    """A ws convolution whose overlapping windows SCALE-Sim's address-set SRAM hits (quirks, ungrouped only)."""
    ifmap_reuse: float = 1
    """ifmap SRAM reads per demanded entry (N:M sparsity under ws)."""
    rowwise: RowWise | None = None
    """Row-wise N:M mapping: the array rows hold a compressed window, the ifmap stream the dense one."""


def _one_core(m: Num, n: Num, k: Num, blocks: Num, job: _Job, overlap: bool) -> Tally:
    """One GEMM on one core: folds, SRAM words, DRAM words and stalls."""
    xp, hw, flow = job.xp, job.hw, job.flow
    f = flow.folds(m, n, k, hw.rows, hw.cols)
    s = flow.streams(f, hw.rows, hw.cols)
    rw = job.rowwise
    window = k if rw is None else blocks * rw.window  # ifmap entries per output pixel
    ifmap_items = m * window
    if job.quirks:
        conv = job.overlap if overlap else None
        ifmap_padded = s.ifmap_padded if rw is None else ceil_div(window, hw.rows) * f.t * hw.rows
        ifmap_overlap = None if conv is None else (conv, hw.rows)
        ifmap_dram, ifmap_stall = read_stream(xp, ifmap_items, s.ifmap_passes, hw.ifmap, f, ifmap_padded, ifmap_overlap)
        filter_dram, filter_stall = read_stream(xp, k * n, s.filter_passes, hw.filter, f, s.filter_padded)
        filter_sram = s.filter_reads
    else:
        # Packed groups' zero blocks are cleared in the PEs, not fetched: the filter SRAM and its
        # channel carry each filter column's own window only (k / blocks weights).
        filter_sram = s.filter_reads // blocks
        ifmap_dram, ifmap_stall = read_stream(xp, ifmap_items, s.ifmap_passes, hw.ifmap, f)
        filter_dram, filter_stall = read_stream(xp, k * n // blocks, s.filter_passes, hw.filter, f)
    drain = write_stream if job.quirks else drain_stream
    ofmap_dram, ofmap_stall = drain(xp, s.ofmap_writes, hw.ofmap, f)
    used_pes = f.sr * f.sc // blocks
    ofmap_sram = s.ofmap_writes
    ifmap_sram = s.ifmap_reads if job.ifmap_reuse == 1 else s.ifmap_reads * job.ifmap_reuse
    if rw is not None:
        ifmap_sram = rowwise_ifmap_sram_reads(f.folds, f.col_fold, f.t, hw.rows, window, rw.block, job.quirks)
    util_sum = 0.0
    if job.quirks:
        os = flow.dataflow is Dataflow.OS
        skew = f.fold_cycles - f.t
        util_sum = float(used_pes * f.t) / (hw.rows * hw.cols * (f.t + (skew if os else skew + hw.cols - 1)))
        ofmap_sram = s.ofmap_writes + (f.folds * (hw.rows + hw.cols) if os else 0)
    if rw is not None:
        used_pes = used_pes * rw.fill  # SCALE-Sim's mapping efficiency counts the filled slots
    # Positional (field names in the comments): keyword construction of a 16-field record costs ~2 us more.
    return Tally(
        f.lines,  # lines
        f.folds,  # folds
        f.folds * f.t,  # streaming
        _stall(xp, ifmap_stall, filter_stall, ofmap_stall, job.quirks),  # stall
        filter_stall,  # filter_stall
        used_pes,  # used_pe_folds
        util_sum,  # util_sum
        ifmap_sram,  # ifmap_sram
        filter_sram,  # filter_sram
        ofmap_sram,  # ofmap_sram
        ifmap_dram,  # ifmap_dram
        filter_dram,  # filter_dram
        ofmap_dram,  # ofmap_dram
        -(-ifmap_dram // hw.ifmap.bw),  # ifmap_transfer (ceil_div inline, as below: hot path)
        -(-filter_dram // hw.filter.bw),  # filter_transfer
        -(-ofmap_dram // hw.ofmap.bw),  # ofmap_transfer
    )


def _stall(xp: Ops, ifmap: Num, filter: Num, ofmap: Num, quirks: bool) -> Num:
    """The array's wait for its three channels, each stall reckoned against the stall-free schedule.

    The channels move words concurrently: while the array waits for a late read, drains go on, so
    the wait is the latest channel's (stalls that add up would make a longer compute shorten the
    layer: ``C + (T_in - C) + (T_out - C)``). The channel bound then keeps each channel's words
    within bandwidth x cycles. SCALE-Sim adds the ofmap port's stall to the reads' (compat mode).
    """
    reads = xp.maximum(ifmap, filter)
    return reads + ofmap if quirks else xp.maximum(reads, ofmap)


def _on_cores(m: Num, n: Num, k: Num, blocks: Num, job: _Job, overlap: bool = False) -> Tally:
    """A GEMM split over the cores by columns; time is the busiest core's, work and traffic the sum."""
    xp, hw = job.xp, job.hw
    if not xp.any(hw.cores > 1):
        return _one_core(m, n, k, blocks, job, overlap)
    columns_are_pixels = job.flow.dataflow is Dataflow.IS
    total = m if columns_are_pixels else n
    share = ceil_div(total, hw.cores)
    busy = ceil_div(total, share)

    def run(width: Num) -> Tally:
        if columns_are_pixels:
            return _one_core(width, n, k, blocks, job, overlap)
        return _one_core(m, width, k, blocks, job, overlap)

    big = run(share)
    if not xp.any(busy > 1):
        return big
    several = busy > 1
    rest = total - (busy - 1) * share
    extra = run(rest).scaled(xp.where(several, 1, 0)) + big.scaled(xp.where(several, busy - 2, 0))
    return Tally(*(getattr(big, name) + (0 if name in _PER_CORE else getattr(extra, name)) for name in _TALLY_FIELDS))


def _gemm_tally(job: GemmJob, on: _Job) -> Tally:
    """All GEMMs of a job; ws packs groups block-diagonally (rows take windows, columns filters), evenly over
    the fewest folds."""
    xp, hw = on.xp, on.hw
    if job.groups == 1:
        tally = _on_cores(job.m, job.n, job.k, 1, on, overlap=True)
        return tally if job.repeats == 1 else tally.scaled(job.repeats)
    if on.flow.dataflow is Dataflow.WS:
        most = xp.maximum(xp.minimum(xp.minimum(hw.rows // job.k, hw.cols // job.n), job.groups), 1)
        # As many folds as packing the most groups needs, filled evenly: a short last fold would leave one
        # core (of several) or one fold busier than an even split, so a smaller layer could be slower.
        pack = ceil_div(job.groups, ceil_div(job.groups, most))
    else:
        pack = 1
    full, rest = job.groups // pack, job.groups % pack
    packed = _on_cores(job.m, pack * job.n, pack * job.k, pack, on).scaled(full * job.repeats)
    if not xp.any(rest > 0):
        return packed
    last = xp.maximum(rest, 1)
    tail = _on_cores(job.m, last * job.n, last * job.k, last, on)
    return packed + tail.scaled(xp.where(rest > 0, job.repeats, 0))


def _finish(
    xp: Ops,
    macs: Num,
    t: Tally,
    hw: Hardware,
    traffic: ActivationTraffic | None,
    quirks: bool,
    calc: bool,
    vector_ops: Num = 0,
) -> OpCost:
    """Traffic overrides, the channel bound, utilizations, energy and latency from a tally.

    ``calc`` is SCALE-Sim's CALC bandwidth mode: the bandwidth is whatever keeps the
    array busy, so the layer takes its stall-free cycles (and no channel bound applies).
    """
    compute = compute_cycles(t.lines)
    stall = t.stall
    ifmap_dram, ofmap_dram = t.ifmap_dram, t.ofmap_dram
    ifmap_transfer, ofmap_transfer = t.ifmap_transfer, t.ofmap_transfer
    if traffic is not None:
        ifmap_dram, ofmap_dram = traffic.ifmap_words, traffic.ofmap_words
        ifmap_transfer, ofmap_transfer = ceil_div(ifmap_dram, hw.ifmap.bw), ceil_div(ofmap_dram, hw.ofmap.bw)
        stall = xp.maximum(xp.maximum(xp.maximum(ifmap_transfer, ofmap_transfer) - t.lines, 0), t.filter_stall)
    total = compute + xp.rint(stall)
    pes = hw.rows * hw.cols * hw.cores
    if calc:
        total = compute
    elif not quirks:
        channels = xp.maximum(xp.maximum(ifmap_transfer, t.filter_transfer), ofmap_transfer)
        shared = hw.dram_shared_bw
        if xp.any(shared > 0):
            # One memory behind the channels: all their words share its bandwidth.
            words = ifmap_dram + t.filter_dram + ofmap_dram
            channels = xp.maximum(channels, xp.where(shared > 0, ceil_div(words, xp.maximum(shared, 1e-9)), 0))
        # Peak: SCALE-Sim's last-index count is one cycle short of MACs / PEs on a 1x1 os array only.
        total = xp.maximum(xp.maximum(total, xp.rint(channels)), ceil_div(macs, pes))
    stall = total - compute
    array_pes = hw.rows * hw.cols
    folds = xp.maximum(t.folds, 1)
    if quirks:
        compute_util = t.util_sum / folds
        occupied = total
    else:
        compute_util = xp.as_float(macs) / (pes * xp.maximum(t.lines, 1))
        # The layer occupies one line more than SCALE-Sim's reported (last-index) cycle count.
        occupied = total + 1
    wb = hw.word_bytes
    sram_pj = wb * (
        (t.ifmap_sram + ifmap_dram) * hw.ifmap_sram_pj_per_byte
        + (t.filter_sram + t.filter_dram) * hw.filter_sram_pj_per_byte
        + (t.ofmap_sram + ofmap_dram) * hw.ofmap_sram_pj_per_byte
    )
    # Positional, as in _one_core: this record is built once per op and design set.
    return OpCost(
        macs,  # macs
        compute,  # compute_cycles
        stall,  # stall_cycles
        total,  # total_cycles
        xp.maximum(compute - t.streaming, 0),  # fill_drain_cycles
        xp.as_float(macs) / (pes * xp.maximum(occupied, 1)),  # overall_util
        xp.as_float(t.used_pe_folds) / (array_pes * folds),  # mapping_efficiency
        compute_util,  # compute_util
        t.ifmap_sram,  # ifmap_sram_reads
        t.filter_sram,  # filter_sram_reads
        t.ofmap_sram,  # ofmap_sram_writes
        ifmap_dram,  # ifmap_dram_reads
        t.filter_dram,  # filter_dram_reads
        ofmap_dram,  # ofmap_dram_writes
        macs * hw.mac_pj,  # mac_energy_pj
        sram_pj,  # sram_energy_pj
        (ifmap_dram + t.filter_dram + ofmap_dram) * wb * hw.dram_pj_per_byte,  # dram_energy_pj
        vector_ops * hw.vector_pj,  # vector_energy_pj
        total / hw.clock_hz,  # latency_s
    )


def gemm_cost(
    xp: Ops,
    job: GemmJob,
    hw: Hardware,
    dataflow: Dataflow,
    traffic: ActivationTraffic | None = None,
    quirks: bool = False,
    conv: Conv2d | None = None,
    calc: bool = False,
    filter_words_per_element: Num = 1,
) -> OpCost:
    """Cost of a GEMM job (a conv or matmul) on the designs ``hw`` with ``dataflow``.

    ``filter_words_per_element`` below 1 packs weights narrower than the word (int4 weights
    and their scales on a fp16 array; :mod:`workloads.packing`): the filter SRAM and DRAM
    channel carry that many words per weight element (the default model only: ``quirks`` reproduces
    SCALE-Sim, which reads one word per weight).

    ``quirks`` (one design) keeps SCALE-Sim 3.0.0's bookkeeping; ``calc`` is its
    CALC bandwidth mode (stall-free cycles); ``conv`` is the
    convolution behind the job, whose overlapping windows SCALE-Sim's address-set
    SRAM hits under ws.
    """
    overlap = conv if quirks and dataflow is Dataflow.WS and not job.dense_k else None
    packed = not quirks and xp.any(filter_words_per_element != 1)  # SCALE-Sim has no sub-word weights
    if packed:  # the filter SRAM holds, and its channel carries, 1 / fraction elements per word
        element_words = hw.filter.words // filter_words_per_element
        hw = replace(hw, filter=ReadSram.build(element_words, hw.filter.bw / filter_words_per_element))
    tally = _gemm_tally(job, _Job(xp, hw, DATAFLOWS[dataflow], quirks, overlap, job.ifmap_reuse, job.rowwise))
    if packed:  # the channel time stays (elements at the element rate); the count goes back to words
        tally.filter_dram = ceil_div(tally.filter_dram * filter_words_per_element, 1)
    # SCALE-Sim's utilization counts the dense MACs; the default model counts those executed (never above peak).
    return _finish(xp, job.dense_macs if quirks else job.macs, tally, hw, traffic, quirks, calc)


def vector_cost(
    xp: Ops, op: VectorOp, hw: Hardware, traffic: ActivationTraffic | None = None, calc: bool = False
) -> OpCost:
    """A vector op on the vector unit: ``vector_lanes`` per core (default one per array column),
    one element op per lane and cycle.

    Arithmetic ops process ``max(vector_ops, output_elements)`` element operations;
    concat/transpose move ``output_elements``; reshape is a view (no cycles, no traffic).
    Inputs come from and outputs go to DRAM through the ifmap/ofmap SRAMs,
    streamed concurrently with the lanes (the channel bound: stalls when DRAM is the slower side).
    """
    view = op.fn is VectorFn.RESHAPE
    work = 0 if view else max(op.vector_ops, op.output_elements)
    reads = 0 if view else op.input_elements
    writes = 0 if view else op.output_elements
    lanes = xp.where(hw.vector_lanes > 0, hw.vector_lanes, hw.cols)
    lines = ceil_div(work, lanes * hw.cores) + 1
    t = Tally(
        lines=lines,
        folds=1,
        streaming=lines - 1,
        stall=0,
        filter_stall=0,
        used_pe_folds=0,
        util_sum=0.0,
        ifmap_sram=reads,
        filter_sram=0,
        ofmap_sram=writes,
        ifmap_dram=reads,
        filter_dram=0,
        ofmap_dram=writes,
        ifmap_transfer=ceil_div(reads, hw.ifmap.bw),
        filter_transfer=0,
        ofmap_transfer=ceil_div(writes, hw.ofmap.bw),
    )
    return _finish(xp, 0, t, hw, traffic, False, calc, vector_ops=op.vector_ops)
