"""The cost model on plain Python numbers: the scalar path (one op, one design) in straight-line form.

This is :mod:`archsim.systolic.model` (the numpy model of the vectorised path)
restated for Python ints and floats: the same formulas, the same IEEE
operations in the same order, so both paths give identical numbers (the
vectorised-equals-scalar test pins it on random designs). It is a separate
form because the generic model's cost on one design is its machinery, not its
arithmetic: element-wise ``where``/``maximum`` helpers that evaluate both
branches, a dataclass per intermediate and the same piecewise demand time
evaluated again and again (about 50 us per layer). Here every branch is a
plain ``if``, intermediates are locals and tuples, and streams that neither
spill nor drain skip the stall search (a few us per layer).

It also holds the SCALE-Sim 3.0.0 bookkeeping (``quirks``, see docs/systolic.md),
which only the scalar path offers, including where SCALE-Sim's address-set SRAM
first misses on a ws convolution's overlapping windows
(:mod:`archsim.systolic.overlap`); the reference rows and the SCALE-Sim
differential tests pin that mode.
"""

from __future__ import annotations

from archsim.config.systolic import Dataflow
from archsim.metrics import LayerMetrics
from archsim.systolic.gemm import gemm_dims
from archsim.systolic.memory import ReadSram, WriteSram
from archsim.systolic.model import Hardware
from archsim.systolic.overlap import ConvGeometry
from workloads.ops import Conv2d, MatMul, VectorFn, VectorOp

Tally = tuple[int, int, int, float, float, int, float, int, int, int, float, float, float]
"""Sums over an op's GEMMs: lines, folds, streaming lines, stall, filter stall, used PEs (over folds),
per-fold utilization sum, ifmap/filter SRAM reads, ofmap SRAM writes, ifmap/filter DRAM reads, ofmap DRAM writes."""

Schedule = tuple[int, float, float, float]
"""Demand time of a stream's ``n``-th item: ``n * head_rate`` up to ``head_items``, then
``head_cycles + (n - head_items) * tail_rate`` (head_items, head_cycles, head_rate, tail_rate)."""


def _schedule(demanded: int, swept: bool, sc: int, per_fold: int, head_cycles: int, lines: int) -> Schedule:
    """A stream's demand schedule (``model._schedule``): even when swept once per column fold, else the
    full column folds (``demanded // sc`` items per column, ``per_fold`` columns each) then the last one."""
    if swept:
        return demanded, lines, float(lines) / (demanded if demanded > 1 else 1), 0.0
    head_items = (demanded // sc) * per_fold
    rest = demanded - head_items
    return (
        head_items,
        head_cycles,
        float(head_cycles) / (head_items if head_items > 1 else 1),
        float(lines - head_cycles) / (rest if rest > 1 else 1),
    )


def _read(
    valid: int,
    padded: int,
    passes: int,
    sram: ReadSram,
    timing: tuple[int, int, int, int],
    quirks: bool,
    overlap: tuple[Conv2d, int] | None = None,
) -> tuple[float, float]:
    """DRAM words and stall cycles of one double-buffered read operand (``memory.read_stream``).

    ``timing`` is ``(sc, per_fold, head_cycles, lines)`` for :func:`_schedule`, built only if the operand spills.
    ``overlap`` (a ws convolution's ifmap and the array rows, quirks only) moves the first miss to the
    first entry whose address SCALE-Sim's window does not hold (:mod:`archsim.systolic.overlap`).
    """
    per_line, active_lines = sram.per_line, sram.active_lines
    tracked = valid // per_line + 1
    if quirks:
        bw = sram.bw
        padded_cycles = -(-padded // bw)
        first_fill = (sram.fill_cycles if sram.fill_cycles < padded_cycles else padded_cycles) * bw
    if tracked <= active_lines:
        return (first_fill if quirks else valid), 0
    prefetch_lines = sram.prefetch_lines
    if prefetch_lines > tracked - active_lines:
        prefetch_lines = tracked - active_lines
    if prefetch_lines < 1:
        prefetch_lines = 1
    misses = -(-(passes * tracked - active_lines) // prefetch_lines)
    fetch_cycles = sram.fetch_cycles
    sched = _schedule(passes * valid, passes > 1, *timing)
    head_items, head_cycles, head_rate, tail_rate = sched
    if quirks:
        first_miss = active_lines * per_line
        geometry = ConvGeometry.of(overlap[0]) if overlap is not None and passes == 1 else None
        if geometry is not None:
            first_miss = geometry.first_new_ws(overlap[1], first_miss)
            if first_miss is None:
                return first_fill, 0
        stall = _late_prefetch_stalls(misses, first_miss, active_lines, prefetch_lines, per_line, fetch_cycles, sched)
        return first_fill + misses * fetch_cycles * bw, stall
    reads = passes * valid
    capped = sram.active + misses * sram.prefetch
    stall = 0
    for j in _candidates(misses, (head_items // per_line - active_lines) // prefetch_lines + 1):
        n = (active_lines + (j - 1) * prefetch_lines) * per_line
        due = n * head_rate if n <= head_items else head_cycles + (n - head_items) * tail_rate
        late = j * fetch_cycles - due - 1
        if late > stall:
            stall = late
    return (reads if reads < capped else capped), stall


def _late_prefetch_stalls(
    misses: int,
    first_miss: int,
    active_lines: int,
    prefetch_lines: int,
    per_line: int,
    fetch_cycles: float,
    sched: Schedule,
) -> float:
    """SCALE-Sim's ``service_reads``: fetch ``j`` lands at ``j * (fetch_cycles + 1) - 1``; late ones count twice.

    Miss ``j`` comes when the demand passes window ``j``'s end, and never before entry ``first_miss``.
    """
    head_items, head_cycles, head_rate, tail_rate = sched
    stall = 0.0
    for j in range(1, misses + 1):
        n = (active_lines + (j - 1) * prefetch_lines) * per_line
        if n < first_miss:
            n = first_miss
        due = n * head_rate if n <= head_items else head_cycles + (n - head_items) * tail_rate
        late = j * (fetch_cycles + 1) - 1 - (due + stall + 1)
        if late > 0:
            stall += 2 * late
    return stall


def _write(writes: int, sram: WriteSram, timing: tuple[int, int, int, int]) -> float:
    """Drain stall cycles of the ofmap SRAM (``memory.write_stream``): the worst candidate drain."""
    half, words = sram.half, sram.words
    half_or_one = half if half > 1 else 1
    drains = (writes - words) // half_or_one if writes > words else 0
    if drains <= 0:
        return 0
    head_items, head_cycles, head_rate, tail_rate = _schedule(writes, False, *timing)
    drain_cycles = sram.drain_cycles
    n = half + 1
    first_drain = n * head_rate if n <= head_items else head_cycles + (n - head_items) * tail_rate
    stall = 0
    for k in _candidates(drains, (head_items - words) // half_or_one):
        n = k * half + 1
        start = n * head_rate if n <= head_items else head_cycles + (n - head_items) * tail_rate
        n = k * half + words
        blocked = n * head_rate if n <= head_items else head_cycles + (n - head_items) * tail_rate
        back_to_back = first_drain + k * drain_cycles
        isolated = start + drain_cycles
        late = (back_to_back if back_to_back > isolated else isolated) - blocked
        if late > stall:
            stall = late
    return stall


def _candidates(last: int, bend: int) -> tuple[int, int, int, int]:
    """Event indices where the max-plus maximum over a two-piece schedule can sit (``memory._candidates``)."""
    if last < 1:
        last = 1
    inside = bend if bend > 1 else 1
    if inside > last:
        inside = last
    return 1, last, inside, (inside + 1 if inside < last else last)


def _one_core(
    m: int, n: int, k: int, blocks: int, hw: Hardware, flow: Dataflow, quirks: bool, overlap: Conv2d | None = None
) -> Tally:
    """One GEMM on one core (``model._one_core``): folds, SRAM words, DRAM words and stalls.

    ``overlap`` is the convolution whose ifmap SCALE-Sim looks up by address (quirks, ws, ungrouped).
    """
    rows, cols = hw.rows, hw.cols
    if flow is Dataflow.OS:
        sr, sc, t = m, n, k
        skew = rows + cols - 2
    elif flow is Dataflow.WS:
        sr, sc, t = k, n, m
        skew = 2 * rows + cols - 2
    else:
        sr, sc, t = k, m, n
        skew = 2 * rows + cols - 2
    row_fold = -(-sr // rows)
    col_fold = -(-sc // cols)
    fold_cycles = t + skew
    folds = row_fold * col_fold
    lines = folds * fold_cycles
    if flow is Dataflow.IS:
        ifmap_sram, filter_sram, ofmap_writes = sr * sc, col_fold * t * sr, row_fold * t * sc
        ifmap_padded, filter_padded = col_fold * sr * cols, row_fold * t * rows
        ifmap_passes, filter_passes = 1, col_fold
    else:
        ifmap_sram = col_fold * t * sr
        ifmap_padded = row_fold * t * rows
        ifmap_passes, filter_passes = col_fold, 1
        if flow is Dataflow.OS:
            filter_sram, ofmap_writes, filter_padded = row_fold * t * sc, sr * sc, col_fold * t * cols
        else:
            filter_sram, ofmap_writes, filter_padded = sr * sc, row_fold * t * sc, col_fold * sr * cols
    full_groups = col_fold - 1
    timing = (sc, cols * full_groups, full_groups * row_fold * fold_cycles, lines)
    ifmap_dram, ifmap_stall = _read(
        m * k,
        ifmap_padded,
        ifmap_passes,
        hw.ifmap,
        timing,
        quirks,
        None if overlap is None else (overlap, rows),
    )
    filter_dram, filter_stall = _read(k * n, filter_padded, filter_passes, hw.filter, timing, quirks)
    ofmap_stall = _write(ofmap_writes, hw.ofmap, timing)
    if quirks:
        util_cycles = t + (skew + cols - 1 if flow is not Dataflow.OS else skew)
        ofmap_sram = ofmap_writes + (folds * (rows + cols) if flow is Dataflow.OS else 0)
    else:
        util_cycles = t + skew
        ofmap_sram = ofmap_writes
    used_pes = sr * sc // blocks
    return (
        lines,
        folds,
        folds * t,
        ofmap_stall + (ifmap_stall if ifmap_stall > filter_stall else filter_stall),
        filter_stall,
        used_pes,
        float(used_pes * t) / (rows * cols * util_cycles),
        ifmap_sram,
        filter_sram,
        ofmap_sram,
        ifmap_dram,
        filter_dram,
        ofmap_writes,
    )


def _scaled(tally: Tally, times: int) -> Tally:
    """``times`` copies of a tally (the model's ``_Tally.scaled``)."""
    return tally if times == 1 else tuple(value * times for value in tally)  # type: ignore[return-value]


def _sum(a: Tally, b: Tally) -> Tally:
    """Two tallies added field by field."""
    return tuple(x + y for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _on_cores(
    m: int, n: int, k: int, blocks: int, hw: Hardware, flow: Dataflow, quirks: bool, overlap: Conv2d | None = None
) -> Tally:
    """A GEMM split over the cores by columns (``model._on_cores``): busiest core's time, summed traffic."""
    if hw.cores == 1:
        return _one_core(m, n, k, blocks, hw, flow, quirks, overlap)
    pixels = flow is Dataflow.IS
    total = m if pixels else n
    share = -(-total // hw.cores)
    big = (
        _one_core(share, n, k, blocks, hw, flow, quirks, overlap)
        if pixels
        else _one_core(m, share, k, blocks, hw, flow, quirks, overlap)
    )
    busy = -(-total // share)
    if busy <= 1:
        return big
    rest = total - (busy - 1) * share
    last = (
        _one_core(rest, n, k, blocks, hw, flow, quirks, overlap)
        if pixels
        else _one_core(m, rest, k, blocks, hw, flow, quirks, overlap)
    )
    extra = _sum(last, _scaled(big, busy - 2))
    summed = _sum(big, extra)
    return (big[0], summed[1], big[2], big[3], big[4], *summed[5:])  # type: ignore[return-value]


def _gemm_tally(
    m: int,
    n: int,
    k: int,
    groups: int,
    repeats: int,
    hw: Hardware,
    flow: Dataflow,
    quirks: bool,
    overlap: Conv2d | None = None,
) -> Tally:
    """All GEMMs of a job (``model._gemm_tally``); ws packs groups block-diagonally.

    ``overlap`` applies to ungrouped jobs only (a packed fold's stream is not the op's im2col).
    """
    if groups == 1:
        if hw.cores == 1 and repeats == 1:
            return _one_core(m, n, k, 1, hw, flow, quirks, overlap)
        return _scaled(_on_cores(m, n, k, 1, hw, flow, quirks, overlap), repeats)
    pack = 1
    if flow is Dataflow.WS:
        pack = min(hw.rows // k, hw.cols // n, groups)
        if pack < 1:
            pack = 1
    full, rest = divmod(groups, pack)
    packed = _scaled(_on_cores(m, pack * n, pack * k, pack, hw, flow, quirks), full * repeats)
    if rest == 0:
        return packed
    return _sum(packed, _scaled(_on_cores(m, rest * n, rest * k, rest, hw, flow, quirks), repeats))


def _finish(
    op: Conv2d | MatMul | VectorOp,
    macs: int,
    t: Tally,
    hw: Hardware,
    plan: tuple[int, int] | None,
    quirks: bool,
    vector_ops: int = 0,
) -> LayerMetrics:
    """Utilizations, traffic overrides, energy and latency from a tally (``model._finish``)."""
    (lines, folds, streaming, stall, filter_stall, used_pes, util_sum, ifmap_sram, filter_sram, ofmap_sram) = t[:10]
    ifmap_dram, filter_dram, ofmap_dram = t[10:]
    if plan is not None:
        ifmap_dram, ofmap_dram = plan
        reading, writing = -(-ifmap_dram // hw.ifmap.bw), -(-ofmap_dram // hw.ofmap.bw)
        streamed = (reading if reading > writing else writing) - lines
        if streamed < 0:
            streamed = 0
        stall = streamed if streamed > filter_stall else filter_stall
    stall = round(stall)
    compute = lines - 1  # SCALE-Sim reports the last demand line's index (folds.compute_cycles)
    total = compute + stall
    array_pes = hw.rows * hw.cols
    pes = array_pes * hw.cores
    if folds < 1:
        folds = 1
    if quirks:
        compute_util = util_sum / folds
        occupied = total
    else:
        compute_util = float(macs) / (pes * (lines if lines > 1 else 1))
        occupied = total + 1
    wb = hw.word_bytes
    sram_pj = wb * (
        (ifmap_sram + ifmap_dram) * hw.ifmap_sram_pj_per_byte
        + (filter_sram + filter_dram) * hw.filter_sram_pj_per_byte
        + (ofmap_sram + ofmap_dram) * hw.ofmap_sram_pj_per_byte
    )
    fill_drain = compute - streaming
    return LayerMetrics(
        op.name,
        op.kind,
        macs,
        compute,
        stall,
        total,
        fill_drain if fill_drain > 0 else 0,
        float(macs) / (pes * (occupied if occupied > 1 else 1)),
        float(used_pes) / (array_pes * folds),
        compute_util,
        ifmap_sram,
        filter_sram,
        ofmap_sram,
        int(ifmap_dram),
        int(filter_dram),
        int(ofmap_dram),
        {
            "mac": macs * hw.mac_pj,
            "sram": sram_pj,
            "dram": (ifmap_dram + filter_dram + ofmap_dram) * wb * hw.dram_pj_per_byte,
            "vector": vector_ops * hw.vector_pj,
        },
        total / hw.clock_hz,
    )


def _vector_tally(op: VectorOp, hw: Hardware) -> Tally:
    """A vector op on the vector unit (``model.vector_cost``): one lane per column per core."""
    if op.fn is VectorFn.RESHAPE:
        work = reads = writes = 0
    else:
        work = max(op.vector_ops, op.output_elements)
        reads, writes = op.input_elements, op.output_elements
    lines = -(-work // (hw.cols * hw.cores)) + 1
    reading, writing = -(-reads // hw.ifmap.bw), -(-writes // hw.ofmap.bw)
    stall = (reading if reading > writing else writing) - lines
    return (lines, 1, lines - 1, stall if stall > 0 else 0, 0, 0, 0.0, reads, 0, writes, reads, 0, writes)


def op_metrics(
    op: Conv2d | MatMul | VectorOp, hw: Hardware, dataflow: Dataflow, quirks: bool, plan: tuple[int, int] | None
) -> LayerMetrics:
    """Per-layer metrics of ``op`` on the design ``hw``; ``plan`` fixes its activation DRAM words."""
    if isinstance(op, VectorOp):
        return _finish(op, 0, _vector_tally(op, hw), hw, plan, False, op.vector_ops)
    m, n, k, groups, repeats = gemm_dims(op)
    overlap = op if quirks and dataflow is Dataflow.WS and isinstance(op, Conv2d) else None
    tally = _gemm_tally(m, n, k, groups, repeats, hw, dataflow, quirks, overlap)
    return _finish(op, repeats * groups * m * n * k, tally, hw, plan, quirks)
