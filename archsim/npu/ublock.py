"""The output micro-block an NPU operation runs on (the outputs the MAC array produces per step)."""

from __future__ import annotations

import math

from archsim.config.npu import NpuConfig
from archsim.npu.ops import Geometry, NpuKind, round_up


def micro_block(geometry: Geometry, config: NpuConfig) -> tuple[int, int, int]:
    """Output micro-block; 2-high arrays run 1-high outputs with 1-high kernels as 1x4.

    Where the array offers a choice of micro-blocks of the same outputs (``ublock_options``, U85),
    a MAC operation takes the one that pads its output least, the earlier one on a tie, as
    Vela's U85 micro-block search does (1x4x16 for the 7x7 outputs of U85-512, 2x2x16 for 14x14).

    Where the array offers a deeper micro-block for ops whose outputs each read
    one input channel (``equal_depth_ublock_c``, U85), depthwise and pooling use
    it with the same outputs per step (1x2x16 instead of 2x2x8). With
    ``wide_inputs_swap_deep_ublock`` (U85-128/256) 16-bit inputs swap its roles, as
    regor's micro-block table: depthwise and pooling run on the others, and a 1x1
    depth-first convolution or FC may take it (on a tie, the one regor's table lists first).
    """
    wide = config.wide_inputs_swap_deep_ublock and geometry.ifm_bits == 16
    if config.equal_depth_ublock_c and runs_on_equal_depth_ublock(geometry, config) and not wide:
        return equal_depth_micro_block(config)
    if wide and depth_first_1x1(geometry, config):
        deep = (equal_depth_micro_block(config),)
        ordered = deep + config.ublock_options if config.deep_ublock_first else config.ublock_options + deep
        return least_padded(geometry, ordered)
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


def runs_on_equal_depth_ublock(geometry: Geometry, config: NpuConfig) -> bool:
    """True for depthwise and pooling, and for a reduce-sum where ``reduce_sum_on_equal_depth_ublock`` says so."""
    if geometry.kind is NpuKind.REDUCE_SUM:
        return config.reduce_sum_on_equal_depth_ublock
    return geometry.kind.equal_depth and geometry.kind.uses_macs


def equal_depth_micro_block(config: NpuConfig) -> tuple[int, int, int]:
    """The micro-block of ``equal_depth_ublock_c`` channels with the default one's outputs, as wide as the
    widest micro-block (1x2x16 on U85-256, 2x4x16 on U85-1024, 4x4x16 on U85-2048)."""
    depth = config.equal_depth_ublock_c
    positions = config.ublock_outputs // depth
    widest = max(option[1] for option in ((config.ublock_h, config.ublock_w, config.ublock_c), *config.ublock_options))
    width = min(widest, positions)
    return positions // width, width, depth


def least_padded(geometry: Geometry, options: tuple[tuple[int, int, int], ...]) -> tuple[int, int, int]:
    """The micro-block of ``options`` that pads the output least; the earlier one on a tie (min keeps the first)."""

    def padded(shape: tuple[int, int, int]) -> int:
        return math.prod(-(-geometry.ofm[i] // shape[i]) * shape[i] for i in range(3))

    return min(options, key=padded)


def on_deep_ublock(geometry: Geometry, config: NpuConfig) -> bool:
    """True for a convolution or FC of 16-bit inputs that runs on the deep micro-block (U85-128/256)."""
    if not (config.wide_inputs_swap_deep_ublock and geometry.ifm_bits == 16 and depth_first_1x1(geometry, config)):
        return False
    return micro_block(geometry, config)[2] == config.equal_depth_ublock_c


def depth_first_1x1(geometry: Geometry, config: NpuConfig) -> bool:
    """A 1x1 convolution walked depth first, or an FC."""
    if geometry.kind is NpuKind.VECTOR_PRODUCT:
        return True
    return geometry.kind is NpuKind.CONV and geometry.kernel == (1, 1) and not part_kernel_wins(geometry, config)


def part_kernel_wins(geometry: Geometry, config: NpuConfig) -> bool:
    """True when walking kernel elements in groups keeps more MACs busy than walking input depth.

    Shallow inputs (few channels) leave most of an input slice empty; grouping kernel
    elements over narrower slices fills it. The utilisations compared are Vela 5.2's
    (regor's ``ChooseKernelMethod`` for the U55/U65: 4 elements over 8 channels against
    32-deep slices, 2 over 16 at 16 bits; ``ChooseKernelFirst`` for the U85: elements in
    fives, each group padded to at least 2, over 16 channels against 64-deep slices).
    """
    depth = geometry.ifm[2]
    elements = geometry.kernel_elements
    if config.step_follows_ifm_block:
        grouped = elements // 5 * 5 + max(elements % 5, 2)
        kernel_first = depth / round_up(depth, 16) * elements / grouped
        return kernel_first >= depth / round_up(depth, config.ifm_slice_depth)
    if depth <= 8:
        return True
    slice_depth = 32 if geometry.ifm_bits == 8 else 16
    group = 4 if geometry.ifm_bits == 8 else 2
    depth_util = depth / round_up(depth, slice_depth)
    part_util = depth / round_up(depth, 8) * elements / round_up(elements, group)
    return part_util >= depth_util
