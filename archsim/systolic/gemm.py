"""Ops as GEMMs for the array: im2col convolutions, matmuls and grouped convolutions.

A convolution becomes SCALE-Sim's im2col GEMM: ``M`` output pixels (over the
batch) x ``K`` window (kernel area x channels per group) x ``N`` filters. A
grouped or depthwise convolution is ``groups`` independent GEMMs of
``N / groups`` filters over ``K / groups`` channels; the model may pack several
of them block-diagonally into one fold (see :mod:`archsim.systolic.layer`).
A MatMul ``(m x k) @ (k x n)`` is SCALE-Sim's GEMM form (ifmap ``M x K``,
``N`` filters of ``1 x K``). A batched MatMul whose right operand is a shared
weight folds the batch into ``M`` (one weight load serves every row); with a
per-batch right operand (attention) the GEMM repeats ``batch`` times.
"""

from __future__ import annotations

from dataclasses import dataclass

from archsim.config.systolic import Dataflow
from archsim.systolic.sparsity import RowWise, compressed_window, condensed_window, rowwise
from workloads.ops import Conv2d, MatMul


@dataclass(slots=True)
class GemmJob:
    """``repeats`` x ``groups`` independent GEMMs of ``m`` pixels, ``n`` filters, window ``k`` each.

    Treat as immutable (not frozen only because one is built per op in hot loops).
    """

    m: int
    n: int
    k: int
    groups: int = 1
    repeats: int = 1
    dense_k: int = 0
    """The window before N:M sparsity condensed it to ``k`` (0: dense, ``k`` itself)."""
    ifmap_reuse: float = 1
    """ifmap SRAM reads per demanded entry (``M / N`` under ws with N:M sparsity, else 1)."""
    rowwise: RowWise | None = None
    """SCALE-Sim's row-wise N:M mapping (``k`` is then the compressed window of array rows)."""

    @property
    def macs(self) -> int:
        """Multiply-accumulates the array executes (non-zero weights only)."""
        if self.rowwise is not None:
            return self.repeats * self.m * self.rowwise.kept
        return self.repeats * self.groups * self.m * self.n * self.k

    @property
    def dense_macs(self) -> int:
        """Multiply-accumulates of the dense op (what SCALE-Sim's utilization counts)."""
        return self.repeats * self.groups * self.m * self.n * (self.dense_k or self.k)


def gemm_dims(op: Conv2d | MatMul) -> tuple[int, int, int, int, int]:
    """``(m, n, k, groups, repeats)`` of the GEMM job of a convolution or matmul (plain ints: the scalar path)."""
    if isinstance(op, Conv2d):
        return op.output_pixels, op.filters_per_group, op.window, op.groups, 1
    if op.weight_operand:
        return op.batch * op.m, op.n, op.k, 1, 1
    return op.m, op.n, op.k, 1, op.batch


def gemm_job(
    op: Conv2d | MatMul, sparse: bool = False, dataflow: Dataflow = Dataflow.OS, rowwise_block: int = 0, seed: int = 0
) -> GemmJob:
    """The GEMM job of a convolution or matmul; ``sparse`` skips the zeros of its N:M ``weight_sparsity``.

    SCALE-Sim v3's layer-wise mapping (:mod:`archsim.systolic.sparsity`): the window condenses to
    the kept weights, and under ws each ifmap entry is read ``M / N`` times. With ``rowwise_block``
    (``M`` of the row-wise mapping, ws) every filter column draws its own ``N`` from ``seed`` and the
    array rows hold the compressed window.
    """
    m, n, k, groups, repeats = gemm_dims(op)
    if sparse and rowwise_block:
        mapping = rowwise(k, n, groups, rowwise_block, seed)
        return GemmJob(m, n, compressed_window(k, rowwise_block), groups, repeats, k, rowwise=mapping)
    if not sparse or op.weight_sparsity is None:
        return GemmJob(m, n, k, groups, repeats)
    keep, block = op.weight_sparsity
    reuse = block / keep if dataflow is Dataflow.WS else 1
    return GemmJob(m, n, condensed_window(k, keep, block), groups, repeats, k, reuse)
