"""The fold arithmetic shared by every dataflow (SCALE-Sim v3's, in closed form).

A GEMM mapped onto a ``rows x cols`` array is cut into ``row_fold x col_fold``
folds (``row_fold = ceil(Sr / rows)``, ``col_fold = ceil(Sc / cols)``). Each fold
streams ``T`` operand lines through the array and pays a fixed fill/drain skew
that depends on the dataflow. SCALE-Sim builds one demand line per cycle and
reports the index of the last line as its cycle count, so a run of ``L`` lines
takes ``L - 1`` cycles in its reports; :func:`compute_cycles` keeps that count.
"""

from __future__ import annotations

from dataclasses import dataclass

from archsim.systolic.backend import Num


@dataclass(slots=True)
class Folds:
    """How one GEMM (``Sr x T`` times ``T x Sc``) folds onto the array (treat as immutable: built per op)."""

    sr: Num
    sc: Num
    t: Num
    row_fold: Num
    col_fold: Num
    fold_cycles: Num
    """Demand lines of one fold: ``T`` plus the dataflow's fill/drain skew."""
    cols_per_fold: Num
    """Array columns (the ``Sc`` extent of a full fold)."""
    folds: Num
    """Number of folds: ``row_fold x col_fold``."""
    lines: Num
    """Demand lines (cycles without stalls) of all folds: ``folds x fold_cycles``."""


def fold(sr: Num, sc: Num, t: Num, rows: Num, cols: Num, skew: Num) -> Folds:
    """Fold an ``Sr x Sc`` output tile grid with ``T`` steps; ``skew`` is the per-fold fill/drain."""
    row_fold, col_fold = -(-sr // rows), -(-sc // cols)  # ceil_div inline: once per GEMM, a call costs ~0.1 us
    folds = row_fold * col_fold
    return Folds(sr, sc, t, row_fold, col_fold, t + skew, cols, folds, folds * (t + skew))


def compute_cycles(lines: Num) -> Num:
    """SCALE-Sim's stall-free cycle count of ``lines`` demand lines (the last line's index)."""
    return lines - 1
