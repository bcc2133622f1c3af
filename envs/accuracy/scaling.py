"""From a network family's structure to the proxy network that is actually trained.

Kept: per-stage depth, depthwise kernel, expansion ratio, bit-width, the ratios
between stage widths, and the input resolution relative to the family's largest.
Changed: 8x8 one-channel inputs; channel counts divided by ``channel_divisor``
(rounded up, at least ``min_channels``); the stem does not downsample and only the first
``max_downsamples`` stride-2 stages keep their stride (an 8x8 image cannot be
halved five times); the 1x1 head is capped at ``head_cap`` channels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from envs.accuracy.base import Choices
from envs.accuracy.proxy import MAX_SIDE, ProxyNetwork, ProxyStage


@dataclass(frozen=True)
class FamilyProxy:
    """Picklable ``describe`` for :class:`~envs.accuracy.proxy.ProxyTrainer` over a MobileNet-style family.

    The family's ``structure(choices)`` must give an object with ``resolution``,
    ``stem_channels``, ``first_block_channels``, ``head_channels``, ``fixed_bits``
    and ``stages`` (each with ``channels, depth, kernel, expand, stride, bits``),
    as :class:`workloads.families.MobileNetStructure` does.

    Args:
        family: the network family (``knobs``, ``choices``, ``structure``).
        channel_divisor: real channels per proxy channel.
        min_channels: fewest channels of a proxy layer (thinner ones cannot learn digits).
        head_cap: most channels of the proxy's 1x1 head.
        max_downsamples: stride-2 stages kept (8 -> 4 -> 2 pixels for the default 2).
    """

    family: Any
    channel_divisor: int = 8
    min_channels: int = 8
    head_cap: int = 64
    stem_stride: int = 2
    max_downsamples: int = 1

    def __post_init__(self) -> None:
        if min(self.channel_divisor, self.min_channels, self.head_cap) < 1 or self.max_downsamples < 0:
            raise ValueError(
                "FamilyProxy: channel_divisor, min_channels and head_cap must be >= 1 and max_downsamples >= 0, "
                f"got {self.channel_divisor}, {self.min_channels}, {self.head_cap}, {self.max_downsamples}"
            )

    @property
    def full_resolution(self) -> int:
        """The family's largest input resolution: it maps to the full 8x8 digits."""
        options = self.family.knobs.get("resolution")
        if options:
            return int(max(options))
        return int(self.family.structure(self.family.default).resolution)

    def channels(self, real: int) -> int:
        """Proxy channels of a layer with ``real`` channels."""
        return max(self.min_channels, math.ceil(real / self.channel_divisor))

    def input_side(self, resolution: int) -> int:
        """Digits side (pixels) of an input resolution; at least 2."""
        return max(2, min(MAX_SIDE, round(MAX_SIDE * resolution / self.full_resolution)))

    def __call__(self, choices: Choices) -> ProxyNetwork:
        """The proxy of the family's network for ``choices`` (missing knobs take the family default)."""
        structure = self.family.structure(self.family.choices(choices))
        fixed = int(structure.fixed_bits)
        stages = [ProxyStage(self.channels(structure.first_block_channels), 1, 3, 1, 1, fixed)]
        downsamples = 0
        for stage in structure.stages:
            stride = 1
            if stage.stride == 2 and downsamples < self.max_downsamples:
                stride, downsamples = 2, downsamples + 1
            stages.append(
                ProxyStage(
                    self.channels(stage.channels),
                    int(stage.depth),
                    int(stage.kernel),
                    float(stage.expand),
                    stride,
                    int(stage.bits),
                )
            )
        return ProxyNetwork(
            stem_channels=self.channels(structure.stem_channels),
            stages=tuple(stages),
            head_channels=min(self.head_cap, self.channels(structure.head_channels)),
            input_side=self.input_side(int(structure.resolution)),
            bits=fixed,
            stem_stride=self.stem_stride,
        )
