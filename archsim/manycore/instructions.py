"""Instructions per element of PyTorch's CUDA vector kernels: the arithmetic floor of a vector op.

Each row-wise or element-wise kernel runs its passes over every element; each pass issues, per
element, instructions of four throughput classes (the CUDA C Programming Guide's table of
arithmetic-instruction throughput, compute capability 8.0, per clock per SM, quoted from memory):
FP32 add/mul/fma and the integer multiply-add ``IMAD``, which shares their FMA pipe (64: ``fp32``;
the pipe assignment from NVIDIA's developer forum), compare/min/max, other integer, logic and data
movement (64: ``alu``), special functions (reciprocal, rsqrt, exp2, log2, sin, cos: 16) and other
type conversions (16: ``sfu``), and every instruction takes one issue slot (four warp schedulers of
one warp instruction per clock: 128 per SM). A kernel is never faster than any of them:
:func:`arithmetic_cycles`.

The counts are the SASS of ``vector_kernels.cu`` (the kernels' per-element loops written anew with
PyTorch's structure) as nvcc 13.0 compiles it for sm_80 at -O3, counted by
``python -m archsim.manycore.sass_counts``. They are estimates of what PyTorch's build executes:
another nvcc version schedules and hoists differently, the per-row block reductions and loop setup
are not counted, and the 32-bit float-to-fp16 pack (``F2FP``) is classed as ``alu`` (the guide
does not list it). RMSNorm is counted as a layer norm (the IR has one normalisation op).
"""

from __future__ import annotations

from dataclasses import dataclass

from archsim.config.manycore import ManyCoreConfig
from workloads.ops import Activation, VectorFn, VectorOp


@dataclass(frozen=True)
class PassCount:
    """One pass of a kernel: instructions per element by throughput class, and all it issues."""

    fp32: float
    """FMA-pipe instructions: FP32 add, mul, fma and IMAD."""
    alu: float
    """Compare/min/max/select, other integer, logic and data movement."""
    sfu: float
    """Special functions (MUFU) and type conversions."""
    issued: float
    """Every instruction, the three classes above included."""

    def __add__(self, other: PassCount) -> PassCount:
        """Two passes over the same elements."""
        return PassCount(self.fp32 + other.fp32, self.alu + other.alu, self.sfu + other.sfu, self.issued + other.issued)


SOFTMAX_MAX = PassCount(fp32=0.25, alu=1.25, sfu=0.0, issued=2.75)
"""fp16->fp32 (HADD2.F32), FMNMX; 1/8 of a 16-byte load and of the loop's index arithmetic."""
SOFTMAX_SUM = PassCount(fp32=7.125, alu=1.5, sfu=1.0, issued=11.0)
"""Convert, subtract the max, expf (FFMA.SAT, FFMA.RM, FADD, 2 FFMA, SHF, MUFU.EX2), its last multiply fused
with the accumulation (FFMA)."""
SOFTMAX_OUT = PassCount(fp32=12.625, alu=4.375, sfu=2.0, issued=24.75)
"""Convert, subtract, expf, the IEEE division by the sum (MUFU.RCP, 5 FFMA, FCHK: not hoisted), pack, store."""
LAYERNORM_STATS = PassCount(fp32=8.5, alu=3.5, sfu=1.0, issued=18.5)
"""Welford: convert, delta, count + 1, its IEEE reciprocal (MUFU.RCP + refinement + range check), 2 FFMA."""
LAYERNORM_OUT = PassCount(fp32=4.0, alu=1.25, sfu=0.0, issued=9.75)
"""Convert x, gamma, beta; subtract the mean, times rstd, FFMA by gamma plus beta; pack, store."""
GELU = PassCount(fp32=14.25, alu=13.25, sfu=1.0, issued=31.0)
"""x * 0.5 * (1 + erff(x / sqrt 2)): erff is branch-free, two polynomials chosen by FSEL, one MUFU.EX2."""
SILU = PassCount(fp32=13.25, alu=3.25, sfu=2.0, issued=24.0)
"""x / (1 + expf(-x)): expf and an IEEE division (MUFU.EX2, MUFU.RCP)."""
BINARY = PassCount(fp32=2.0, alu=1.0, sfu=0.0, issued=6.25)
"""add (a + alpha * b: one FFMA) or mul: two converts, one FP32 op, pack, two loads and a store per 4."""

VECTOR_PASSES: dict[VectorFn | Activation, tuple[PassCount, ...]] = {
    VectorFn.SOFTMAX: (SOFTMAX_MAX, SOFTMAX_SUM, SOFTMAX_OUT),
    VectorFn.LAYERNORM: (LAYERNORM_STATS, LAYERNORM_OUT),
    Activation.GELU: (GELU,),
    Activation.SWISH: (SILU,),
    VectorFn.ADD: (BINARY,),
    VectorFn.MUL: (BINARY,),
}
"""The passes each kind of vector op runs over its output elements (``vector_kernels.cu``)."""


def kernel_passes(op: VectorOp) -> tuple[PassCount, ...]:
    """The counted passes of ``op``'s kernels (a gated SiLU-and-multiply runs both), or none if not counted."""
    if op.fn is VectorFn.ACTIVATION:
        return VECTOR_PASSES.get(op.activation, ()) if op.activation else ()
    passes = VECTOR_PASSES.get(op.fn, ())
    if op.fn is VectorFn.MUL and op.activation is not None:
        passes = VECTOR_PASSES.get(op.activation, ()) + passes
    return passes


def arithmetic_cycles(op: VectorOp, config: ManyCoreConfig) -> float:
    """Cycles of ``op``'s counted instructions spread over every core: the slowest class or the issue rate."""
    passes = kernel_passes(op)
    if not passes:
        return 0.0
    total = passes[0]
    for count in passes[1:]:
        total = total + count
    per_element = max(
        total.fp32 / config.vector_lanes_per_core,
        total.alu / config.vector_lanes_per_core,
        total.sfu / config.sfu_lanes_per_core,
        total.issued / config.issue_per_core,
    )
    return op.output_elements * per_element / config.cores


__all__ = ["VECTOR_PASSES", "PassCount", "arithmetic_cycles", "kernel_passes"]
