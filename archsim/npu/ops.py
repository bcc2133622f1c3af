"""What the NPU runs: hardware operations (one or more per workload op) with NHWC geometry.

A workload op is lowered to the NPU's own operation kinds, as the Ethos-U
command stream has them: convolution, depthwise, vector product (fully
connected), pooling, reduce-sum, elementwise and DMA copies. Geometry is
frozen and hashable, so the block search can be cached per shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import numpy as np

BRICK_DEPTH = 16
"""Channels of one brick of the NPU's NHCWB16 feature-map layout."""


Rounded = TypeVar("Rounded", int, "np.ndarray")


def round_up(value: Rounded, step: int) -> Rounded:
    """``value`` (a number or an array of them) rounded up to a multiple of ``step``."""
    return -(-value // step) * step


def encoded_scalar(shape: tuple[int, int, int], bits: int) -> bool:
    """True for a one-value operand of 8 or 16 bits: the command carries it, nothing is read (regor's
    ``SupportsScalar``); a 32-bit one (softmax's shifts) is read from its memory."""
    return shape[0] * shape[1] * shape[2] <= 1 and bits <= 16


def stored_shape(shape: tuple[int, int, int], brick: bool) -> tuple[int, int, int]:
    """A feature map's shape as stored: brick layouts hold whole 16-channel bricks."""
    return (shape[0], shape[1], round_up(shape[2], BRICK_DEPTH)) if brick else shape


class NpuKind(StrEnum):
    """The NPU's hardware operation kinds."""

    CONV = "conv"
    DEPTHWISE = "depthwise"
    VECTOR_PRODUCT = "vector_product"
    POOLING = "pooling"
    REDUCE_SUM = "reduce_sum"
    ELEMENTWISE = "elementwise"
    DMA = "dma"

    @property
    def uses_macs(self) -> bool:
        """True for kinds that run on the MAC array (block-based)."""
        return self in (NpuKind.CONV, NpuKind.DEPTHWISE, NpuKind.VECTOR_PRODUCT, NpuKind.POOLING, NpuKind.REDUCE_SUM)

    @property
    def has_weights(self) -> bool:
        """True for kinds that read a constant weight tensor."""
        return self in (NpuKind.CONV, NpuKind.DEPTHWISE, NpuKind.VECTOR_PRODUCT)

    @property
    def equal_depth(self) -> bool:
        """True when each output channel reads only its own input channel."""
        return self in (NpuKind.DEPTHWISE, NpuKind.POOLING, NpuKind.ELEMENTWISE)


class OutputFn(StrEnum):
    """What the output stage does per element; sets its cycles per element."""

    SCALE = "scale"
    ADD = "add"
    MUL = "mul"
    MAXPOOL = "maxpool"
    LUT = "lut"


@dataclass(frozen=True)
class Geometry:
    """Shapes and types of one NPU operation (everything its cost depends on).

    Feature maps are (height, width, channels); the batch is folded into height.
    ``ifm2`` is the second operand of a binary elementwise op. ``brick_*`` say
    whether a feature map is stored in the NPU's 16-channel brick layout (an
    intermediate tensor) or in plain NHWC (a graph input or output, a constant).
    """

    kind: NpuKind
    ifm: tuple[int, int, int]
    ofm: tuple[int, int, int]
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    ifm_bits: int = 8
    ofm_bits: int = 8
    ifm2: tuple[int, int, int] | None = None
    output_fn: OutputFn = OutputFn.SCALE
    lut_activation: bool = False
    chain_cycles_per_element: float = 0.0
    """Output-stage cycles per element of the elementwise ops chained onto this op (U85): each chained op is
    a further pass of the output stage over every element, as Vela's U85 estimator adds their rates."""
    brick_ifm: bool = False
    brick_ofm: bool = False
    brick_ifm2: bool = False
    copy: bool = False
    """A pass that only moves data (a concatenation's copy: Vela's MemoryCopy on the U85), not an activation."""

    @property
    def ofm_elements(self) -> int:
        """Output elements."""
        return self.ofm[0] * self.ofm[1] * self.ofm[2]

    @property
    def ifm_elements(self) -> int:
        """Elements of the (larger) input."""
        size = self.ifm[0] * self.ifm[1] * self.ifm[2]
        if self.ifm2 is not None:
            size = max(size, self.ifm2[0] * self.ifm2[1] * self.ifm2[2])
        return size

    @property
    def kernel_elements(self) -> int:
        """Kernel height times width."""
        return self.kernel[0] * self.kernel[1]


@dataclass(frozen=True)
class NpuOp:
    """One hardware operation of a lowered workload op.

    ``repeats`` runs the same operation several times (the columns of a matmul
    that the NPU decomposes); ``weight_bytes`` are the encoded constant bytes
    it reads (0 when none); ``macs`` are the useful MACs it performs;
    ``weights_streamed`` marks weights read straight from their memory without
    an SRAM staging copy (each weight is used once, as in a batch-1 FC);
    ``weights_are_activations`` marks a matmul whose second operand is a feature
    map (it lives where activations live). ``dma_bytes`` is what a DMA copy moves;
    ``lut_bytes`` the lookup table the output stage loads from the constants'
    memory before it starts (0 when it uses none); ``chained`` marks an
    elementwise op done by its producer's output stage (it only reads its
    other operand); ``copy_of`` is the index of the workload op's input that a
    copy pass moves into its slice of the output (a concatenation runs one such
    pass per input; -1 for every other operation); ``constant_operand`` marks an
    internal elementwise pass whose second operand is a constant (read from the
    weights' memory). ``fast_weights`` marks weights stored in the U85's fast-decode format, read over its own
    channel (:mod:`archsim.npu.u85_weights`). ``written_brick`` is the layout of what the operation writes
    to memory when it differs from its own output's: the output of the ops chained
    onto it (U85; its block transfers keep its own output's layout, as Vela's).
    ``opens_network`` marks the network's first NPU operation (no operation before
    it to copy its weights under); ``copy_slack`` is regor's reference estimate of the
    NPU operation before this one, the cycles a copy of this operation's weights may
    hide under when regor chooses whether to buffer them (unbounded when not known).
    """

    geometry: Geometry
    weight_bytes: int = 0
    scale_channels: int = 0
    fast_weights: bool = False
    macs: int = 0
    repeats: int = 1
    weights_streamed: bool = False
    weights_are_activations: bool = False
    dma_bytes: int = 0
    lut_bytes: int = 0
    chained: bool = False
    copy_of: int = -1
    constant_operand: bool = False
    written_brick: bool | None = None
    opens_network: bool = False
    copy_slack: float = math.inf
