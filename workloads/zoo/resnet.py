"""ResNet-18 and ResNet-50 of He et al., CVPR 2016 (Table 1), as torchvision builds them.

torchvision's ResNet-50 is "v1.5": the stride-2 of a downsampling bottleneck
sits on its 3x3 conv, not its first 1x1 (4.09 GMACs instead of the paper's
3.8 GFLOPs). Batch norm is folded into the convs; ReLU is fused into the convs
and into the residual add that ends each block.
"""

from __future__ import annotations

from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation, VectorFn

SOURCE = "He et al., CVPR 2016 (Table 1); torchvision resnet18/resnet50 (v1.5)"

_WIDTHS = (64, 128, 256, 512)


def _stem(b: GraphBuilder) -> str:
    x = b.input((1, 3, 224, 224))
    x = b.conv(x, 64, 7, stride=2, padding=3, activation=Activation.RELU, name="conv1")
    return b.pool(x, VectorFn.MAXPOOL, 3, 2, padding=1, name="maxpool")


def _head(b: GraphBuilder, x: str) -> None:
    x = b.global_avgpool(x, name="avgpool")
    x = b.linear(x, 1000, name="fc")
    b.softmax(x, name="prob")


def _basic_block(b: GraphBuilder, x: str, width: int, stride: int, prefix: str) -> str:
    relu = Activation.RELU
    shortcut = x
    y = b.conv(x, width, 3, stride=stride, padding=1, activation=relu, name=f"{prefix}.conv1")
    y = b.conv(y, width, 3, padding=1, name=f"{prefix}.conv2")
    if stride != 1 or b.shape(x)[1] != width:
        shortcut = b.conv(x, width, 1, stride=stride, padding=0, name=f"{prefix}.downsample")
    return b.add(y, shortcut, activation=relu, name=f"{prefix}.add")


def _bottleneck(b: GraphBuilder, x: str, width: int, stride: int, prefix: str) -> str:
    relu = Activation.RELU
    out = width * 4
    shortcut = x
    y = b.conv(x, width, 1, padding=0, activation=relu, name=f"{prefix}.conv1")
    y = b.conv(y, width, 3, stride=stride, padding=1, activation=relu, name=f"{prefix}.conv2")
    y = b.conv(y, out, 1, padding=0, name=f"{prefix}.conv3")
    if stride != 1 or b.shape(x)[1] != out:
        shortcut = b.conv(x, out, 1, stride=stride, padding=0, name=f"{prefix}.downsample")
    return b.add(y, shortcut, activation=relu, name=f"{prefix}.add")


def resnet18() -> Workload:
    """ResNet-18, batch 1, 224x224: basic blocks [2, 2, 2, 2]."""
    b = GraphBuilder("resnet18", source=SOURCE)
    x = _stem(b)
    for stage, width in enumerate(_WIDTHS, start=1):
        for index in range(2):
            stride = 2 if stage > 1 and index == 0 else 1
            x = _basic_block(b, x, width, stride, f"layer{stage}.{index}")
    _head(b, x)
    return b.build()


def resnet50() -> Workload:
    """ResNet-50 (v1.5), batch 1, 224x224: bottleneck blocks [3, 4, 6, 3]."""
    b = GraphBuilder("resnet50", source=SOURCE)
    x = _stem(b)
    for stage, (width, blocks) in enumerate(zip(_WIDTHS, (3, 4, 6, 3), strict=True), start=1):
        for index in range(blocks):
            stride = 2 if stage > 1 and index == 0 else 1
            x = _bottleneck(b, x, width, stride, f"layer{stage}.{index}")
    _head(b, x)
    return b.build()
