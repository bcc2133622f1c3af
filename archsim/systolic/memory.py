"""Double-buffered SRAMs against DRAM bandwidth: prefetch misses, drains, stalls, DRAM words (numpy).

The model follows SCALE-Sim v3's ``read_buffer`` / ``write_buffer`` in closed form:

* A read SRAM of ``S`` words is split into an active half and a prefetch half.
  Before the layer starts, the active half is filled from the operand's prefetch
  stream (not counted in the layer's cycles, as in SCALE-Sim). SCALE-Sim tracks
  contents in 100 "lines" of ``ceil(S / 100)`` stream entries; when the demand
  runs past the active lines, the window slides by the prefetch lines and one
  more half-buffer is fetched. DRAM streams those fetches back to back at ``bw``
  words/cycle, so fetch ``j`` lands at about ``j * ceil(S/2 / bw)``; a demand
  that arrives earlier waits (a stall).
* The ofmap SRAM drains its full half to DRAM (``ceil(S/2 / bw)`` cycles) once
  more than half of it is occupied; the array stalls when both halves are full
  while a drain is still running.

Demand times come from a two-piece linear :class:`Schedule` (the full column
folds, then the narrower last one), which lets every stall be written as a
max-plus expression over a few candidate events: the first, the last and those
at the bend (exact for such a schedule, and within a few cycles of SCALE-Sim's
trace on its reference rows). This is the corrected model over arrays of
designs; :mod:`archsim.systolic.scalar` states the same for one design and adds
SCALE-Sim 3.0.0's bookkeeping quirks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.systolic.backend import Num, ceil_div

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


@dataclass(frozen=True)
class Schedule:
    """When the ``n``-th item of a stream is demanded: two linear pieces meeting at ``head_items``."""

    head_items: Num
    head_cycles: Num
    head_rate: Num
    tail_rate: Num

    @classmethod
    def build(cls, items: Num, cycles: Num, head_items: Num, head_cycles: Num) -> Schedule:
        """``head_items`` over the first ``head_cycles``, the other ``items - head_items`` over the rest."""
        head_rate = np.asarray(head_cycles, dtype=np.float64) / np.maximum(head_items, 1)
        tail_rate = np.asarray(cycles - head_cycles, dtype=np.float64) / np.maximum(items - head_items, 1)
        return cls(head_items, head_cycles, head_rate, tail_rate)

    def time(self, n: Num) -> Num:
        """Stall-free demand time of item ``n``."""
        tail = self.head_cycles + (n - self.head_items) * self.tail_rate
        return np.where(n <= self.head_items, n * self.head_rate, tail)


def _candidates(first: Num, last: Num, bend: Num) -> tuple[Num, ...]:
    """Event indices where a max-plus maximum over a two-piece linear schedule can sit."""
    inside = np.minimum(np.maximum(bend, first), last)
    return first, last, inside, np.minimum(inside + 1, last)


@dataclass(frozen=True)
class StreamCost:
    """DRAM words moved for one operand and the stall cycles they cause."""

    dram_words: Num
    stall_cycles: Num


def read_stream(valid: Num, passes: Num, sram: ReadSram, schedule: Schedule) -> StreamCost:
    """Prefetch misses of one read operand.

    Args:
        valid: operand entries in the prefetch stream (SRAM reads of one pass).
        passes: times the demand sweeps the stream.
        sram: the SRAM's per-design numbers.
        schedule: when each of the ``passes * valid`` demanded entries is needed.
    """
    per_line, active_lines = sram.per_line, sram.active_lines
    tracked = valid // per_line + 1
    spills = tracked > active_lines
    prefetch_lines = np.maximum(np.minimum(sram.prefetch_lines, tracked - active_lines), 1)
    misses = np.where(spills, ceil_div(np.maximum(passes * tracked - active_lines, 0), prefetch_lines), 0)
    dram_words = np.where(spills, np.minimum(passes * valid, sram.active + misses * sram.prefetch), valid)

    def demand_time(j: Num) -> Num:
        return schedule.time((active_lines + (j - 1) * prefetch_lines) * per_line)

    bend = (schedule.head_items // per_line - active_lines) // prefetch_lines + 1
    stall = 0
    for j in _candidates(1, np.maximum(misses, 1), bend):
        stall = np.maximum(stall, j * sram.fetch_cycles - demand_time(j) - 1)
    return StreamCost(dram_words, np.where(spills, stall, 0))


def write_stream(writes: Num, sram: WriteSram, schedule: Schedule) -> StreamCost:
    """Drain stalls of the ofmap SRAM writing ``writes`` words on ``schedule``.

    Drain ``k`` starts when more than half the SRAM is occupied and the previous
    drain is done; the array stalls at word ``k * half + S`` until drain ``k`` ends.
    Drain ``k`` ends at the latest of (drain 1's start + ``k`` drains) and
    (its own trigger + one drain); the worst stall sits at a candidate drain.
    """
    half, words, drain_cycles = sram.half, sram.words, sram.drain_cycles
    half_or_one = np.maximum(half, 1)
    drains = np.maximum(writes - words, 0) // half_or_one
    first_drain = schedule.time(half + 1)

    def stall_at(k: Num) -> Num:
        back_to_back = first_drain + k * drain_cycles
        isolated = schedule.time(k * half + 1) + drain_cycles
        return np.maximum(back_to_back, isolated) - schedule.time(k * half + words)

    bend = (schedule.head_items - words) // half_or_one
    stall = 0
    for k in _candidates(1, np.maximum(drains, 1), bend):
        stall = np.maximum(stall, stall_at(k))
    return StreamCost(writes, np.where(drains > 0, stall, 0))
