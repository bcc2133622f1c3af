"""MobileNetV1, MobileNetV2 and MobileNetV3-Large at width 1.0, batch 1, 224x224.

- V1: Howard et al., arXiv:1704.04861, Table 1 (569M mult-adds in its Table 8).
- V2: Sandler et al., CVPR 2018, Table 2; torchvision ``mobilenet_v2`` (300M).
- V3-Large: Howard et al., ICCV 2019, Table 1; torchvision ``mobilenet_v3_large`` (219M);
  SE widths are ``make_divisible(expanded / 4)`` as torchvision.
Batch norm is folded into the convs; activations are fused where the network applies them.
"""

from __future__ import annotations

from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation
from workloads.zoo.blocks import SqueezeExcite, inverted_residual, make_divisible

_V1_LAYERS: tuple[tuple[int, int], ...] = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
)
"""(pointwise output channels, depthwise stride) of V1's 13 separable layers."""

V2_SETTINGS: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
"""V2's bottleneck stages (expansion t, channels c, repeats n, first stride s), Table 2."""

_V3_LARGE: tuple[tuple[int, int, int, bool, Activation, int], ...] = (
    (3, 16, 16, False, Activation.RELU, 1),
    (3, 64, 24, False, Activation.RELU, 2),
    (3, 72, 24, False, Activation.RELU, 1),
    (5, 72, 40, True, Activation.RELU, 2),
    (5, 120, 40, True, Activation.RELU, 1),
    (5, 120, 40, True, Activation.RELU, 1),
    (3, 240, 80, False, Activation.HARDSWISH, 2),
    (3, 200, 80, False, Activation.HARDSWISH, 1),
    (3, 184, 80, False, Activation.HARDSWISH, 1),
    (3, 184, 80, False, Activation.HARDSWISH, 1),
    (3, 480, 112, True, Activation.HARDSWISH, 1),
    (3, 672, 112, True, Activation.HARDSWISH, 1),
    (5, 672, 160, True, Activation.HARDSWISH, 2),
    (5, 960, 160, True, Activation.HARDSWISH, 1),
    (5, 960, 160, True, Activation.HARDSWISH, 1),
)
"""V3-Large bneck rows (kernel, expanded size, output, SE, nonlinearity, stride), Table 1."""


def _classifier(b: GraphBuilder, x: str) -> None:
    x = b.linear(x, 1000, name="classifier")
    b.softmax(x, name="prob")


def mobilenet_v1() -> Workload:
    """MobileNetV1 1.0-224: a 3x3/2 conv, 13 depthwise-separable layers, average pool, FC."""
    relu = Activation.RELU
    b = GraphBuilder("mobilenet_v1", source="Howard et al., arXiv:1704.04861 (Table 1)")
    x = b.input((1, 3, 224, 224))
    x = b.conv(x, 32, 3, stride=2, padding=1, activation=relu, name="conv1")
    for index, (channels, stride) in enumerate(_V1_LAYERS, start=1):
        x = b.depthwise(x, 3, stride=stride, padding=1, activation=relu, name=f"sep{index}.dw")
        x = b.conv(x, channels, 1, padding=0, activation=relu, name=f"sep{index}.pw")
    x = b.global_avgpool(x, name="avgpool")
    _classifier(b, x)
    return b.build()


def mobilenet_v2() -> Workload:
    """MobileNetV2 1.0-224: 17 inverted-residual blocks between a 3x3/2 stem and a 1x1 1280 head."""
    relu6 = Activation.RELU6
    b = GraphBuilder("mobilenet_v2", source="Sandler et al., CVPR 2018 (Table 2); torchvision mobilenet_v2")
    x = b.input((1, 3, 224, 224))
    x = b.conv(x, 32, 3, stride=2, padding=1, activation=relu6, name="stem")
    for stage, (t, channels, repeats, first_stride) in enumerate(V2_SETTINGS, start=1):
        for index in range(repeats):
            stride = first_stride if index == 0 else 1
            expanded = b.shape(x)[1] * t
            x = inverted_residual(b, x, expanded, channels, 3, stride, relu6, f"stage{stage}.{index}")
    x = b.conv(x, 1280, 1, padding=0, activation=relu6, name="head")
    x = b.global_avgpool(x, name="avgpool")
    _classifier(b, x)
    return b.build()


def mobilenet_v3_large() -> Workload:
    """MobileNetV3-Large 1.0-224: 15 bneck blocks (8 with SE), 1x1 960 conv, pool, 1280 FC, classifier."""
    hswish = Activation.HARDSWISH
    b = GraphBuilder("mobilenet_v3_large", source="Howard et al., ICCV 2019 (Table 1); torchvision mobilenet_v3_large")
    x = b.input((1, 3, 224, 224))
    x = b.conv(x, 16, 3, stride=2, padding=1, activation=hswish, name="stem")
    for index, (kernel, expanded, out, use_se, act, stride) in enumerate(_V3_LARGE, start=1):
        se = SqueezeExcite(make_divisible(expanded / 4), Activation.RELU, Activation.HARDSIGMOID) if use_se else None
        x = inverted_residual(b, x, expanded, out, kernel, stride, act, f"bneck{index}", se)
    x = b.conv(x, 960, 1, padding=0, activation=hswish, name="head")
    x = b.global_avgpool(x, name="avgpool")
    x = b.linear(x, 1280, activation=hswish, name="fc1")
    _classifier(b, x)
    return b.build()
