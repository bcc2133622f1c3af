"""VGG-16 (configuration D) of Simonyan and Zisserman, ICLR 2015, Table 1.

Shapes as torchvision's ``vgg16``: 3x3 convs with padding 1 and fused ReLU,
2x2/2 max pools, then three FCs (25088-4096-4096-1000). The adaptive average
pool of torchvision is the identity at 224x224 and is left out.
"""

from __future__ import annotations

from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn

SOURCE = "Simonyan & Zisserman, ICLR 2015 (Table 1, config D); torchvision vgg16"

_STAGES: tuple[tuple[int, int], ...] = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
"""(channels, convs) per stage, each stage ending in a max pool."""


def vgg16() -> Workload:
    """VGG-16, batch 1, 224x224: 13 convs, 5 max pools, 3 FCs, softmax."""
    relu = Activation.RELU
    b = GraphBuilder("vgg16", source=SOURCE)
    x = b.input((1, 3, 224, 224))
    for stage, (channels, convs) in enumerate(_STAGES, start=1):
        for index in range(1, convs + 1):
            x = b.conv(x, channels, 3, padding=1, activation=relu, name=f"conv{stage}_{index}")
        x = b.pool(x, VectorFn.MAXPOOL, 2, 2, name=f"pool{stage}")
    x = b.reshape(x, (1, 512 * 7 * 7), name="flatten")
    x = b.linear(x, 4096, activation=relu, name="fc6")
    x = b.linear(x, 4096, activation=relu, name="fc7")
    x = b.linear(x, 1000, name="fc8")
    b.softmax(x, name="prob")
    return b.build()
