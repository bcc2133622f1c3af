"""MAC layers as the loop nest of Zhang et al.'s template: M outputs, N inputs, R x C pixels, K x K window.

A convolution maps directly (``groups`` kept: see :mod:`archsim.fpga.model` for how
groups share the Tm x Tn array). A fully connected layer or GEMM ``(m x k) @ (k x n)``
is a 1x1 convolution with M = n, N = k and R = m rows of one column; a batched
activation x activation matmul makes each batch a group with its own "weights".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from workloads.errors import InputError
from workloads.ops import Conv2d, MatMul, Op


@dataclass(frozen=True)
class LayerShape:
    """One MAC layer in the template's terms.

    ``groups`` independent convolutions of ``group_out`` x ``group_in`` channels;
    ``rows`` x ``cols`` output pixels per image; ``kernel_area`` MACs per output
    and input channel; ``window_h/w`` the input rows/cols one output needs (kernel
    with dilation); ``stride_h/w``; ``padded_h/w`` the input extent tiles are
    clipped to; ``images`` the batch, run one image after another.
    """

    name: str
    kind: str
    groups: int
    group_out: int
    group_in: int
    rows: int
    cols: int
    kernel_area: int
    window_h: int
    window_w: int
    stride_h: int
    stride_w: int
    padded_h: int
    padded_w: int
    images: int
    macs: int

    @property
    def out_channels(self) -> int:
        """M: output channels over all groups."""
        return self.groups * self.group_out

    @property
    def in_channels(self) -> int:
        """N: input channels over all groups."""
        return self.groups * self.group_in


def layer_shape(op: Op) -> LayerShape | None:
    """The template's view of a MAC op (None for vector ops)."""
    return _plain_shape(op)


def split_into_towers(shape: LayerShape, towers: int) -> LayerShape:
    """A one-group layer run as ``towers`` output-channel slices, one tower at a time, each reading the whole input.

    Raises InputError when ``towers`` does not divide the output channels.
    """
    if shape.group_out % towers:
        raise InputError(f"op {shape.name!r}: {towers} towers must divide its {shape.group_out} output channels")
    return replace(shape, groups=towers, group_out=shape.group_out // towers)


def _plain_shape(op: Op) -> LayerShape | None:
    if isinstance(op, Conv2d):
        return LayerShape(
            name=op.name,
            kind=op.kind,
            groups=op.groups,
            group_out=op.filters_per_group,
            group_in=op.channels_per_group,
            rows=op.out_h,
            cols=op.out_w,
            kernel_area=op.kernel_h * op.kernel_w,
            window_h=op.eff_kernel_h,
            window_w=op.eff_kernel_w,
            stride_h=op.stride_h,
            stride_w=op.stride_w,
            padded_h=op.padded_h,
            padded_w=op.padded_w,
            images=op.batch,
            macs=op.macs,
        )
    if isinstance(op, MatMul):
        shared = op.weight_operand
        rows = op.batch * op.m if shared else op.m
        return LayerShape(
            name=op.name,
            kind=op.kind,
            groups=1 if shared else op.batch,
            group_out=op.n,
            group_in=op.k,
            rows=rows,
            cols=1,
            kernel_area=1,
            window_h=1,
            window_w=1,
            stride_h=1,
            stride_w=1,
            padded_h=rows,
            padded_w=1,
            images=1,
            macs=op.macs,
        )
    return None


def _split_sizes(extent: int) -> np.ndarray:
    """Distinct tile sizes ceil(extent / k), k = 1..extent (each a different number of tiles)."""
    return np.unique(np.array([math.ceil(extent / k) for k in range(1, extent + 1)], dtype=np.int64))


def _input_span(size: np.ndarray, stride: int, window: int, padded: int) -> np.ndarray:
    """Input rows (or cols) that ``size`` output rows read: stride*(size-1)+window, clipped."""
    return np.minimum(stride * (size - 1) + window, padded)


@dataclass(frozen=True)
class TileOptions:
    """Every Tr x Tc tiling of one layer (flat arrays, one entry per option).

    ``tiles`` per image; ``out_depth`` = Tr*Tc output words per bank; ``in_depth``
    the input words per bank of a full tile; ``in_area`` the input words per
    channel summed over all tiles of an image (halos counted once per tile).
    """

    tr: np.ndarray
    tc: np.ndarray
    tiles: np.ndarray
    out_depth: np.ndarray
    in_depth: np.ndarray
    in_area: np.ndarray


def tile_options(shape: LayerShape) -> TileOptions:
    """All tilings Tr = ceil(R / a), Tc = ceil(C / b) of a layer."""
    trs = _split_sizes(shape.rows)
    tcs = _split_sizes(shape.cols)
    tr, tc = (a.ravel() for a in np.meshgrid(trs, tcs, indexing="ij"))
    n_r = -(-shape.rows // tr)
    n_c = -(-shape.cols // tc)
    last_r = shape.rows - (n_r - 1) * tr
    last_c = shape.cols - (n_c - 1) * tc
    span_r = _input_span(tr, shape.stride_h, shape.window_h, shape.padded_h)
    span_c = _input_span(tc, shape.stride_w, shape.window_w, shape.padded_w)
    rows_in = (n_r - 1) * span_r + _input_span(last_r, shape.stride_h, shape.window_h, shape.padded_h)
    cols_in = (n_c - 1) * span_c + _input_span(last_c, shape.stride_w, shape.window_w, shape.padded_w)
    return TileOptions(
        tr=tr,
        tc=tc,
        tiles=n_r * n_c,
        out_depth=tr * tc,
        in_depth=span_r * span_c,
        in_area=rows_in * cols_in,
    )
