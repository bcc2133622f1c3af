"""A branchy NAS-style network for exercising the mapper: DARTS cells (Liu et al., ICLR 2019).

Each cell takes the outputs of the two previous cells, preprocesses them with
1x1 convolutions, builds four intermediate nodes (each the sum of two edge ops
on earlier states) and concatenates them. Edge ops follow the published
DARTS-V2 genotype: separable 3x3 conv (depthwise + pointwise), dilated 3x3 conv,
3x3 max pooling, identity. Every third cell is a reduction cell (stride 2).
"""

from __future__ import annotations

from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn

NORMAL: tuple[tuple[str, int], ...] = (
    ("sep_conv_3x3", 0),
    ("sep_conv_3x3", 1),
    ("sep_conv_3x3", 0),
    ("sep_conv_3x3", 1),
    ("sep_conv_3x3", 1),
    ("skip_connect", 0),
    ("skip_connect", 0),
    ("dil_conv_3x3", 2),
)
"""DARTS-V2 normal cell: (op, input state) pairs, two per intermediate node."""

REDUCE: tuple[tuple[str, int], ...] = (
    ("max_pool_3x3", 0),
    ("max_pool_3x3", 1),
    ("skip_connect", 2),
    ("max_pool_3x3", 1),
    ("max_pool_3x3", 0),
    ("skip_connect", 2),
    ("skip_connect", 2),
    ("max_pool_3x3", 1),
)
"""DARTS-V2 reduction cell."""


def _edge(b: GraphBuilder, kind: str, x: str, stride: int, name: str) -> str:
    """One edge op of a cell."""
    channels = b.shape(x)[1]
    if kind == "sep_conv_3x3":
        y = b.depthwise(x, 3, stride, activation=Activation.RELU, name=f"{name}.dw")
        return b.conv(y, channels, 1, name=f"{name}.pw")
    if kind == "dil_conv_3x3":
        y = b.conv(x, channels, 3, stride, groups=channels, dilation=2, activation=Activation.RELU, name=f"{name}.dw")
        return b.conv(y, channels, 1, name=f"{name}.pw")
    if kind == "max_pool_3x3":
        return b.pool(x, VectorFn.MAXPOOL, 3, stride, padding="same", name=f"{name}.pool")
    if stride == 1:
        return x
    return b.conv(x, channels, 1, stride, name=f"{name}.reduce")


def nas_cell_network(cells: int = 5, channels: int = 16, size: int = 32, name: str = "darts_cells") -> Workload:
    """A CIFAR-sized DARTS network of ``cells`` cells (every third a reduction cell), int8."""
    b = GraphBuilder(name, source="DARTS-V2 genotype, Liu et al. ICLR 2019")
    x = b.input((1, 3, size, size))
    stem = b.conv(x, 3 * channels, 3, name="stem")
    prev_prev, prev = stem, stem
    width = channels
    prev_reduced = False
    for c in range(cells):
        reduction = c % 3 == 2
        width = width * 2 if reduction else width
        p = f"cell{c}"
        s0 = b.conv(prev_prev, width, 1, 2 if prev_reduced else 1, activation=Activation.RELU, name=f"{p}.pre0")
        s1 = b.conv(prev, width, 1, activation=Activation.RELU, name=f"{p}.pre1")
        states = [s0, s1]
        genotype = REDUCE if reduction else NORMAL
        for node in range(4):
            parts = []
            for k in range(2):
                kind, source = genotype[2 * node + k]
                stride = 2 if reduction and source < 2 else 1
                parts.append(_edge(b, kind, states[source], stride, f"{p}.n{node}e{k}"))
            states.append(b.add(parts[0], parts[1], name=f"{p}.n{node}"))
        prev_prev, prev = prev, b.concat(states[2:], name=f"{p}.concat")
        prev_reduced = reduction
    pooled = b.global_avgpool(prev, name="gap")
    b.linear(pooled, 10, name="classifier")
    return b.build()
