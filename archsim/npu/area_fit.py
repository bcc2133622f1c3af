"""Output blocks of depthwise and pooling ops sized to fill the input and accumulator RAMs (Ethos-U85).

Vela 5.2's Ethos-U85 back end (regor) does not score these ops by fetch. It
takes, per output-block depth (16 at a time), the largest block of the output's
aspect ratio whose accumulators and input block fit their RAMs, tiling the
width evenly, and keeps the depth whose block best covers the output (depths
far from the output's own depth, or wasting part of an input allocation unit,
scored down). It then gives up block rows (else 16 channels, else width) until
the input RAM has room to prefetch one more row of micro-blocks beside the block.
(Vela's newer published source gives up depth in whole allocation units; 5.2
takes 16 channels at a time: 7x8x32, not 5x8x64, for 14x14 -> 7x7 stride 2.)
Read in regor's ``ethos_u85.cpp`` (``AreaFit``, ``FindDepthwiseConfig``) and
checked on Vela 5.2's debug database for every depthwise and pooling op of
MobileNetV1/V2 and ResNet-18 on U85-256 and U85-512; no code copied.
"""

from __future__ import annotations

import math
from functools import lru_cache

from archsim.config.npu import NpuConfig
from archsim.npu.ops import Geometry, NpuKind, round_up

BLOCK_MAX = (128, 128, 1024)
"""Largest output block (height, width, depth) of the U85 (Vela's ``_ofmBlockMax``)."""

ACC_DEPTH_GRANULE = 16
"""Output-block depths come in steps of this (the accumulator RAM's depth granule)."""

CB_SLOTS = 6
"""Slots of the U85's chaining buffer (Vela's U85 table): a broadcast operand's bricks fill one."""

SUB_KERNEL_MAX = 8
"""Largest kernel extent the array runs in one pass (the input block's halo is bounded by it)."""

AU_PER_DEPTH_BITS = ((128, 0), (256, 1))
"""Input allocation unit index by the input block's depth in bits: <= 128 bits, <= 256 bits, else 2."""

AU_SHAPES = {16: (4, 4), 8: (2, 4), 4: (2, 2), 2: (1, 2), 1: (1, 1)}
"""Rows x columns of an input allocation unit of so many positions (Vela's U85 table)."""


def _round_down(value: int, step: int) -> int:
    return value // step * step


def applies(geometry: Geometry, config: NpuConfig) -> bool:
    """True when ``geometry`` takes its block from the area fit: depthwise and pooling on presets with split RAMs.

    A concatenation's copy (Vela's U85 MemoryCopy) keeps the fetch-scored search; an activation's 1x1 pass
    (Vela's average-pool no-op) takes the area fit.
    """
    if not (config.ifm_ram_bytes and config.acc_ram_bytes):
        return False
    if geometry.kind is NpuKind.DEPTHWISE:
        return True
    return geometry.kind is NpuKind.POOLING and not geometry.copy


def alloc_unit(depth: int, bits: int, ublock: tuple[int, int, int], positions: int) -> tuple[int, int, int]:
    """Input allocation unit (height, width, channels) of an input block ``depth`` deep.

    The U85 packs an input block in units of ``positions`` positions of 128 bits of depth, half as many
    of 256 bits, or a quarter of 512 bits (never fewer than one position; U85-128's two positions give
    one of 256 bits at most): the shallowest unit that holds the block's depth. Sixteen positions are
    4x4, eight 2x4, four 2x2 (1x4 for a 1x4 micro-block), two 1x2 (Vela's U85 table, regor
    ``SetupOfmUBlockToIfmAuTable``: 2 positions on U85-128, 4 on U85-256/512, 8 on U85-1024, 16 on
    U85-2048).
    """
    index = next((i for limit, i in AU_PER_DEPTH_BITS if depth * bits <= limit), 2)
    multiple = min(1 << index, positions)
    count = positions // multiple
    shape = AU_SHAPES[count]
    if count == 4 and ublock[:2] == (1, 4):
        shape = (1, 4)
    return shape[0], shape[1], multiple * 128 // bits


def _ifm_block(block: tuple[int, int, int], geometry: Geometry, unit: tuple[int, int, int]) -> tuple[int, int, int]:
    """Input block feeding ``block``: its receptive field in whole allocation units."""
    extents = []
    for axis in (0, 1):
        kernel = min(geometry.dilation[axis] * (geometry.kernel[axis] - 1) + 1, SUB_KERNEL_MAX)
        extents.append(round_up((block[axis] - 1) * geometry.stride[axis] + kernel, unit[axis]))
    return extents[0], extents[1], round_up(block[2], unit[2])


def _even_tile(size: int, granule: int, tile: int) -> int:
    """A tile at most ``tile`` wide (and not much narrower) that leaves the largest last tile over ``size``."""
    if size % tile == 0:
        return tile
    balanced = max(round_up(size // (size // tile + 1), granule), granule)
    best, best_rest = tile, size % tile
    for candidate in range(tile, max(balanced - 2 * granule, (balanced + 1) // 2, granule) - 1, -granule):
        rest = size % candidate or candidate
        if rest > best_rest:
            best, best_rest = candidate, rest
    return best


def _fit_by_aspect(aspect: float, area: int, granule: tuple[int, int]) -> tuple[int, int]:
    """Height and width (whole granules, at least one) of about ``area`` positions at ``aspect`` = h / w."""
    width = math.sqrt(area / aspect)
    height = width * aspect
    if height < 1.0:
        width, height = width * height, 1.0
    elif width < 1.0:
        height, width = height * width, 1.0
    return (
        _round_down(max(int(height), granule[0]), granule[0]),
        _round_down(max(int(width), granule[1]), granule[1]),
    )


def _area_fit(
    geometry: Geometry,
    ublock: tuple[int, int, int],
    out: tuple[int, int, int],
    limit: tuple[int, int, int],
    acc_elements: int,
    ifm_elements: int,
    macs: int,
    positions: int,
) -> tuple[int, int, int]:
    """The block (h, w, d) that best covers the output among the largest fitting block of each depth."""
    granule = (ublock[0], ublock[1])
    ublock_acc = ublock[0] * ublock[1] * ACC_DEPTH_GRANULE
    aspect = out[0] / out[1]
    pointwise = geometry.kernel == (1, 1) and geometry.dilation == (1, 1)
    out_area = out[1] * out[2] if pointwise else out[0] * out[1]
    max_depth = min(max(macs, acc_elements // ublock_acc), limit[2])
    best, best_metric = (granule[0], granule[1], ACC_DEPTH_GRANULE), math.inf
    for depth in range(ACC_DEPTH_GRANULE, max_depth + 1, ACC_DEPTH_GRANULE):
        unit = alloc_unit(depth, geometry.ifm_bits, ublock, positions)
        ifm_volume = math.prod(round_up(geometry.ifm[i], unit[i]) for i in range(3))
        budget, previous, retries, fitted = acc_elements, -1, 25, False
        while True:
            height, width = _fit_by_aspect(aspect, budget // depth, granule)
            height, width = min(height, limit[0]), min(width, limit[1])
            area = height * width
            if width < out[1]:
                width = _even_tile(out[1], granule[1], width)
            height = max(_round_down(area // width, granule[0]), granule[0])
            acc_needed = height * width * depth
            acc_ratio = acc_elements / acc_needed
            ifm_needed = min(math.prod(_ifm_block((height, width, depth), geometry, unit)), ifm_volume)
            ifm_ratio = ifm_elements / ifm_needed
            if acc_ratio >= 1.0 and ifm_ratio >= 1.0:
                used = depth % unit[2] or unit[2]
                waste = 1.0 + (unit[2] - used) / unit[2] / 10
                fit = 1.0 + abs(1.0 - limit[2] / depth) / 10
                coverage = 1.0 + abs(1.0 - out_area / (width * (depth if pointwise else height)))
                metric = coverage * fit * waste
                if metric < best_metric:
                    best, best_metric = (height, width, depth), metric
                    if depth >= out[2] and width >= out[1] and height >= out[0]:
                        return out
                fitted = True
                break
            if acc_needed == previous:
                retries -= 1
                if retries <= 0:
                    ifm_ratio = 0.9  # no progress: force the budget down
            previous = acc_needed
            if ifm_ratio < 1.0 < acc_ratio:
                budget = min(budget, acc_needed)
            shrunk = int(budget // ublock_acc * min(ifm_ratio, acc_ratio)) * ublock_acc
            if shrunk == budget:
                shrunk = budget - ublock_acc
            if shrunk < ublock_acc:
                break
            budget = shrunk
        if not fitted:
            break
    return best


@lru_cache(maxsize=1024)
def area_fit_block(
    geometry: Geometry, config: NpuConfig, ublock: tuple[int, int, int]
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Output block and input block of a depthwise or pooling op on the U85 (cached per shape)."""
    granule = (ublock[0], ublock[1], ACC_DEPTH_GRANULE)
    out = tuple(round_up(geometry.ofm[i], granule[i]) for i in range(3))
    limit = tuple(min(out[i], BLOCK_MAX[i]) for i in range(3))
    wide_acc = geometry.ifm_bits == 16 and geometry.kind is NpuKind.DEPTHWISE
    acc_elements = config.acc_ram_bytes * 8 // (64 if wide_acc else 32)
    ifm_elements = config.ifm_ram_bytes * 8 // geometry.ifm_bits
    height, width, depth = _area_fit(
        geometry, ublock, out, limit, acc_elements, ifm_elements, config.macs_per_cycle, config.ifm_alloc_positions
    )
    # Leave the input RAM room to prefetch one more row of micro-blocks when the op runs several blocks.
    forced = 0
    while True:
        unit = alloc_unit(depth, geometry.ifm_bits, ublock, config.ifm_alloc_positions)
        ifm = _ifm_block((height, width, depth), geometry, unit)
        if width >= out[1] and height >= out[0] and depth >= out[2]:
            break
        row = math.prod(_ifm_block((granule[0], width, depth), geometry, unit))
        if ifm_elements - math.prod(ifm) >= row:
            break
        if (height != out[0] or forced & 2) and height > granule[0]:
            height -= granule[0]
        elif (depth > width or forced & 1) and depth > granule[2]:
            depth -= granule[2]
        elif (width != out[1] or forced & 4) and width > granule[1]:
            width -= granule[1]
        elif forced != 7:
            forced = forced << 1 | 1
        else:
            break
    return (height, width, depth), ifm
