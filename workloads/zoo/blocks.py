"""Building blocks shared by the MobileNet-style networks of the zoo and the families."""

from __future__ import annotations

from dataclasses import dataclass

from workloads.builder import GraphBuilder
from workloads.ops import Activation
from workloads.precision import Precision


@dataclass(frozen=True)
class SqueezeExcite:
    """Squeeze-and-excitation settings of one block: bottleneck width and the two activations."""

    channels: int
    inner: Activation
    gate: Activation


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of ``divisor``, never more than 10% below ``value``.

    The rounding rule of the MobileNet reference code (TF-slim ``_make_divisible``,
    reused by torchvision and Once-for-All), so scaled widths match theirs.
    """
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def inverted_residual(
    b: GraphBuilder,
    x: str,
    expanded: int,
    out: int,
    kernel: int,
    stride: int,
    activation: Activation,
    prefix: str,
    se: SqueezeExcite | None = None,
    precision: Precision | None = None,
) -> str:
    """MobileNetV2 inverted residual (MBConv): 1x1 expand, kxk depthwise, optional SE, 1x1 project.

    The expansion conv is skipped when ``expanded`` equals the input width (t = 1),
    and the residual add exists when the block keeps both stride 1 and width, as
    in Sandler et al., CVPR 2018, Fig. 4 and the torchvision implementation.
    ``precision`` (default: the workload's) sets the block's weights and outputs.
    """
    in_channels = b.shape(x)[1]
    y = x
    if expanded != in_channels:
        y = b.conv(y, expanded, 1, padding=0, activation=activation, name=f"{prefix}.expand", precision=precision)
    y = b.depthwise(
        y, kernel, stride, (kernel - 1) // 2, activation=activation, name=f"{prefix}.dw", precision=precision
    )
    if se is not None:
        y = b.squeeze_excite(y, se.channels, se.inner, se.gate, prefix=f"{prefix}.se")
    y = b.conv(y, out, 1, padding=0, name=f"{prefix}.project", precision=precision)
    if stride == 1 and in_channels == out:
        y = b.add(y, x, name=f"{prefix}.add")
    return y
