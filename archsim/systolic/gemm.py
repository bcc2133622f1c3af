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

    @property
    def macs(self) -> int:
        """Useful multiply-accumulates of the whole job."""
        return self.repeats * self.groups * self.m * self.n * self.k


def gemm_dims(op: Conv2d | MatMul) -> tuple[int, int, int, int, int]:
    """``(m, n, k, groups, repeats)`` of the GEMM job of a convolution or matmul (plain ints: the scalar path)."""
    if isinstance(op, Conv2d):
        return op.output_pixels, op.filters_per_group, op.window, op.groups, 1
    if op.weight_operand:
        return op.batch * op.m, op.n, op.k, 1, 1
    return op.m, op.n, op.k, 1, op.batch


def gemm_job(op: Conv2d | MatMul) -> GemmJob:
    """The GEMM job of a convolution or matmul."""
    return GemmJob(*gemm_dims(op))
