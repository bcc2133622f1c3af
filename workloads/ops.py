"""Frozen operator types of the workload IR: convolution, matmul and vector ops.

Each op knows its MAC count and operand element counts; bytes follow from a
precision. Ops carry no graph edges: a :class:`workloads.graph.Node` binds an op
to the tensors it reads and writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


class Activation(StrEnum):
    """Activation functions that can be fused into a conv or matmul."""

    RELU = "relu"
    RELU6 = "relu6"
    SIGMOID = "sigmoid"
    HARDSWISH = "hardswish"
    SWISH = "swish"
    GELU = "gelu"
    TANH = "tanh"
    LEAKY_RELU = "leaky_relu"
    HARDSIGMOID = "hardsigmoid"


class VectorFn(StrEnum):
    """Functions of the vector/activation unit (no MACs on the main array)."""

    ADD = "add"
    MUL = "mul"
    ACTIVATION = "activation"
    MAXPOOL = "maxpool"
    AVGPOOL = "avgpool"
    GLOBAL_AVGPOOL = "global_avgpool"
    SOFTMAX = "softmax"
    LAYERNORM = "layernorm"
    CONCAT = "concat"
    RESHAPE = "reshape"
    TRANSPOSE = "transpose"
    SLICE = "slice"
    UPSAMPLE = "upsample"
    PAD = "pad"

    @property
    def moves_data_only(self) -> bool:
        """True for ops that only rearrange data (no arithmetic)."""
        return self in (
            VectorFn.CONCAT,
            VectorFn.RESHAPE,
            VectorFn.TRANSPOSE,
            VectorFn.SLICE,
            VectorFn.UPSAMPLE,
            VectorFn.PAD,
        )


def _require_positive(op: str, **fields: int) -> None:
    for field, value in fields.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"op {op!r}: {field} must be a positive integer, got {value!r}")


def _require_non_negative(op: str, **fields: int) -> None:
    for field, value in fields.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"op {op!r}: {field} must be an integer >= 0, got {value!r}")


def _require_nm(op: str, sparsity: tuple[int, int] | None) -> None:
    if sparsity is None:
        return
    ok = isinstance(sparsity, tuple) and len(sparsity) == 2 and all(isinstance(v, int) for v in sparsity)
    if not ok or not 0 < sparsity[0] <= sparsity[1]:
        raise ValueError(f"op {op!r}: weight_sparsity must be (N, M) with 0 < N <= M, got {sparsity!r}")


@dataclass(frozen=True)
class Conv2d:
    """2-D convolution (NCHW semantics), incl. grouped and depthwise.

    ``ceil_mode`` reproduces SCALE-Sim's topology semantics, where the output
    size is ``ceil((H - R + s) / s)`` instead of the usual floor. The output size and
    window are computed once per op (cached properties: an op is immutable, and a
    sweep costs the same op on many designs).
    """

    name: str
    in_channels: int
    out_channels: int
    in_h: int
    in_w: int
    kernel_h: int
    kernel_w: int
    stride_h: int = 1
    stride_w: int = 1
    pad_top: int = 0
    pad_bottom: int = 0
    pad_left: int = 0
    pad_right: int = 0
    dilation_h: int = 1
    dilation_w: int = 1
    groups: int = 1
    batch: int = 1
    ceil_mode: bool = False
    activation: Activation | None = None
    weight_sparsity: tuple[int, int] | None = None
    """Structured N:M weight sparsity along the window (N non-zeros in every M), as SCALE-Sim v3's
    topology column; None is dense. ``macs`` stays the dense count; a model that skips zeros says so."""

    kind = "conv"

    def __post_init__(self) -> None:
        _require_positive(
            self.name,
            in_channels=self.in_channels,
            out_channels=self.out_channels,
            in_h=self.in_h,
            in_w=self.in_w,
            kernel_h=self.kernel_h,
            kernel_w=self.kernel_w,
            stride_h=self.stride_h,
            stride_w=self.stride_w,
            dilation_h=self.dilation_h,
            dilation_w=self.dilation_w,
            groups=self.groups,
            batch=self.batch,
        )
        _require_non_negative(
            self.name,
            pad_top=self.pad_top,
            pad_bottom=self.pad_bottom,
            pad_left=self.pad_left,
            pad_right=self.pad_right,
        )
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"op {self.name!r}: groups={self.groups} must divide in_channels={self.in_channels} "
                f"and out_channels={self.out_channels}"
            )
        if self.eff_kernel_h > self.padded_h or self.eff_kernel_w > self.padded_w:
            raise ValueError(
                f"op {self.name!r}: filter {self.kernel_h}x{self.kernel_w} is larger than its "
                f"input {self.padded_h}x{self.padded_w} (after padding); the filter must fit the input"
            )
        _require_nm(self.name, self.weight_sparsity)

    @property
    def eff_kernel_h(self) -> int:
        """Kernel height including dilation."""
        return self.dilation_h * (self.kernel_h - 1) + 1

    @property
    def eff_kernel_w(self) -> int:
        """Kernel width including dilation."""
        return self.dilation_w * (self.kernel_w - 1) + 1

    @property
    def padded_h(self) -> int:
        """Input height after padding."""
        return self.in_h + self.pad_top + self.pad_bottom

    @property
    def padded_w(self) -> int:
        """Input width after padding."""
        return self.in_w + self.pad_left + self.pad_right

    @cached_property
    def out_h(self) -> int:
        """Output height."""
        span = self.padded_h - self.eff_kernel_h
        if self.ceil_mode:
            return math.ceil(span / self.stride_h) + 1
        return span // self.stride_h + 1

    @cached_property
    def out_w(self) -> int:
        """Output width."""
        span = self.padded_w - self.eff_kernel_w
        if self.ceil_mode:
            return math.ceil(span / self.stride_w) + 1
        return span // self.stride_w + 1

    @property
    def channels_per_group(self) -> int:
        """Input channels seen by one filter."""
        return self.in_channels // self.groups

    @property
    def filters_per_group(self) -> int:
        """Output channels produced by one group."""
        return self.out_channels // self.groups

    @property
    def is_depthwise(self) -> bool:
        """True when every group has one input channel (depthwise conv)."""
        return self.groups > 1 and self.groups == self.in_channels

    @cached_property
    def output_pixels(self) -> int:
        """Output positions per channel, over the batch."""
        return self.batch * self.out_h * self.out_w

    @cached_property
    def window(self) -> int:
        """MACs per output element: kernel area times channels per group."""
        return self.kernel_h * self.kernel_w * self.channels_per_group

    @property
    def macs(self) -> int:
        """Multiply-accumulates."""
        return self.output_pixels * self.out_channels * self.window

    @property
    def input_elements(self) -> int:
        """Elements of the input feature map (unpadded)."""
        return self.batch * self.in_channels * self.in_h * self.in_w

    @property
    def weight_elements(self) -> int:
        """Elements of the filter tensor."""
        return self.out_channels * self.window

    @property
    def output_elements(self) -> int:
        """Elements of the output feature map."""
        return self.output_pixels * self.out_channels

    @property
    def input_shape(self) -> tuple[int, ...]:
        """NCHW input shape."""
        return (self.batch, self.in_channels, self.in_h, self.in_w)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """OIHW weight shape (I = channels per group)."""
        return (self.out_channels, self.channels_per_group, self.kernel_h, self.kernel_w)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """NCHW output shape."""
        return (self.batch, self.out_channels, self.out_h, self.out_w)


@dataclass(frozen=True)
class MatMul:
    """Batched matrix multiply ``out[b, m, n] = sum_k a[b, m, k] * w[b?, k, n]``.

    ``weight_operand`` says whether the right operand is a constant weight shared
    over the batch (Gemm / FC) or a per-batch activation (attention scores).
    """

    name: str
    m: int
    n: int
    k: int
    batch: int = 1
    weight_operand: bool = True
    activation: Activation | None = None
    weight_sparsity: tuple[int, int] | None = None
    """Structured N:M sparsity of the weight along ``k`` (see :class:`Conv2d`); None is dense."""

    kind = "matmul"

    def __post_init__(self) -> None:
        _require_positive(self.name, m=self.m, n=self.n, k=self.k, batch=self.batch)
        _require_nm(self.name, self.weight_sparsity)

    @property
    def macs(self) -> int:
        """Multiply-accumulates."""
        return self.batch * self.m * self.n * self.k

    @property
    def input_elements(self) -> int:
        """Elements of the left operand."""
        return self.batch * self.m * self.k

    @property
    def weight_elements(self) -> int:
        """Elements of the right operand (once if it is a shared weight)."""
        return self.k * self.n * (1 if self.weight_operand else self.batch)

    @property
    def output_elements(self) -> int:
        """Elements of the result."""
        return self.batch * self.m * self.n

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Left operand shape."""
        return (self.batch, self.m, self.k)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """Right operand shape."""
        return (self.k, self.n) if self.weight_operand else (self.batch, self.k, self.n)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Result shape."""
        return (self.batch, self.m, self.n)


@dataclass(frozen=True)
class VectorOp:
    """An op for the vector unit: elementwise, activation, pooling, normalisation, data movement.

    ``ops_per_output`` is the arithmetic per output element (the window of a
    pooling op, about 5 for softmax/layernorm, 1 for elementwise, 0 for pure
    data movement). ``row`` is the length of the rows a row-wise op (softmax,
    layer/RMS normalisation) reduces over, when the builder knows it (0 = not
    known); it changes no count of the op, only how a kernel can stage it. ``window`` and ``stride``
    (height, width) are a pooling op's when its builder knows them (None: a square window of
    ``ops_per_output`` elements, the stride read off the shapes).
    """

    name: str
    fn: VectorFn
    input_elements: int
    output_elements: int
    ops_per_output: int = 1
    num_inputs: int = 1
    activation: Activation | None = None
    row: int = 0
    window: tuple[int, int] | None = None
    stride: tuple[int, int] | None = None

    kind = "vector"

    def __post_init__(self) -> None:
        _require_positive(
            self.name,
            input_elements=self.input_elements,
            output_elements=self.output_elements,
            num_inputs=self.num_inputs,
        )
        _require_non_negative(self.name, ops_per_output=self.ops_per_output, row=self.row)

    @property
    def macs(self) -> int:
        """Vector ops use no MACs of the main array."""
        return 0

    @property
    def vector_ops(self) -> int:
        """Arithmetic operations on the vector unit."""
        return self.output_elements * self.ops_per_output

    @property
    def weight_elements(self) -> int:
        """Vector ops have no weights."""
        return 0


Op = Conv2d | MatMul | VectorOp
"""Any operator of the IR."""
