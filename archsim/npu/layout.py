"""Feature-map shapes and layouts as Vela 5.2 sets them: shallow elementwise passes reshaped deeper, the rest.

regor (``scheduler_packing.cpp``, read in Vela 5.2's source; no code copied) reshapes an elementwise-class pass (a
binary add/mul without broadcast, a unary activation) whose output has fewer than 8 channels and more than 16
elements into H x W x D, D the product of the element count's smallest prime factors that first reaches 16 and
the rest split between height and width. A convolution's (or strided pooling's) fused activation so reshaped no
longer fits its output stage and runs as a pass of its own (``CanPack``). A feature map keeps the 16-channel brick
layout only when every reader sees the width and depth its writer wrote (``scheduler.cpp``); otherwise it is NHWC.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable

from archsim.integers import prime_factors
from workloads.graph import Node, TensorKind, Workload
from workloads.ops import Conv2d, VectorFn, VectorOp

Shape3 = tuple[int, int, int]

SHALLOW_DEPTH = 8
"""Output depth below which an elementwise pass is reshaped."""
MIN_RESHAPED_ELEMENTS = 16
"""Output elements an elementwise pass needs (more than this) to be reshaped."""
DEEPENED_DEPTH = 16
"""Depth the reshape builds up to from the element count's prime factors."""

_ELEMENTWISE_CLASS = (VectorFn.ADD, VectorFn.MUL, VectorFn.ACTIVATION)


def hwc(shape: tuple[int, ...]) -> Shape3:
    """A tensor shape as (height, width, channels): NCHW images, (batch, tokens, features) sequences."""
    if len(shape) == 4:
        n, c, h, w = shape
        return n * h, w, c
    if len(shape) == 3:
        return shape[0], shape[1], shape[2]
    if len(shape) == 2:
        return 1, shape[0], shape[1]
    return 1, 1, math.prod(shape)


def deepened(shape: Shape3) -> Shape3:
    """``shape``'s elements as H x W x D with D the first product of ascending prime factors >= 16, H >= W."""
    factors = prime_factors(math.prod(shape))
    depth, index = 1, 0
    while index < len(factors) and depth < DEEPENED_DEPTH:
        depth *= factors[index]
        index += 1
    height = width = 1
    for factor in factors[index:]:
        if width < height:
            width *= factor
        else:
            height *= factor
    return max(height, width), min(height, width), depth


_MEMOS: dict[int, tuple[weakref.ref, dict[tuple[str, str], bool]]] = {}
"""Per live workload, the answers already worked out (a workload is lowered many times per simulation)."""


def _memoised(workload: Workload, rule: Callable[[Workload, str], bool], name: str) -> bool:
    """``rule(workload, name)``, worked out once per live workload."""
    key = id(workload)
    entry = _MEMOS.get(key)
    if entry is None or entry[0]() is not workload:
        entry = (weakref.ref(workload, lambda _, key=key: _MEMOS.pop(key, None)), {})
        _MEMOS[key] = entry
    answers = entry[1]
    if (rule.__name__, name) not in answers:
        answers[rule.__name__, name] = rule(workload, name)
    return answers[rule.__name__, name]


def _shallow(shape: Shape3) -> bool:
    return math.prod(shape) > MIN_RESHAPED_ELEMENTS and shape[2] < SHALLOW_DEPTH


def reshaped_pass(node: Node, workload: Workload) -> bool:
    """True for an elementwise-class pass Vela runs on :func:`deepened` shapes (no broadcast, a shallow output)."""
    return _memoised(workload, _reshaped_pass, node.name)


def _reshaped_pass(workload: Workload, name: str) -> bool:
    node = workload.node(name)
    op = node.op
    if not isinstance(op, VectorOp) or op.fn not in _ELEMENTWISE_CLASS:
        return False
    shapes = [workload.tensor(name).shape for name in node.inputs[:2]]
    operands = [shape for shape in shapes if math.prod(shape) > 1]
    if len(operands) == 2 and operands[0] != operands[1]:
        return False
    return _shallow(hwc(workload.tensor(node.outputs[0]).shape))


def split_activation(node: Node, workload: Workload) -> bool:
    """True when a convolution's (or a strided pooling's) fused activation runs as its own, reshaped pass."""
    return _memoised(workload, _split_activation, node.name)


def _split_activation(workload: Workload, name: str) -> bool:
    node = workload.node(name)
    op = node.op
    output = hwc(workload.tensor(node.outputs[0]).shape)
    if isinstance(op, Conv2d):
        return op.activation is not None and _shallow(output)
    if isinstance(op, VectorOp) and op.fn in (VectorFn.MAXPOOL, VectorFn.AVGPOOL) and op.activation is not None:
        strided = hwc(workload.tensor(node.inputs[0]).shape)[:2] != output[:2]
        return strided and _shallow(output)
    return False


def written_shape(node: Node, workload: Workload) -> Shape3:
    """The shape ``node``'s last pass writes its output in."""
    shape = hwc(workload.tensor(node.outputs[0]).shape)
    return deepened(shape) if reshaped_pass(node, workload) or split_activation(node, workload) else shape


def read_shape(node: Node, workload: Workload, name: str) -> Shape3:
    """The shape ``node`` reads its input ``name`` in."""
    shape = hwc(workload.tensor(name).shape)
    return deepened(shape) if reshaped_pass(node, workload) and math.prod(shape) > 1 else shape


def _storage_group(workload: Workload, name: str) -> tuple[str, list[str]]:
    """The tensor that holds ``name``'s storage (seen through reshapes) and every reshape of it."""
    root = name
    while (producer := workload.producers.get(root)) and _is_reshape(workload.node(producer)):
        root = workload.node(producer).inputs[0]
    group, frontier = [root], [root]
    while frontier:
        tensor = frontier.pop()
        for consumer in workload.consumers[tensor]:
            node = workload.node(consumer)
            if _is_reshape(node):
                group.append(node.outputs[0])
                frontier.append(node.outputs[0])
    return root, group


def _is_reshape(node: Node) -> bool:
    return isinstance(node.op, VectorOp) and node.op.fn is VectorFn.RESHAPE


def bricked(workload: Workload, name: str) -> bool:
    """True when the intermediate feature map ``name`` is stored in 16-channel bricks (else NHWC)."""
    return _memoised(workload, _bricked, name)


def _bricked(workload: Workload, name: str) -> bool:
    tensor = workload.tensor(name)
    if tensor.kind is not TensorKind.ACTIVATION or not workload.consumers[name]:
        return False
    root, group = _storage_group(workload, name)
    writer = workload.producers.get(root)
    if writer is None:
        return True
    width_depth = written_shape(workload.node(writer), workload)[1:]
    for member in group:
        for consumer in workload.consumers[member]:
            node = workload.node(consumer)
            if not _is_reshape(node) and read_shape(node, workload, member)[1:] != width_depth:
                return False
    return True
