"""Towers: how a network's layers split into independent slices for the engine, read from the network.

Krizhevsky et al.'s AlexNet was trained as two towers, one per GPU: every layer is two
halves, and only conv3 and the fully connected layers read both halves' outputs. In
Caffe's (and archsim's zoo) form the towers survive as ``groups = 2`` on conv2, conv4
and conv5, while conv1 (2 x 48 filters) and conv3 (2 x 192) are merged into one
layer. Zhang et al. (FPGA 2015) cost the network tower by tower (their table lists
conv1 with M = 48 and conv3 with M = 192), and their engine runs one tower after the
other.

This module recovers the towers from the graph instead of a configuration flag:

- a network is a tower network with T towers when a grouped convolution with T groups
  (not depthwise: more than one channel per group) feeds, through ops that keep
  channel positions, another convolution
  with the same T groups: the towers then run as separate chains, as on two GPUs.
  Concat, reshape, transpose and slice move channels and end the chain; other vector
  ops (activations, pooling, padding, elementwise, LRN-style normalisation) do not.
  ResNeXt- and ShuffleNet-style grouped layers feed ungrouped or depthwise layers and
  are not towers; depthwise layers never are.
- in a tower network, a one-group layer whose every consumer is a T-group convolution
  produces T independent output slices; it runs as T towers of M / T filters, each
  reading the whole input (:func:`archsim.fpga.shapes.split_into_towers`).

Splitting never makes a layer faster on this engine (the model prefers one merged
layer for large Tm: on the merged AlexNet the search picks <147, 3>); it is how the
network is defined and how the paper ran it.
"""

from __future__ import annotations

from archsim.fpga.shapes import LayerShape, layer_shape, split_into_towers
from workloads.graph import Node, Workload
from workloads.ops import Conv2d, VectorFn, VectorOp

CHANNEL_MOVING: frozenset[VectorFn] = frozenset({VectorFn.CONCAT, VectorFn.RESHAPE, VectorFn.TRANSPOSE, VectorFn.SLICE})
"""Vector ops that move channels to other positions; every other vector op (activation, pooling,
padding, elementwise, normalisation such as LRN) keeps channel c at position c."""


def _mac_consumers(workload: Workload, node: Node, by_name: dict[str, Node]) -> list[Node]:
    """The MAC nodes reading ``node``'s outputs, looking through channel-preserving vector ops.

    A consumer that rearranges channels (concat, reshape, transpose, ...) ends the
    search and is returned itself, so callers see that the channels do not stay put.
    """
    found: list[Node] = []
    frontier = list(node.outputs)
    seen: set[str] = set()
    while frontier:
        tensor = frontier.pop()
        for name in workload.consumers.get(tensor, ()):
            if name in seen:
                continue
            seen.add(name)
            consumer = by_name[name]
            op = consumer.op
            if isinstance(op, VectorOp) and op.fn not in CHANNEL_MOVING:
                frontier.extend(consumer.outputs)
            else:
                found.append(consumer)
    return found


def _tower_groups(op: object) -> int:
    """Groups of a convolution that can be a tower layer (grouped, not depthwise), else 1."""
    if isinstance(op, Conv2d) and op.groups > 1 and op.channels_per_group > 1 and op.filters_per_group > 1:
        return op.groups
    return 1


def tower_count(workload: Workload) -> int:
    """T of a tower network (a T-group layer feeding another T-group layer), 1 for any other network."""
    by_name = {node.name: node for node in workload.nodes}
    for node in workload.nodes:
        groups = _tower_groups(node.op)
        if groups > 1 and any(_tower_groups(c.op) == groups for c in _mac_consumers(workload, node, by_name)):
            return groups
    return 1


def network_shapes(workload: Workload) -> dict[str, LayerShape | None]:
    """Each node's layer in the template's terms (None for vector ops), one-group layers split into their towers."""
    towers = tower_count(workload)
    by_name = {node.name: node for node in workload.nodes}
    shapes: dict[str, LayerShape | None] = {}
    for node in workload.nodes:
        shape = layer_shape(node.op)
        if shape is not None and towers > 1 and shape.groups == 1:
            consumers = _mac_consumers(workload, node, by_name)
            if consumers and all(_tower_groups(c.op) == towers for c in consumers):
                shape = split_into_towers(shape, towers)
        shapes[node.name] = shape
    return shapes


def mac_shapes(workload: Workload) -> tuple[LayerShape, ...]:
    """The MAC layers of ``workload`` as the search costs them (towers split), in network order."""
    return tuple(shape for shape in network_shapes(workload).values() if shape is not None)
