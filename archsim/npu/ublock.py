"""The output micro-block an NPU operation runs on (the outputs the MAC array produces per step)."""

from __future__ import annotations

import math

from archsim.config.npu import NpuConfig
from archsim.npu.ops import Geometry, NpuKind


def micro_block(geometry: Geometry, config: NpuConfig) -> tuple[int, int, int]:
    """Output micro-block; 2-high arrays run 1-high outputs with 1-high kernels as 1x4.

    Where the array offers a choice of micro-blocks of the same outputs (``ublock_options``, U85),
    a MAC operation takes the one that pads its output least, the earlier one on a tie, as
    Vela's U85 micro-block search does (1x4x16 for the 7x7 outputs of U85-512, 2x2x16 for 14x14).

    Where the array offers a deeper micro-block for ops whose outputs each read
    one input channel (``equal_depth_ublock_c``, U85), depthwise and pooling use
    it with the same outputs per step (1x2x16 instead of 2x2x8).
    """
    if config.equal_depth_ublock_c and geometry.kind.equal_depth and geometry.kind.uses_macs:
        return equal_depth_micro_block(config)
    if (
        config.ublock_h == 2
        and geometry.kind in (NpuKind.CONV, NpuKind.VECTOR_PRODUCT)
        and geometry.ofm[0] == 1
        and geometry.ofm[1] % 2 == 0
        and geometry.kernel[0] == 1
    ):
        return 1, 4, config.ublock_c
    if not config.ublock_options or not geometry.kind.uses_macs:
        return config.ublock_h, config.ublock_w, config.ublock_c
    return least_padded(geometry, config.ublock_options)


def equal_depth_micro_block(config: NpuConfig) -> tuple[int, int, int]:
    """The deeper micro-block of ``equal_depth_ublock_c`` channels, with the default one's outputs (1x2x16)."""
    depth = config.equal_depth_ublock_c
    positions = config.ublock_outputs // depth
    width = min(config.ublock_w, positions)
    return positions // width, width, depth


def least_padded(geometry: Geometry, options: tuple[tuple[int, int, int], ...]) -> tuple[int, int, int]:
    """The micro-block of ``options`` that pads the output least; the earlier one on a tie (min keeps the first)."""

    def padded(shape: tuple[int, int, int]) -> int:
        return math.prod(-(-geometry.ofm[i] // shape[i]) * shape[i] for i in range(3))

    return min(options, key=padded)
