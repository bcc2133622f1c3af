"""A layer as a loop nest: loop dimensions, operand relevancy and the input-index relation.

A convolution is ``O[b][g][k][oy][ox] += W[g][k][c][fy][fx] * I[b][g][c][iy][ix]`` with
``ix = stride * ox + dilation * fx`` (likewise ``iy``); a matmul is
``O[b][d][k] += I[b][d][c] * W[c][k]``. Loops of size 1 are dropped, as ZigZag does.
Loops partially relevant to the input (``OX``/``FX`` for ``IX``) are resolved through the
relation: a tile of ``a`` output columns and ``b`` filter columns touches
``a*b - max(0, b - s/g) * (a - d/g)`` input columns (``g = gcd(s, d)``), clipped to the
real (unpadded) input width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from workloads.ops import Conv2d, MatMul


class Operand(StrEnum):
    """Layer operands: output (partial sums), weights, input activations."""

    O = "O"  # noqa: E741 - the literature's operand names
    W = "W"
    I = "I"  # noqa: E741 - ZigZag's and the literature's name for the input operand


CONV_DIMS = ("B", "K", "G", "OX", "OY", "C", "FX", "FY")
GEMM_DIMS = ("C", "D", "K", "B")


@dataclass(frozen=True)
class PartialRelevance:
    """An input dimension indexed by two loops: ``index = outer_scale * outer + inner_scale * inner``."""

    name: str
    outer: str
    inner: str
    outer_scale: int
    inner_scale: int
    full_size: int
    """Real (unpadded) extent of the input dimension; tiles are clipped to it."""

    def tile(self, outer: int | float, inner: int | float) -> int:
        """Distinct input indices touched by ``outer`` x ``inner`` loop iterations."""
        a, b = int(outer), int(inner)
        g = math.gcd(self.outer_scale, self.inner_scale)
        size = a * b - max(0, b - self.outer_scale // g) * (a - self.inner_scale // g)
        return min(self.full_size, size)


@dataclass(frozen=True)
class LoopNestLayer:
    """One conv/matmul as a loop nest with the relevancy of every loop to every operand."""

    name: str
    kind: str
    """``conv`` or ``gemm``."""
    sizes: dict[str, int]
    """Loop dimension -> size (only sizes > 1)."""
    relevant: dict[Operand, tuple[str, ...]]
    """Loops that index each operand (partially relevant ones excluded)."""
    partial: tuple[PartialRelevance, ...] = ()
    """Input dimensions indexed through two loops (conv ``IX``, ``IY``)."""
    precision: dict[str, float] = field(default_factory=lambda: {"I": 8, "W": 8, "O": 16, "O_final": 8})
    """Bits per element: ``I``, ``W``, ``O`` (partial sums) and ``O_final`` (packed low-bit weights with
    their scales: a fraction, e.g. 4.125 for int4 with an fp16 scale per 128)."""
    operands: tuple[Operand, ...] = (Operand.O, Operand.W, Operand.I)
    """Output first, then the inputs in equation order."""

    @property
    def macs(self) -> int:
        """Multiply-accumulates of the layer."""
        return math.prod(self.sizes.values())

    @property
    def input_operands(self) -> tuple[Operand, ...]:
        """The two input operands."""
        return self.operands[1:]

    def partial_dims(self, operand: Operand) -> tuple[PartialRelevance, ...]:
        """Partially relevant input dimensions of ``operand``."""
        return self.partial if operand is Operand.I else ()

    def partial_loops(self, operand: Operand) -> frozenset[str]:
        """Loops that index ``operand`` only through a partially relevant dimension."""
        return frozenset(d for p in self.partial_dims(operand) for d in (p.outer, p.inner))

    def irrelevant(self, operand: Operand) -> tuple[str, ...]:
        """Loops that do not index ``operand`` at all (reuse loops)."""
        skip = set(self.relevant[operand]) | self.partial_loops(operand)
        return tuple(d for d in self.sizes if d not in skip)

    def operand_elements(self, operand: Operand) -> int:
        """Elements of ``operand`` over the whole layer."""
        n = math.prod(self.sizes.get(d, 1) for d in self.relevant[operand])
        for p in self.partial_dims(operand):
            n *= p.tile(self.sizes.get(p.outer, 1), self.sizes.get(p.inner, 1))
        return n

    def signature(self) -> tuple:
        """Hashable identity of the cost-relevant shape (layers with equal signatures cost the same)."""
        return (
            self.kind,
            tuple(sorted(self.sizes.items())),
            tuple(sorted((k.value, v) for k, v in self.relevant.items())),
            self.partial,
            tuple(sorted(self.precision.items())),
            self.operands,
        )


def _keep(sizes: dict[str, int]) -> dict[str, int]:
    return {d: s for d, s in sizes.items() if s > 1}


def conv_layer(op: Conv2d, act_bits: int = 8, weight_bits: float = 8) -> LoopNestLayer:
    """The loop nest of a (grouped/depthwise) 2-D convolution."""
    sizes = _keep(
        {
            "B": op.batch,
            "K": op.out_channels // op.groups,
            "G": op.groups,
            "OX": op.out_w,
            "OY": op.out_h,
            "C": op.in_channels // op.groups,
            "FX": op.kernel_w,
            "FY": op.kernel_h,
        }
    )
    relevant = {
        Operand.O: tuple(d for d in ("B", "G", "K", "OY", "OX") if d in sizes),
        Operand.W: tuple(d for d in ("G", "K", "C", "FY", "FX") if d in sizes),
        # ZigZag keeps B/G/C relevant to I even at size 1; absent loops never matter.
        Operand.I: ("B", "G", "C"),
    }
    partial = (
        PartialRelevance("IX", "OX", "FX", op.stride_w, op.dilation_w, op.in_w),
        PartialRelevance("IY", "OY", "FY", op.stride_h, op.dilation_h, op.in_h),
    )
    return LoopNestLayer(
        name=op.name,
        kind="conv",
        sizes=sizes,
        relevant=relevant,
        partial=partial,
        precision={"I": act_bits, "W": weight_bits, "O": 2 * act_bits, "O_final": act_bits},
        operands=(Operand.O, Operand.W, Operand.I),
    )


def gemm_layer(op: MatMul, act_bits: int = 8, weight_bits: float = 8) -> LoopNestLayer:
    """The loop nest of a (batched) matmul: ``O[b][d][k] += I[b][d][c] * W[(b)][c][k]``, W (the right operand: weights
    or, batched, a KV cache) at ``weight_bits``."""
    sizes = _keep({"C": op.k, "D": op.m, "K": op.n, "B": op.batch})
    batch = ("B",) if "B" in sizes else ()
    relevant = {
        Operand.O: tuple(d for d in (*batch, "D", "K") if d in sizes),
        Operand.I: tuple(d for d in (*batch, "D", "C") if d in sizes),
        Operand.W: tuple(d for d in (*(() if op.weight_operand else batch), "C", "K") if d in sizes),
    }
    return LoopNestLayer(
        name=op.name,
        kind="gemm",
        sizes=sizes,
        relevant=relevant,
        precision={
            "I": act_bits,
            "W": weight_bits,
            "O": 2 * act_bits,
            "O_final": act_bits,
        },
        operands=(Operand.O, Operand.I, Operand.W),
    )


def layer_of(op: object, act_bits: int = 8, weight_bits: float = 8) -> LoopNestLayer | None:
    """The loop nest of an IR op, or ``None`` for ops the loop-nest model does not cost."""
    if isinstance(op, Conv2d):
        return conv_layer(op, act_bits, weight_bits)
    if isinstance(op, MatMul):
        return gemm_layer(op, act_bits, weight_bits)
    return None
