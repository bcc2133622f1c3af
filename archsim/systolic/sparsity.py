"""SCALE-Sim v3's layer-wise N:M weight sparsity: the condensed window and the sparse filter's storage.

With ``[sparsity] SparsitySupport`` on (and layer-wise mapping), SCALE-Sim keeps
``N`` of every ``M`` weights along the window (the first ``N`` of each block,
``scalesim/compute/operand_matrix.py``), packs each filter column to the
non-zeros and runs the GEMM on the condensed window
``K' = (K // M) * N + min(N, K % M)``. Under ws each ifmap block is shared by
``M / N`` rows, so the ifmap SRAM is read ``M / N`` times as often
(``systolic_compute_ws.py``, "assume absence of any broadcast"). The filter's
storage is reported per representation (``compute/compression.py``): the
original dense words, the compressed words and the metadata words.
"""

from __future__ import annotations

import math

from archsim.config.systolic import SparseRep


def condensed_window(k: int, n: int, m: int) -> int:
    """Non-zero weights per filter column of a ``k``-long window under ``n:m`` sparsity."""
    return (k // m) * n + min(n, k % m)


def filter_storage(rep: SparseRep, k: int, kept: int, filters: int, m: int) -> tuple[int, float, float]:
    """(original, compressed, metadata) words of a ``k x filters`` filter keeping ``kept`` rows per column."""
    original = k * filters
    nonzeros = kept * filters
    if rep is SparseRep.CSR:
        metadata = nonzeros + k + 1
        return original, 2 * nonzeros + k + 1, metadata
    if rep is SparseRep.CSC:
        metadata = nonzeros + filters + 1
        return original, 2 * nonzeros + filters + 1, metadata
    metadata = nonzeros * math.ceil(math.log2(m)) / 32  # log2(M) bits per kept weight, 32-bit words
    return original, nonzeros + metadata, metadata
