"""Double-buffered SRAMs against DRAM bandwidth: prefetches, drains, stalls, DRAM words.

Two models, written once over an array namespace (:mod:`archsim.systolic.backend`: Python
numbers for one design, numpy arrays for many):

* The **default** model (:func:`read_stream` without ``padded``, :func:`drain_stream`). The
  active half of a read SRAM is filled before the layer starts; a stream that fits the whole
  SRAM is fetched once and held for every pass, a longer one is fetched again on every pass.
  Beyond the first fill DRAM streams entries back to back at ``bw`` words/cycle and an entry
  is usable once it has arrived; ofmap words leave in order at ``bw`` words/cycle once written,
  and the array waits while the SRAM is full. Every figure grows with the work and shrinks
  with the SRAM and the bandwidth (``tests/archsim/systolic/test_monotonicity.py``).
* **SCALE-Sim 3.0.0's** ``read_buffer`` / ``write_buffer`` in closed form (``quirks``: one
  design): a read SRAM of ``S`` words split into an active and a prefetch half, tracked in
  100 "lines" of ``ceil(S / 100)`` stream entries; when the demand runs past the active
  lines, the window slides by the prefetch lines and one more half-buffer is fetched (fetch
  ``j`` lands at about ``j * ceil(S/2 / bw)``). The ofmap SRAM drains its full half once
  more than half of it is occupied (:func:`write_stream`). Padded DRAM counts, a late
  prefetch's stall counted twice and address-set hits on overlapping windows are kept.

Demand times come from a two-piece linear :class:`Schedule` (the full column folds, then
the narrower last one), which lets every stall be written as a max-plus expression over a
few candidate events: the ends and those at the bend.
"""

from __future__ import annotations

from dataclasses import dataclass

from archsim.systolic.backend import SCALAR, Num, Ops, ceil_div
from archsim.systolic.folds import Folds
from archsim.systolic.overlap import ConvGeometry
from workloads.ops import Conv2d

TRACKING_LINES = 100
"""SCALE-Sim tracks each read SRAM as this many sets of entries (``read_buffer.prepare_hashed_buffer``)."""


@dataclass(frozen=True)
class ReadSram:
    """A double-buffered read SRAM's fixed numbers (per design; Python ints or numpy arrays).

    ``active``/``prefetch`` are the halves in words, ``per_line`` the words of one
    of SCALE-Sim's 100 tracking lines, ``active_lines`` the lines of the active
    half and ``prefetch_lines`` of the prefetch half; ``fill_cycles`` and
    ``fetch_cycles`` are the DRAM time of a full active and prefetch half.
    """

    words: Num
    bw: Num
    active: Num
    prefetch: Num
    per_line: Num
    active_lines: Num
    prefetch_lines: Num
    fill_cycles: Num
    fetch_cycles: Num

    @classmethod
    def build(cls, words: Num, bw: Num) -> ReadSram:
        """The numbers of an SRAM of ``words`` words fed at ``bw`` DRAM words per cycle."""
        active = ceil_div(words, 2)
        prefetch = words - active
        per_line = ceil_div(words, TRACKING_LINES)
        return cls(
            words,
            bw,
            active,
            prefetch,
            per_line,
            ceil_div(active, per_line),
            ceil_div(prefetch, per_line),
            ceil_div(active, bw),
            ceil_div(prefetch, bw),
        )


@dataclass(frozen=True)
class WriteSram:
    """The ofmap SRAM's fixed numbers: ``half`` is the drained half in words, ``drain_cycles`` its DRAM time."""

    words: Num
    bw: Num
    half: Num
    drain_cycles: Num

    @classmethod
    def build(cls, words: Num, bw: Num) -> WriteSram:
        """The numbers of an ofmap SRAM of ``words`` words drained at ``bw`` DRAM words per cycle."""
        half = words - ceil_div(words, 2)
        return cls(words, bw, half, ceil_div(half, bw))


@dataclass(slots=True)
class Schedule:
    """When the ``n``-th item of a stream is demanded: two linear pieces meeting at ``head_items``."""

    head_items: Num
    head_cycles: Num
    head_rate: Num
    tail_rate: Num


def schedule(xp: Ops, items: Num, cycles: Num, head_items: Num, head_cycles: Num) -> Schedule:
    """``head_items`` over the first ``head_cycles``, the other ``items - head_items`` over the rest."""
    head_rate = xp.as_float(head_cycles) / xp.maximum(head_items, 1)
    tail_rate = xp.as_float(cycles - head_cycles) / xp.maximum(items - head_items, 1)
    return Schedule(head_items, head_cycles, head_rate, tail_rate)


def fold_schedule(xp: Ops, items: Num, passes: Num, f: Folds) -> Schedule:
    """Demand schedule of a stream of ``items`` swept ``passes`` times over the folds ``f`` (column folds outermost).

    A stream swept once per column fold is demanded evenly. A stream swept once
    has as many items per column as per fold group; the last column fold may be
    narrower, so it runs at its own rate.
    """
    demanded = passes * items
    full_groups = f.col_fold - 1
    head_items = (demanded // f.sc) * f.cols_per_fold * full_groups
    head_cycles = full_groups * f.row_fold * f.fold_cycles
    swept = passes > 1
    return schedule(xp, demanded, f.lines, xp.where(swept, demanded, head_items), xp.where(swept, f.lines, head_cycles))


def demand_time(xp: Ops, s: Schedule, n: Num) -> Num:
    """Stall-free demand time of item ``n``."""
    return xp.where(n <= s.head_items, n * s.head_rate, s.head_cycles + (n - s.head_items) * s.tail_rate)


def _candidates(xp: Ops, last: Num, bend: Num) -> tuple[Num, ...]:
    """Event indices ``1..last`` where a max-plus maximum over a two-piece linear schedule can sit."""
    last = xp.maximum(last, 1)
    inside = xp.minimum(xp.maximum(bend, 1), last)
    return 1, last, inside, xp.minimum(inside + 1, last)


StreamCost = tuple[Num, Num]
"""DRAM words moved for one operand and the stall cycles they cause (a pair: built per operand per GEMM,
where a record would cost as much as the arithmetic that fills it)."""


def read_stream(
    xp: Ops,
    valid: Num,
    passes: Num,
    sram: ReadSram,
    f: Folds,
    padded: int | None = None,
    overlap: tuple[Conv2d, int] | None = None,
) -> StreamCost:
    """Prefetch misses of one read operand.

    Args:
        xp: the array namespace.
        valid: operand entries in the prefetch stream (SRAM reads of one pass).
        passes: times the demand sweeps the stream (its schedule over the folds ``f`` is built only if it spills).
        sram: the SRAM's per-design numbers.
        f: the folds the demand runs over.
        padded: SCALE-Sim 3.0.0's bookkeeping instead of the corrected model (one design only): the size
            of its prefetch matrix, partial folds padded to the array's width.
        overlap: with ``padded``, a ws convolution and the array rows: SCALE-Sim's address-set SRAM
            first misses later than the stream position says when its windows overlap.
    """
    if padded is None:
        return _held_or_streamed(xp, valid, passes, sram, f)
    per_line, active_lines = sram.per_line, sram.active_lines
    tracked = valid // per_line + 1
    spills = tracked > active_lines
    padded_cycles = -(-padded // sram.bw)  # ceil_div inline, on this hot path as elsewhere
    first_fill = (sram.fill_cycles if sram.fill_cycles <= padded_cycles else padded_cycles) * sram.bw
    if not spills:
        return first_fill, 0
    prefetch_lines = xp.maximum(xp.minimum(sram.prefetch_lines, tracked - active_lines), 1)
    misses = ceil_div(xp.maximum(passes * tracked - active_lines, 0), prefetch_lines)
    timing = fold_schedule(xp, valid, passes, f)
    return _scalesim_read(misses, first_fill, prefetch_lines, passes, sram, timing, overlap)


def _held_or_streamed(xp: Ops, valid: Num, passes: Num, sram: ReadSram, f: Folds) -> StreamCost:
    """The default model's prefetch: what crosses the DRAM channel, and when the array waits for it.

    The active half is filled before the layer starts. A stream that fits the whole SRAM
    (both halves) is fetched once and stays for every pass; a longer one slides through it
    and is fetched again on every pass (a cyclic sweep of a stream larger than the buffer
    hits nothing). Beyond the first fill, DRAM streams the entries back to back at ``bw``
    words/cycle in demand order, and an entry can be used once it has arrived: the ``i``-th
    (entry ``active + i - 1``) lands at ``ceil(i / bw)``, and the array waits if it demands it earlier.
    Time, words and bandwidth are counted in the same words, so the stall grows with the
    stream and shrinks with the SRAM and the bandwidth.
    """
    active = sram.active
    spills = valid > active
    if not xp.any(spills):
        return valid, 0
    fetched = xp.where(valid <= sram.words, valid, passes * valid)
    timing = fold_schedule(xp, valid, passes, f)
    stall = 0
    # Arrival is linear in the entry and demand two-piece linear: the latest entry sits at an end or the bend.
    for i in _candidates(xp, fetched - active, timing.head_items - active + 1):
        stall = xp.maximum(stall, ceil_div(i, sram.bw) - demand_time(xp, timing, active + i - 1) - 1)
    return xp.where(spills, fetched, valid), xp.where(spills, stall, 0)


def _scalesim_read(
    misses: int,
    first_fill: int,
    prefetch_lines: int,
    passes: int,
    sram: ReadSram,
    timing: Schedule,
    overlap: tuple[Conv2d, int] | None,
) -> StreamCost:
    """SCALE-Sim's ``service_reads``: whole padded bandwidth lines; fetch ``j`` lands at ``j * (fetch + 1) - 1``.

    A late fetch's stall is counted twice. Miss ``j`` comes when the demand passes
    window ``j``'s end, and never before the first entry the address-set window lacks.
    """
    per_line, active_lines = sram.per_line, sram.active_lines
    first_miss = active_lines * per_line
    geometry = ConvGeometry.of(overlap[0]) if overlap is not None and passes == 1 else None
    if geometry is not None:
        first_new = geometry.first_new_ws(overlap[1], first_miss)
        if first_new is None:
            return first_fill, 0
        first_miss = first_new
    stall = 0.0
    for j in range(1, misses + 1):
        n = max((active_lines + (j - 1) * prefetch_lines) * per_line, first_miss)
        due = demand_time(SCALAR, timing, n)
        late = j * (sram.fetch_cycles + 1) - 1 - (due + stall + 1)
        if late > 0:
            stall += 2 * late
    return first_fill + misses * sram.fetch_cycles * sram.bw, stall


def write_stream(xp: Ops, writes: Num, sram: WriteSram, f: Folds) -> StreamCost:
    """Drain stalls of the ofmap SRAM writing ``writes`` words over the folds ``f``.

    Drain ``k`` starts when more than half the SRAM is occupied and the previous
    drain is done; the array stalls at word ``k * half + S`` until drain ``k`` ends.
    Drain ``k`` ends at the latest of (drain 1's start + ``k`` drains) and
    (its own trigger + one drain); the worst stall sits at a candidate drain.
    """
    half, words, drain_cycles = sram.half, sram.words, sram.drain_cycles
    half_or_one = xp.maximum(half, 1)
    drains = xp.maximum(writes - words, 0) // half_or_one
    if not xp.any(drains > 0):
        return writes, 0
    timing = fold_schedule(xp, writes, 1, f)
    first_drain = demand_time(xp, timing, half + 1)
    bend = (timing.head_items - words) // half_or_one
    stall = 0
    for k in _candidates(xp, drains, bend):
        back_to_back = first_drain + k * drain_cycles
        isolated = demand_time(xp, timing, k * half + 1) + drain_cycles
        stall = xp.maximum(stall, xp.maximum(back_to_back, isolated) - demand_time(xp, timing, k * half + words))
    return writes, xp.where(drains > 0, stall, 0)


def drain_stream(xp: Ops, writes: Num, sram: WriteSram, f: Folds) -> StreamCost:
    """The default model's ofmap drain: words leave for DRAM in order at ``bw`` words/cycle once written.

    Word ``w`` (written at ``p(w)`` by the stall-free schedule) has left at
    ``max over v <= w of p(v) + (w - v + 1) / bw`` (the channel busy since word ``v``); the
    array may write word ``w`` only once word ``w - S`` has left the ``S``-word SRAM, so it
    waits ``max over v + S <= w of q(v) - q(w) - (S - 1) / bw`` with ``q(n) = p(n) - n / bw``:
    the largest drop of ``q`` over at least ``S`` words. ``q`` is two-piece linear (bend ``b``),
    so that drop is over ``(1, W)`` when it falls throughout, ``(1, max(b, 1 + S))`` when it
    falls then rises, ``(min(b, W - S), W)`` when it rises then falls (and none when it only
    rises). Monotone: a larger SRAM or a faster channel never waits longer.
    """
    words = sram.words
    spills = writes > words
    if not xp.any(spills):
        return writes, 0
    timing = fold_schedule(xp, writes, 1, f)
    last = xp.maximum(writes, words + 1)
    bend = timing.head_items
    written_first, written_last = demand_time(xp, timing, 1), demand_time(xp, timing, last)
    late_v = xp.maximum(xp.minimum(bend, last - words), 1)
    early_w = xp.minimum(xp.maximum(bend, 1 + words), last)
    stall = 0
    for v, written_v, w, written_w in (
        (1, written_first, last, written_last),
        (1, written_first, early_w, demand_time(xp, timing, early_w)),
        (late_v, demand_time(xp, timing, late_v), last, written_last),
    ):
        stall = xp.maximum(stall, written_v + ceil_div(w - words - v + 1, sram.bw) - written_w)
    return writes, xp.where(spills, stall, 0)
