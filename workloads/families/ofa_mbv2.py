"""A MobileNetV2 / Once-for-All-style search space of inverted-residual networks.

The backbone is MobileNetV2's (Sandler et al., CVPR 2018, Table 2): a 3x3/2 stem
of 32 channels, a fixed t=1 block of 16, six searchable stages of base widths
24, 32, 64, 96, 160, 320 (first strides 2, 2, 2, 1, 2, 1), a 1x1 1280 head and
a classifier. Per stage the knobs are those of Once-for-All (Cai et al., ICLR
2020): depth, depthwise kernel 3/5/7, expansion ratio 3/4/6, plus a width
multiplier and a bit-width 4/8/16 (int4/int8/int16 weights and activations of
that stage); the input resolution is global. Depth 1 is allowed so that the
default choice is exactly MobileNetV2 1.0-224 at int8. The stem, first block,
head and classifier stay at 8 bits, as mixed-precision searches usually keep
the first and last layers (e.g. HAQ, Wang et al., CVPR 2019).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workloads.builder import GraphBuilder
from workloads.families.base import Family
from workloads.graph import Workload
from workloads.ops import Activation
from workloads.precision import Precision
from workloads.zoo.blocks import inverted_residual, make_divisible

BITS: dict[int, Precision] = {4: Precision.INT4, 8: Precision.INT8, 16: Precision.INT16}
"""Bit-width knob value -> tensor precision."""

BASE_STAGES: tuple[tuple[int, int], ...] = ((24, 2), (32, 2), (64, 2), (96, 1), (160, 2), (320, 1))
"""(base output channels, first stride) of the six searchable stages."""

_STAGES = range(1, len(BASE_STAGES) + 1)


@dataclass(frozen=True)
class MbStage:
    """One stage of inverted-residual blocks; its first block has ``stride``, the others 1."""

    channels: int
    depth: int
    kernel: int
    expand: int
    stride: int
    bits: int


@dataclass(frozen=True)
class MobileNetStructure:
    """A MobileNetV2-style network, plain enough to build a (reduced) torch model from.

    Change ``resolution``, ``in_channels`` or ``num_classes`` (``dataclasses.replace``)
    for a small training proxy; :meth:`OfaMobileNetV2.build_structure` builds any of them.
    """

    resolution: int
    stages: tuple[MbStage, ...]
    stem_channels: int = 32
    first_block_channels: int = 16
    head_channels: int = 1280
    num_classes: int = 1000
    in_channels: int = 3
    fixed_bits: int = 8
    activation: Activation = Activation.RELU6


class OfaMobileNetV2(Family[MobileNetStructure]):
    """Per-stage width, depth, kernel, expansion and bits, plus input resolution."""

    name = "ofa_mbv2"
    knobs: Mapping[str, tuple[Any, ...]] = {
        "resolution": (128, 144, 160, 176, 192, 208, 224),
        **{f"s{i}_width": (0.5, 0.75, 1.0, 1.25) for i in _STAGES},
        **{f"s{i}_depth": (1, 2, 3, 4) for i in _STAGES},
        **{f"s{i}_kernel": (3, 5, 7) for i in _STAGES},
        **{f"s{i}_expand": (3, 4, 6) for i in _STAGES},
        **{f"s{i}_bits": (4, 8, 16) for i in _STAGES},
    }
    default: Mapping[str, Any] = {
        "resolution": 224,
        **{f"s{i}_width": 1.0 for i in _STAGES},
        **{f"s{i}_depth": d for i, d in zip(_STAGES, (2, 3, 4, 3, 3, 1), strict=True)},
        **{f"s{i}_kernel": 3 for i in _STAGES},
        **{f"s{i}_expand": 6 for i in _STAGES},
        **{f"s{i}_bits": 8 for i in _STAGES},
    }
    groups: Mapping[str, tuple[str, ...]] = {
        knob: tuple(f"s{i}_{knob}" for i in _STAGES) for knob in ("width", "depth", "kernel", "expand", "bits")
    }

    def structure(self, choices: Mapping[str, Any]) -> MobileNetStructure:
        """Stage widths are ``make_divisible(base * width, 8)`` as in the MobileNet reference code."""
        full = self.choices(choices)
        stages = tuple(
            MbStage(
                channels=make_divisible(base * full[f"s{i}_width"]),
                depth=full[f"s{i}_depth"],
                kernel=full[f"s{i}_kernel"],
                expand=full[f"s{i}_expand"],
                stride=stride,
                bits=full[f"s{i}_bits"],
            )
            for i, (base, stride) in zip(_STAGES, BASE_STAGES, strict=True)
        )
        return MobileNetStructure(resolution=full["resolution"], stages=stages)

    def build_structure(self, structure: MobileNetStructure, name: str) -> Workload:
        """Stem, fixed first block, the stages, 1x1 head, average pool, classifier, softmax."""
        act = structure.activation
        fixed = BITS[structure.fixed_bits]
        b = GraphBuilder(name, fixed, source="MobileNetV2 backbone (Sandler et al. 2018), OFA knobs (Cai et al. 2020)")
        size = structure.resolution
        x = b.input((1, structure.in_channels, size, size))
        x = b.conv(x, structure.stem_channels, 3, stride=2, padding=1, activation=act, name="stem")
        x = inverted_residual(b, x, structure.stem_channels, structure.first_block_channels, 3, 1, act, "block0")
        for index, stage in enumerate(structure.stages, start=1):
            for block in range(stage.depth):
                stride = stage.stride if block == 0 else 1
                expanded = b.shape(x)[1] * stage.expand
                prefix = f"stage{index}.{block}"
                x = inverted_residual(
                    b, x, expanded, stage.channels, stage.kernel, stride, act, prefix, precision=BITS[stage.bits]
                )
        x = b.conv(x, structure.head_channels, 1, padding=0, activation=act, name="head")
        x = b.global_avgpool(x, name="avgpool")
        x = b.linear(x, structure.num_classes, name="classifier")
        b.softmax(x, name="prob")
        return b.build()
