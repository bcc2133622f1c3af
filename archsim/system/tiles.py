"""Row tiles of a layer: the geometry shared by the fusion search and the system evaluator.

A tile of a layer is a band of rows of its output (the second-last axis of the
output tensor: H of an NCHW map, tokens of a ``(batch, tokens, features)`` or of
an LLM's ``(tokens, hidden)`` activation). :func:`input_rows_end` says which
input rows a band of output rows needs (the halo of a convolution), and
:func:`cut_layer` builds the op and tensors of a band, so that any family's cost
model prices the tile as it prices a layer.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from workloads.graph import Node, Tensor, TensorKind, Workload
from workloads.ops import Conv2d, MatMul, Op, VectorFn, VectorOp

_ROWWISE_BLOCKERS = (VectorFn.TRANSPOSE, VectorFn.RESHAPE, VectorFn.GLOBAL_AVGPOOL, VectorFn.CONCAT, VectorFn.SLICE)


@dataclass(frozen=True)
class TaskOp:
    """A layer of the workload, whole (``rows`` None) or cut to ``rows`` rows of its output."""

    layer: str
    rows: int | None = None
    channels: int | None = None
    """Output channels of an inter-core slice of the layer (None: all of them)."""

    def __post_init__(self) -> None:
        for name in ("rows", "channels"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value <= 0):
                raise ValueError(f"task op {self.layer!r}: {name} must be a positive integer or None, got {value!r}")


def tensor_rows(shape: tuple[int, ...]) -> int:
    """Rows of a tensor of ``shape``: its second-last axis (a rank-2 ``(tokens, hidden)`` activation, an
    LLM's, has a row per token); a vector is one row."""
    return shape[-2] if len(shape) >= 2 else 1


def output_rows(workload: Workload, node: Node) -> int | None:
    """Rows of ``node``'s output (None when it has no row axis: a vector)."""
    shape = workload.tensor(node.outputs[0]).shape
    return shape[-2] if len(shape) >= 2 else None


def row_tileable(workload: Workload, node: Node) -> bool:
    """True when ``node`` can run one band of output rows at a time from a band of input rows.

    Convolutions, row-wise vector ops and weight matmuls (each token row on its
    own) can; activation x activation matmuls, reshapes, transposes, concats and
    global pooling cannot (an output row needs all input rows, or rows move).
    """
    if output_rows(workload, node) is None:
        return False
    op = node.op
    if isinstance(op, MatMul):
        return op.weight_operand
    if isinstance(op, VectorOp):
        if op.fn in _ROWWISE_BLOCKERS:
            return False
        acts = [t for t in node.inputs if workload.tensor(t).kind is not TensorKind.WEIGHT]
        return all(len(workload.tensor(t).shape) >= 2 for t in acts)
    return isinstance(op, Conv2d)


def input_rows_end(workload: Workload, node: Node, tensor: str, out_end: int) -> int:
    """Exclusive end of the rows of input ``tensor`` that output rows ``[0, out_end)`` of ``node`` need.

    Rows as :func:`tensor_rows` counts them, so that rows x bytes per row never exceeds the tensor.
    """
    in_rows = tensor_rows(workload.tensor(tensor).shape)
    out_rows = output_rows(workload, node) or 1
    if out_end >= out_rows:
        return in_rows
    op = node.op
    if isinstance(op, Conv2d):
        needed = (out_end - 1) * op.stride_h + op.eff_kernel_h - op.pad_top
        return max(0, min(in_rows, needed))
    if in_rows == 1:  # broadcast operand (a squeeze-excite scale): needed whole
        return 1
    return min(in_rows, math.ceil(out_end * in_rows / out_rows))


def _scaled_shape(shape: tuple[int, ...], rows: int) -> tuple[int, ...]:
    return (*shape[:-2], max(1, rows), shape[-1])


def cut_layer(workload: Workload, node: Node, rows: int, name: str) -> tuple[Node, list[Tensor]]:
    """The op and tensors of ``rows`` output rows of ``node`` (a standalone one-op graph named ``name``).

    A convolution's band reads ``(rows - 1) * stride + kernel`` input rows with no
    padding in height (padding rows of the whole layer's edges are not charged
    again per tile); weight matmuls read ``rows`` token rows of every sequence; row-wise vector ops
    scale their elements with the rows. Weights are whole.
    """
    op: Op = node.op
    full_rows = output_rows(workload, node) or 1
    rows = min(rows, full_rows)
    tensors: list[Tensor] = []
    inputs: list[str] = []
    for k, tname in enumerate(node.inputs):
        tensor = workload.tensor(tname)
        fresh = f"{name}:in{k}"
        if tensor.kind is TensorKind.WEIGHT or tensor_rows(tensor.shape) == 1:
            shape = tensor.shape
        elif isinstance(op, Conv2d) and k == 0:
            shape = _scaled_shape(tensor.shape, min(tensor.shape[-2], (rows - 1) * op.stride_h + op.eff_kernel_h))
        else:
            shape = _scaled_shape(tensor.shape, math.ceil(rows * tensor.shape[-2] / full_rows))
        kind = TensorKind.WEIGHT if tensor.kind is TensorKind.WEIGHT else TensorKind.INPUT
        tensors.append(Tensor(fresh, shape, kind, tensor.precision))
        inputs.append(fresh)
    out = workload.tensor(node.outputs[0])
    out_name = f"{name}:out"
    tensors.append(Tensor(out_name, _scaled_shape(out.shape, rows), TensorKind.ACTIVATION, out.precision))
    if isinstance(op, Conv2d):
        in_h = tensors[0].shape[-2]
        span = (rows - 1) * op.stride_h + op.eff_kernel_h
        new_op: Op = dataclasses.replace(op, name=name, in_h=in_h, pad_top=0, pad_bottom=max(0, span - in_h))
    elif isinstance(op, MatMul):  # every leading axis (a batch of sequences) keeps its size: m counts them all
        new_op = dataclasses.replace(op, name=name, m=math.prod(tensors[-1].shape[:-1]))
    elif isinstance(op, VectorOp):
        in_elements = sum(t.numel for t in tensors if t.kind is TensorKind.INPUT)
        new_op = dataclasses.replace(op, name=name, input_elements=in_elements, output_elements=tensors[-1].numel)
    else:  # pragma: no cover - Op is a closed union
        raise TypeError(f"unknown op type {type(op).__name__}")
    return Node(new_op, tuple(inputs), (out_name,)), tensors


def channel_axis(shape: tuple[int, ...]) -> int:
    """The channel axis of an activation: 1 of an NCHW map, the last of a ``(batch, tokens, features)`` one."""
    return 1 if len(shape) == 4 else len(shape) - 1


def output_channels(workload: Workload, node: Node) -> int:
    """Output channels of ``node`` (the size of its output's channel axis)."""
    shape = workload.tensor(node.outputs[0]).shape
    return shape[channel_axis(shape)]


def channel_splittable(node: Node) -> bool:
    """True for layers whose output channels can be computed apart: convolutions and weight matmuls."""
    op = node.op
    return isinstance(op, Conv2d) or (isinstance(op, MatMul) and op.weight_operand)


def slice_channels(node: Node, tensors: list[Tensor], channels: int) -> tuple[Node, list[Tensor]]:
    """A one-op graph (from :func:`cut_layer` or a whole layer) narrowed to ``channels`` output channels.

    Each slice reads its whole input (a grouped or depthwise convolution only
    the channels of its groups, whole groups rounded) and its share of the weights.
    """
    op = node.op
    out = tensors[-1]
    total = out.shape[channel_axis(out.shape)]
    channels = min(channels, total)

    def narrow(tensor: Tensor, axis: int, size: int) -> Tensor:
        shape = list(tensor.shape)
        shape[axis] = size
        return Tensor(tensor.name, tuple(shape), tensor.kind, tensor.precision)

    narrowed = list(tensors)
    narrowed[-1] = narrow(out, channel_axis(out.shape), channels)
    if isinstance(op, Conv2d):
        groups = max(1, round(channels * op.groups / op.out_channels)) if op.groups > 1 else 1
        out_channels = groups * op.filters_per_group if op.groups > 1 else channels
        in_channels = groups * op.channels_per_group if op.groups > 1 else op.in_channels
        narrowed[-1] = narrow(out, channel_axis(out.shape), out_channels)
        for k, tensor in enumerate(tensors[:-1]):
            if tensor.kind is TensorKind.WEIGHT:
                narrowed[k] = narrow(tensor, 0, out_channels)
            elif k == 0 and op.groups > 1:
                narrowed[k] = narrow(tensor, 1, in_channels)
        new_op: Op = dataclasses.replace(op, in_channels=in_channels, out_channels=out_channels, groups=groups)
    elif isinstance(op, MatMul):
        for k, tensor in enumerate(tensors[:-1]):
            if tensor.kind is TensorKind.WEIGHT:
                narrowed[k] = narrow(tensor, len(tensor.shape) - 1, channels)
        new_op = dataclasses.replace(op, n=channels)
    else:
        raise ValueError(f"layer {op.name!r} ({op.kind}) cannot be split by output channels")
    return Node(new_op, node.inputs, node.outputs), narrowed


def tile_bounds(total_rows: int, tile_rows: int) -> list[tuple[int, int]]:
    """Bands ``[start, end)`` of ``tile_rows`` rows covering ``total_rows`` (the last may be shorter)."""
    if tile_rows <= 0:
        raise ValueError(f"tile_rows must be > 0, got {tile_rows}")
    return [(start, min(total_rows, start + tile_rows)) for start in range(0, total_rows, tile_rows)]


__all__ = [
    "TaskOp",
    "channel_axis",
    "channel_splittable",
    "cut_layer",
    "input_rows_end",
    "output_channels",
    "output_rows",
    "row_tileable",
    "slice_channels",
    "tensor_rows",
    "tile_bounds",
]
