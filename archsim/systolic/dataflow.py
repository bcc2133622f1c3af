"""Dataflows as small strategies over the shared fold helper.

Each dataflow says how the im2col GEMM (``M`` output pixels x ``K`` window x
``N`` filters) lands on the array (SCALE-Sim's ``Sr, Sc, T``), the per-fold
fill/drain skew, how many words each SRAM serves and how often the demand sweeps
each operand. The formulas are the closed forms of SCALE-Sim v3.0.0's
``systolic_compute_{os,ws,is}.py`` demand matrices.
"""

from __future__ import annotations

from dataclasses import dataclass

from archsim.config.systolic import Dataflow
from archsim.systolic.backend import Num
from archsim.systolic.folds import Folds, fold


@dataclass(slots=True)
class Streams:
    """What a dataflow asks of the three SRAMs for one GEMM, in words (treat as immutable).

    ``*_passes`` is how many times the demand sweeps that operand (once per
    column fold when it is re-read). ``*_padded`` is the size of SCALE-Sim's
    prefetch matrix of that operand, partial folds padded to the array's width
    (its DRAM counts are whole lines of it; used by the quirks mode only).
    """

    ifmap_reads: Num
    filter_reads: Num
    ofmap_writes: Num
    ifmap_passes: Num
    filter_passes: Num
    ifmap_padded: Num
    filter_padded: Num


class DataflowMapping:
    """How one dataflow maps a GEMM; subclasses fill in the two small hooks."""

    dataflow: Dataflow

    def folds(self, m: Num, n: Num, k: Num, rows: Num, cols: Num) -> Folds:
        """Fold a GEMM of ``m`` pixels, ``n`` filters, window ``k`` onto a ``rows x cols`` array:
        SCALE-Sim's ``(Sr, Sc, T)`` and the fill/drain lines added to the ``T`` streaming lines of every fold."""
        raise NotImplementedError

    def streams(self, f: Folds, rows: Num, cols: Num) -> Streams:
        """SRAM traffic and sweep counts of the folded GEMM."""
        raise NotImplementedError


class OutputStationary(DataflowMapping):
    """os: each PE owns one output; rows = output pixels, columns = filters, T = window."""

    dataflow = Dataflow.OS

    def folds(self, m: Num, n: Num, k: Num, rows: Num, cols: Num) -> Folds:
        return fold(m, n, k, rows, cols, rows + cols - 2)  # (Sr, Sc, T) = (M, N, K)

    def streams(self, f: Folds, rows: Num, cols: Num) -> Streams:
        return Streams(
            f.col_fold * f.t * f.sr,  # ifmap_reads
            f.row_fold * f.t * f.sc,  # filter_reads
            f.sr * f.sc,  # ofmap_writes
            f.col_fold,  # ifmap_passes
            1,  # filter_passes
            f.row_fold * f.t * rows,  # ifmap_padded
            f.col_fold * f.t * cols,  # filter_padded
        )


class WeightStationary(DataflowMapping):
    """ws: weights stay; rows = window, columns = filters, T = output pixels streamed."""

    dataflow = Dataflow.WS

    def folds(self, m: Num, n: Num, k: Num, rows: Num, cols: Num) -> Folds:
        return fold(k, n, m, rows, cols, 2 * rows + cols - 2)  # (Sr, Sc, T) = (K, N, M)

    def streams(self, f: Folds, rows: Num, cols: Num) -> Streams:
        return Streams(
            f.col_fold * f.t * f.sr,  # ifmap_reads
            f.sr * f.sc,  # filter_reads
            f.row_fold * f.t * f.sc,  # ofmap_writes
            f.col_fold,  # ifmap_passes
            1,  # filter_passes
            f.row_fold * f.t * rows,  # ifmap_padded
            f.col_fold * f.sr * cols,  # filter_padded
        )


class InputStationary(DataflowMapping):
    """is: input windows stay; rows = window, columns = output pixels, T = filters streamed."""

    dataflow = Dataflow.IS

    def folds(self, m: Num, n: Num, k: Num, rows: Num, cols: Num) -> Folds:
        return fold(k, m, n, rows, cols, 2 * rows + cols - 2)  # (Sr, Sc, T) = (K, M, N)

    def streams(self, f: Folds, rows: Num, cols: Num) -> Streams:
        return Streams(
            f.sr * f.sc,  # ifmap_reads
            f.col_fold * f.t * f.sr,  # filter_reads
            f.row_fold * f.t * f.sc,  # ofmap_writes
            1,  # ifmap_passes
            f.col_fold,  # filter_passes
            f.col_fold * f.sr * cols,  # ifmap_padded
            f.row_fold * f.t * rows,  # filter_padded
        )


DATAFLOWS: dict[Dataflow, DataflowMapping] = {
    Dataflow.OS: OutputStationary(),
    Dataflow.WS: WeightStationary(),
    Dataflow.IS: InputStationary(),
}
"""Dataflow -> its mapping strategy."""
