"""SCALE-Sim v3's N:M weight sparsity: layer-wise and row-wise mappings and the sparse filter's storage.

**Layer-wise** (``[sparsity] SparsitySupport`` on, ``OptimizedMapping`` off): SCALE-Sim
keeps ``N`` of every ``M`` weights along the window (the first ``N`` of each
block, the topology's ``N:M``; ``scalesim/compute/operand_matrix.py``), packs each
filter column to the non-zeros and runs the GEMM on the condensed window
``K' = (K // M) * N + min(N, K % M)``. Under ws each ifmap block is shared by
``M / N`` rows, so the ifmap SRAM is read ``M / N`` times as often
(``systolic_compute_ws.py``, "assume absence of any broadcast").

**Row-wise** (``OptimizedMapping`` on, ws only in SCALE-Sim 3.0.0): every filter
column draws its own ``N`` in ``1..M/2`` (``BlockSize`` is ``M``; numpy's legacy
generator seeded with ``RandomNumberGeneratorSeed`` for every layer, one draw per
column in order) and keeps the first ``N`` of each block of ``M``. Each block is
stored in ``M / 2`` fixed slots, so every ``2M`` window rows fit ``M`` array
rows: the window is compressed to ``Kc = ceil(K / 2M) * M`` rows whatever the
column's ``N`` (empty slots are padding). A fold of ``R`` array rows covers
``2R`` ifmap columns: each array row receives a whole block of ``M`` ifmap
words (the ``M / 2`` rows that share a block each read it; no broadcast).

The filter's storage is reported per representation (``compute/compression.py``):
the original dense words, the compressed words and the metadata words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from archsim.config.systolic import SparseRep
from archsim.systolic.backend import Num


def condensed_window(k: int, n: int, m: int) -> int:
    """Non-zero weights per filter column of a ``k``-long window under ``n:m`` sparsity."""
    return (k // m) * n + min(n, k % m)


def column_keeps(filters: int, block: int, seed: int) -> np.ndarray:
    """Row-wise mapping: each filter column's ``N`` (1..block/2), drawn as SCALE-Sim draws them."""
    return np.random.RandomState(seed).randint(1, block // 2 + 1, size=filters)


def compressed_window(k: int, block: int) -> int:
    """Row-wise mapping: array rows of a ``k``-long window (``2 * block`` rows into ``block`` slots)."""
    return -(-k // (2 * block)) * block


@dataclass(frozen=True)
class RowWise:
    """A GEMM job's row-wise N:M mapping: what the array rows hold against the dense window."""

    block: int
    """``M``: the block size (``[sparsity] BlockSize``)."""
    window: int
    """Dense window ``K`` of one group (the ifmap stream's entries per output pixel)."""
    kept: int
    """Non-zero weights over every filter column of every group (the MACs per output pixel)."""
    fill: float
    """``kept`` over the compressed slots (``Kc x filters``): the share of mapped PEs doing work."""


def rowwise(k: int, filters: int, groups: int, block: int, seed: int) -> RowWise:
    """The row-wise mapping of ``groups`` GEMMs of window ``k`` and ``filters`` columns each."""
    keeps = column_keeps(filters * groups, block, seed)
    kept = int(((k // block) * keeps + np.minimum(keeps, k % block)).sum())
    return RowWise(block, k, kept, kept / (compressed_window(k, block) * filters * groups))


def rowwise_ifmap_sram_reads(
    folds: Num, col_fold: Num, t: Num, rows: Num, window: Num, block: int, quirks: bool
) -> Num:
    """ifmap SRAM words of a row-wise ws GEMM (``window`` ifmap entries per pixel, ``t`` pixels).

    Every entry is read by the ``block / 2`` array rows that share its block, once per column
    fold. SCALE-Sim (``quirks``) counts its whole skewed demand matrix instead: ``t + rows - 1``
    lines of ``rows`` blocks of ``block`` words per fold, empty entries included.
    """
    half = block // 2
    if quirks:
        return folds * (t + rows - 1) * (2 * rows // block) * half * block
    return col_fold * t * window * half


def filter_storage(
    rep: SparseRep, k: int, filters: int, nonzeros: int, stored: int, m: int, copies: int = 1
) -> tuple[float, float, float]:
    """(original, compressed, metadata) words of ``copies`` ``k x filters`` sparse filters.

    ``nonzeros`` is the kept weights of all copies (csr/csc index them); ``stored`` the
    entries of the packed filter matrix, padding slots included (ellpack_block keeps
    ``ceil(log2 m)`` bits of metadata per stored entry, in 32-bit words).
    """
    original = k * filters * copies
    if rep is SparseRep.CSR:
        metadata = nonzeros + (k + 1) * copies
        return original, nonzeros + metadata, metadata
    if rep is SparseRep.CSC:
        metadata = nonzeros + (filters + 1) * copies
        return original, nonzeros + metadata, metadata
    metadata = stored * math.ceil(math.log2(m)) / 32
    return original, stored + metadata, metadata
