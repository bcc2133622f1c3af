"""EfficientNet-B0 of Tan and Le, ICML 2019 (Table 1), as torchvision's ``efficientnet_b0``.

MBConv blocks with swish (SiLU) activations and squeeze-and-excitation whose
bottleneck is a quarter of the block's input width; batch 1, 224x224.
"""

from __future__ import annotations

from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation
from workloads.zoo.blocks import SqueezeExcite, inverted_residual

_B0_STAGES: tuple[tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
"""(expansion, kernel, first stride, output channels, repeats) per stage, Table 1."""


def efficientnet_b0() -> Workload:
    """EfficientNet-B0: 3x3/2 stem, 16 MBConv blocks, 1x1 1280 head, pool, FC."""
    swish = Activation.SWISH
    b = GraphBuilder("efficientnet_b0", source="Tan & Le, ICML 2019 (Table 1); torchvision efficientnet_b0")
    x = b.input((1, 3, 224, 224))
    x = b.conv(x, 32, 3, stride=2, padding=1, activation=swish, name="stem")
    for stage, (t, kernel, first_stride, out, repeats) in enumerate(_B0_STAGES, start=1):
        for index in range(repeats):
            in_channels = b.shape(x)[1]
            se = SqueezeExcite(max(1, in_channels // 4), swish, Activation.SIGMOID)
            stride = first_stride if index == 0 else 1
            x = inverted_residual(b, x, in_channels * t, out, kernel, stride, swish, f"stage{stage}.{index}", se)
    x = b.conv(x, 1280, 1, padding=0, activation=swish, name="head")
    x = b.global_avgpool(x, name="avgpool")
    x = b.linear(x, 1000, name="classifier")
    b.softmax(x, name="prob")
    return b.build()
