"""Choose the output block of an NPU operation: fits the shared buffer, least re-fetch.

The MAC array computes an output block (height x width x channels, a whole
number of micro-blocks) at a time. Its input block (the output block's
receptive field, at most an 8x8 sub-kernel) and its accumulators are double
buffered in the shared buffer, in banks. Every candidate block that fits is
scored by the elements fetched per output element: the input is re-read once
per output-depth block (and the halo overlaps between neighbouring blocks),
the weights once per output block in height x width. The search is one numpy
pass over all candidates, cached per shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from archsim.config.npu import NpuConfig
from archsim.npu import area_fit
from archsim.npu.ops import BRICK_DEPTH, Geometry, NpuKind, round_up
from archsim.npu.ublock import (
    equal_depth_micro_block,
    least_padded,
    micro_block,
    on_deep_ublock,
    part_kernel_wins,
    runs_on_equal_depth_ublock,
)

SUB_KERNEL_MAX = 8
"""Largest kernel height/width the array runs in one pass; larger kernels are split."""

WIDE_IFM_BLOCK_DEPTH = 32
"""Input-block depth of 32-bit inputs where the kernel step follows the input block (U85)."""

DEPTH_SPLIT = 16
"""Output-block depths below the full output depth are multiples of this."""


class Traversal:
    """How a convolution walks its kernel: all input depth per element, or kernel elements in groups."""

    DEPTH_FIRST = "depth_first"
    PART_KERNEL = "part_kernel"
    DEPTHWISE = "depthwise"
    ELEMENTWISE = "elementwise"


@dataclass(frozen=True)
class Block:
    """A chosen output block, the input block that feeds it, and the kernel traversal."""

    ofm: tuple[int, int, int]
    ifm: tuple[int, int, int]
    traversal: str

    def label(self) -> str:
        """``HxWxC`` of the output block."""
        return "x".join(str(v) for v in self.ofm)


def traversal_of(geometry: Geometry, config: NpuConfig) -> str:
    """The traversal the NPU uses for ``geometry``."""
    if geometry.kind is NpuKind.DEPTHWISE:
        return Traversal.DEPTHWISE
    if geometry.kind is NpuKind.ELEMENTWISE:
        return Traversal.ELEMENTWISE
    if geometry.kind is NpuKind.CONV and part_kernel_wins(geometry, config):
        return Traversal.PART_KERNEL
    return Traversal.DEPTH_FIRST


def fixed_ifm_block_depth(geometry: Geometry, traversal: str, config: NpuConfig) -> int:
    """Deepest input block of an op that reduces over input depth (8/32-bit inputs): regor's fixed U85 input block
    depth, whatever the op's input depth (its weight streams are padded to it)."""
    limit = 16 if traversal == Traversal.PART_KERNEL else config.ifm_slice_depth
    if geometry.ifm_bits > 16 and config.step_follows_ifm_block:
        # 32-bit inputs (softmax's sums) in 32-deep blocks, as Vela 5.2 shows for the U85.
        limit = min(limit, WIDE_IFM_BLOCK_DEPTH)
    if on_deep_ublock(geometry, config):
        # regor's U85-128/256: a convolution on the 16-deep micro-block reads 32-deep input blocks.
        limit = min(limit, WIDE_IFM_BLOCK_DEPTH)
    return limit


def ifm_block_depth(geometry: Geometry, traversal: str, config: NpuConfig) -> int:
    """Input channels held per block when the op reduces over input depth.

    16-bit inputs: 16 deep on the U55/U65 (regor's U55 block search), as deep as 8-bit ones on the U85
    (its input blocks are 64 deep whatever the width; regor's ``ArchEthosU85::FindBlockConfig``).
    """
    if geometry.ifm_bits == 16 and not config.step_follows_ifm_block:
        return round_up(min(geometry.ifm[2], 16), 4)
    return round_up(min(geometry.ifm[2], fixed_ifm_block_depth(geometry, traversal, config)), 8)


def _fetch_step(geometry: Geometry, config: NpuConfig) -> int:
    """Channels an input block's DMA fetches come in: 8 (U55/U65), 16 (U85); 4 for 16-bit inputs on the U55/U65,
    whose input blocks regor rounds to 4 channels (the same 8 bytes)."""
    if geometry.ifm_bits == 16 and not config.step_follows_ifm_block:
        return config.ifm_block_depth_step // 2
    return config.ifm_block_depth_step


def ifm_unit(geometry: Geometry, traversal: str, config: NpuConfig) -> tuple[int, int]:
    """Rows and columns an input block comes in: whole micro-blocks, or on the U85 its allocation unit.

    The U85 (separate input RAM) allocates a reducing op's input block in units set by the
    block's depth (:func:`archsim.npu.area_fit.alloc_unit`: one position at 64 deep), so a
    1x1 stride-2 convolution's 2x14 output block reads a 3x27 input block, not 4x28.
    """
    if not (config.ifm_ram_bytes and config.acc_ram_bytes) or geometry.kind.equal_depth:
        return config.ublock_h, config.ublock_w
    depth = fixed_ifm_block_depth(geometry, traversal, config)
    unit = area_fit.alloc_unit(depth, geometry.ifm_bits, micro_block(geometry, config), config.ifm_alloc_positions)
    return unit[0], unit[1]


def ifm_fit_align(geometry: Geometry, traversal: str, config: NpuConfig) -> int:
    """Channels the input buffer stores a reducing op's input block in when testing a block's fit.

    The U85 (separate input RAM) rounds the block's depth, at most the input's, up to its allocation
    unit's depth (16 channels at 8 bits for a 16-deep part-kernel block), regor's
    ``ArchEthosU85::TryBlockConfig``; so a 3-channel input's block takes 16 channels there, not 8.
    """
    if not (config.ifm_ram_bytes and config.acc_ram_bytes) or geometry.kind.equal_depth:
        return 1
    depth = fixed_ifm_block_depth(geometry, traversal, config)
    return area_fit.alloc_unit(depth, geometry.ifm_bits, micro_block(geometry, config), config.ifm_alloc_positions)[2]


def _banks(size_bytes: np.ndarray, config: NpuConfig, granule: int) -> np.ndarray:
    """Banks of a double-buffered area of ``size_bytes``, rounded to the allocation granule."""
    banks = -(-size_bytes // config.bank_bytes) * 2
    return -(-banks // granule) * granule


def _available_banks(config: NpuConfig) -> int:
    """Shared-buffer banks left for input blocks and accumulators."""
    return config.buffer_banks - config.reserved_banks


def _accumulator_bits(ifm_bits: int) -> int:
    """Accumulator width: 40 bits for 16-bit inputs, 32 for 8-bit."""
    return 40 if ifm_bits == 16 else 32


def _ifm_depth_bytes(depth: np.ndarray, ifm_bits: int) -> np.ndarray:
    """Bytes one input position takes in the buffer: its depth's bytes rounded up to 8."""
    return (depth * (ifm_bits // 8) + 7) // 8 * 8


def _input_extent(out: np.ndarray, stride: int, kernel: int, ublock: int) -> np.ndarray:
    """Input rows (or columns) an output extent reads, rounded up to whole micro-blocks."""
    return -(-((out - 1) * stride + kernel) // ublock) * ublock


def _accumulator_bytes(h: np.ndarray, w: np.ndarray, d: np.ndarray, ifm_bits: int, one_row: bool) -> np.ndarray:
    """Accumulator bytes of an output block (depth rounded to 8; one row when the block is a single row)."""
    rows = np.minimum(h, 1) if one_row else h
    return rows * w * ((d + 7) // 8 * 8) * _accumulator_bits(ifm_bits) // 8


@dataclass(frozen=True)
class _Candidates:
    """Output blocks (in search order: depth, height, width) that fit the shared buffer, with their input blocks."""

    d: np.ndarray
    h: np.ndarray
    w: np.ndarray
    ih: np.ndarray
    iw: np.ndarray
    idepth: np.ndarray


def _bounded_grid(
    config: NpuConfig,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    ifm_bits: int,
    fixed_ifm_depth: int,
    buffers: str,
    one_row_acc: bool,
    unit: tuple[int, int],
    ublock: tuple[int, int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blocks (depth, height, width in search order) whose width passes a cheap capacity bound.

    For each depth and height, the input buffer alone (and the accumulators
    alone) bound the width; only blocks under both bounds go to the exact test.
    With split RAMs the bounds hold one block of each, what the single-buffered retry admits.
    """
    uh, uw, uc = ublock
    widths = np.arange(uw, round_up(config.ofm_block_max_w, uw) + 1, uw)
    grid_d, grid_h = np.meshgrid(
        np.arange(uc, round_up(config.ofm_block_max_c, uc) + 1, uc),
        np.arange(uh, round_up(config.ofm_block_max_h, uh) + 1, uh),
        indexing="ij",
    )
    available = _available_banks(config)
    ih = _input_extent(grid_h, stride[0], kernel[0], unit[0])
    depth = np.full_like(grid_d, fixed_ifm_depth) if fixed_ifm_depth else grid_d
    share = available // 2 if buffers == "ifm2" else available
    split = _split_rams(buffers, config)
    ifm_share = config.ifm_ram_bytes if split else (share // 2) * config.bank_bytes
    iw_cap = ifm_share // (ih * _ifm_depth_bytes(depth, ifm_bits))
    w_cap = (iw_cap - kernel[1]) // stride[1] + 1
    if buffers == "acc":
        acc_share = config.acc_ram_bytes if split else (available - config.ifm_bank_granule) // 2 * config.bank_bytes
        per_column = _accumulator_bytes(grid_h, np.ones_like(grid_h), grid_d, ifm_bits, one_row_acc)
        w_cap = np.minimum(w_cap, acc_share // per_column)
    counts = np.clip(w_cap // uw, 0, widths.size).ravel()
    owner = np.repeat(np.arange(counts.size), counts)
    within = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return grid_d.ravel()[owner], grid_h.ravel()[owner], widths[within]


def _split_rams(buffers: str, config: NpuConfig) -> bool:
    """True when a reducing op's blocks are tested against separate input and accumulator RAMs (U85)."""
    return buffers == "acc" and bool(config.ifm_ram_bytes and config.acc_ram_bytes)


def _fits_split_rams(
    out_area: np.ndarray,
    held: np.ndarray,
    depth: np.ndarray,
    in_area: np.ndarray,
    ifm_bits: int,
    config: NpuConfig,
    copies: int,
) -> np.ndarray:
    """Blocks whose ``copies`` input blocks fit the input RAM and as many accumulator blocks the accumulator RAM.

    The U85's test (regor ``ArchEthosU85::TryBlockConfig``): the input block at ``held`` channels,
    the accumulators at the output depth rounded up to 16, 32 bits each (64 for 16-bit inputs); two
    of each, or one when no block fits twice (``FindBlockConfig``'s retry with one block in RAM).
    """
    acc_bits = 64 if ifm_bits == 16 else 32
    ifm_bytes = in_area * held * (ifm_bits // 8) * copies
    acc_bytes = out_area * round_up(depth, area_fit.ACC_DEPTH_GRANULE) * acc_bits // 8 * copies
    return (ifm_bytes <= config.ifm_ram_bytes) & (acc_bytes <= config.acc_ram_bytes)


@lru_cache(maxsize=256)
def fitting_candidates(
    config: NpuConfig,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    ifm_bits: int,
    fixed_ifm_depth: int,
    buffers: str,
    one_row_acc: bool,
    unit: tuple[int, int],
    ublock: tuple[int, int, int],
    ifm_align: int = 1,
) -> _Candidates:
    """Every block up to the largest that fits, for one kernel/stride/precision class (cached).

    ``fixed_ifm_depth`` is the input block depth of reducing ops (0: the input
    block is as deep as the output block); ``buffers`` is ``acc`` (input plus
    accumulators), ``ifm`` (one input) or ``ifm2`` (two inputs, elementwise);
    ``ifm_align`` the channels the input buffer holds the block's depth in.
    """
    d, h, w = _bounded_grid(config, kernel, stride, ifm_bits, fixed_ifm_depth, buffers, one_row_acc, unit, ublock)
    ih = _input_extent(h, stride[0], kernel[0], unit[0])
    iw = _input_extent(w, stride[1], kernel[1], unit[1])
    idepth = np.full_like(d, fixed_ifm_depth) if fixed_ifm_depth else d
    held = round_up(idepth, ifm_align)
    if _split_rams(buffers, config):
        fits = _fits_split_rams(h * w, held, d, ih * iw, ifm_bits, config, 2)
        if not fits.any():
            fits = _fits_split_rams(h * w, held, d, ih * iw, ifm_bits, config, 1)
        return _Candidates(d[fits], h[fits], w[fits], ih[fits], iw[fits], idepth[fits])
    ifm_banks = _banks(ih * iw * _ifm_depth_bytes(held, ifm_bits), config, config.ifm_bank_granule)
    available = _available_banks(config)
    if buffers == "acc":
        acc_bytes = _accumulator_bytes(h, w, d, ifm_bits, one_row_acc)
        granule = (ifm_bits == 16 and config.wide_acc_bank_granule) or config.acc_bank_granule
        fits = ifm_banks + _banks(acc_bytes, config, granule) <= available
    else:
        fits = ifm_banks * (2 if buffers == "ifm2" else 1) <= available
    return _Candidates(d[fits], h[fits], w[fits], ih[fits], iw[fits], idepth[fits])


def _granular_tile(size: int, granule: int, tile: int) -> int:
    """``tile`` if it divides ``size``, else the granule-rounded size of one more, even, tile."""
    if size % tile == 0:
        return tile
    return max(round_up(size // (size // tile + 1), granule), granule)


def _reapportion(value: int, limit: int, avail: int, required: int) -> tuple[int, int]:
    """Grow ``value`` (up to ``limit``) by the whole factor ``avail`` spares over ``required``; both new values."""
    factor = min(avail // required, limit // value)
    return (value * factor, avail // factor) if factor >= 2 else (value, avail)


def _broadcast_axes(geometry: Geometry) -> set[int]:
    """Output axes (0 height, 1 width, 2 depth) along which an operand of a binary op is broadcast."""
    operands = [geometry.ifm] + ([geometry.ifm2] if geometry.ifm2 is not None else [])
    return {axis for shape in operands for axis in range(3) if shape[axis] < geometry.ofm[axis]}


def elementwise_block(geometry: Geometry, config: NpuConfig) -> tuple[int, int, int]:
    """Output block of an elementwise op on the U85: sized to fill its output buffer, not scored by fetch.

    Vela 5.2's U85 back end (regor ``ethos_u85.cpp``, ``FindElementwiseConfig``; read, not copied). On
    the op's least padded micro-block (the deeper one first), in steps of it and of 16 channels: the
    output's height (up to 128 rows, else even tiles); the output buffer, in 16-channel units of the
    input's element size, makes the width; its depth grows by the whole factor (>= 2) by which that
    width holds the output's evenly tiled width, up to the output's depth (at most 1,024), dividing the
    width by it. The width may exceed the output's: the block is not clipped, as Vela prints it. An
    operand broadcast in depth gives the output's depth and, as width, the bricks of one of the
    chaining buffer's slots over the micro-block's height, traded for height by the same rule when only
    depth is broadcast; one broadcast in height trades those bricks for depth from 16 channels. A scalar
    operand, or one broadcast only in width, changes nothing. Checked on Vela 5.2's blocks
    (tests/archsim/npu/test_blocks_elementwise.py).
    """
    options = config.ublock_options or ((config.ublock_h, config.ublock_w, config.ublock_c),)
    if config.equal_depth_ublock_c:
        options = (equal_depth_micro_block(config), *options)
    uh, uw, _ = least_padded(geometry, options)
    granule = (uh, uw, area_fit.ACC_DEPTH_GRANULE)
    out = tuple(round_up(geometry.ofm[axis], granule[axis]) for axis in range(3))
    limit = tuple(min(out[axis], area_fit.BLOCK_MAX[axis]) for axis in range(3))
    element_bytes = geometry.ifm_bits // 8
    output_units = config.ob_ram_bytes // element_bytes // granule[2]
    chain_units = config.cb_ram_bytes // area_fit.CB_SLOTS // (BRICK_DEPTH * element_bytes) // uh

    height = _granular_tile(out[0], uh, limit[0])
    required = max(_granular_tile(out[1], uw, min(output_units, limit[1])), uw)
    depth, width = _reapportion(granule[2], limit[2], output_units, required)
    scalar = _elements(geometry.ifm) == 1 or _elements(geometry.ifm2) == 1
    broadcast = _broadcast_axes(geometry) if geometry.ifm2 is not None and not scalar else set()
    if 2 in broadcast:
        depth, width = _granular_tile(out[2], granule[2], limit[2]), chain_units
        if broadcast == {2}:
            height, width = _reapportion(uh, limit[0], width, required)
    elif 0 in broadcast:
        depth, width = _reapportion(BRICK_DEPTH, limit[2], chain_units, required)
    return round_up(height, uh), max(round_up(width, uw), uw), round_up(depth, granule[2])


def _elements(shape: tuple[int, int, int] | None) -> int:
    """Elements of ``shape`` (0 when there is no such operand)."""
    return shape[0] * shape[1] * shape[2] if shape is not None else 0


def _searched_depths(depth: int, space: int, step: int) -> list[int]:
    """Block depths Vela's search tries: from 16 (or the whole depth) up in micro-block steps, each step that
    stays below the output's depth rounded up to a multiple of 16 (regor's ``FindBlockConfig``)."""
    current = max(step, min(space, DEPTH_SPLIT))
    if current < depth:
        current = round_up(current, DEPTH_SPLIT)
    depths = []
    while current <= space:
        depths.append(current)
        current += step
        if current < depth:
            current = round_up(current, DEPTH_SPLIT)
    return depths


@lru_cache(maxsize=4096)
def choose_block(geometry: Geometry, config: NpuConfig) -> Block:
    """The output block with the least fetch per output element that fits the shared buffer.

    Depthwise and pooling on presets with separate input and accumulator RAMs (U85) take
    the block that fills them instead (:mod:`archsim.npu.area_fit`), as Vela does.
    """
    traversal = traversal_of(geometry, config)
    if geometry.kind is NpuKind.ELEMENTWISE and config.ob_ram_bytes:
        ofm_block = elementwise_block(geometry, config)
        return Block(ofm_block, ofm_block, traversal)
    if area_fit.applies(geometry, config):
        ofm_block, ifm_block = area_fit.area_fit_block(geometry, config, micro_block(geometry, config))
        return Block(ofm_block, ifm_block, traversal)
    kind = geometry.kind
    oh, ow, oc = geometry.ofm
    if kind is NpuKind.ELEMENTWISE and geometry.brick_ofm:
        oc = round_up(oc, BRICK_DEPTH)  # a brick-format output is searched at its stored, whole-brick depth
    # Blocks are whole micro-blocks. Where the array offers a choice (U85) Vela's search steps by the op's own: the
    # deeper one of depthwise and pooling, else the least padded option (1x4x8 for a 1-high output on U85-256).
    ublock = (config.ublock_h, config.ublock_w, config.ublock_c)
    if config.ublock_options and kind.uses_macs:
        own = runs_on_equal_depth_ublock(geometry, config) or on_deep_ublock(geometry, config)
        ublock = micro_block(geometry, config) if own else least_padded(geometry, config.ublock_options)
    uh, uw, uc = ublock
    dilated_h = geometry.dilation[0] * (geometry.kernel[0] - 1) + 1
    dilated_w = geometry.dilation[1] * (geometry.kernel[1] - 1) + 1
    equal_depth = kind.equal_depth
    if kind is NpuKind.ELEMENTWISE:
        binary = geometry.ifm2 is not None and geometry.ifm2[0] * geometry.ifm2[1] * geometry.ifm2[2] > 1
        buffers = "ifm2" if binary else "ifm"
    else:
        buffers = "acc"
    table = fitting_candidates(
        config,
        (min(dilated_h, SUB_KERNEL_MAX), min(dilated_w, SUB_KERNEL_MAX)),
        geometry.stride,
        geometry.ifm_bits,
        0 if equal_depth else ifm_block_depth(geometry, traversal, config),
        buffers,
        oh == 1 and geometry.kernel[0] == 1 and uh == 2,
        ifm_unit(geometry, traversal, config),
        ublock,
        ifm_fit_align(geometry, traversal, config),
    )
    # Search space: the output rounded to micro-blocks; depths below the full depth in steps of 16.
    space_h = round_up(min(oh, config.ofm_block_max_h), uh)
    space_w = round_up(min(ow, config.ofm_block_max_w), uw)
    space_c = round_up(min(oc, config.ofm_block_max_c), uc)
    d_all = table.d
    searched = np.zeros(space_c + 1, dtype=bool)
    searched[_searched_depths(oc, space_c, uc)] = True
    keep = (table.h <= space_h) & (table.w <= space_w) & (d_all <= space_c)
    keep &= searched[np.minimum(d_all, space_c)]
    if not keep.any():
        raise ValueError(f"no output block of {geometry.ofm} fits {config.name}'s shared buffer")
    d, h, w = d_all[keep], table.h[keep], table.w[keep]
    ih, iw, idepth = table.ih[keep], table.iw[keep], table.idepth[keep]

    ofm_elements = oh * ow * oc
    if kind is NpuKind.ELEMENTWISE:
        cost = ofm_elements / (h * w * d)
    else:
        ifm_depth = geometry.ifm[2]
        repeats = math.ceil(dilated_h / SUB_KERNEL_MAX) * math.ceil(dilated_w / SUB_KERNEL_MAX)
        cost = ih * iw * (ifm_depth * repeats * oh * ow) / (h * w)
        if not equal_depth:
            cost = cost * -(-oc // d)
        if kind is NpuKind.CONV:
            cost = cost + (geometry.kernel_elements * ifm_depth * oc) * (-(-oh // h) * -(-ow // w))
        elif kind is NpuKind.DEPTHWISE:
            cost = cost + (geometry.kernel_elements * ifm_depth) * (-(-oh // h) * -(-ow // w))
        cost = cost / ofm_elements
    # An input that fits in two input blocks is read once: favour such blocks. Vela 5.2's U85 search counts a
    # convolution's input block at its fixed depth (16 part-kernel-first, 64 depth-first, 32 on the U85-128/256
    # 16-deep micro-block: regor's ``FindBlockConfig``), whatever the input's depth; the U55/U65 one counts the
    # input block's depth rounded up to 8.
    fixed = config.step_follows_ifm_block and not equal_depth
    held = fixed_ifm_block_depth(geometry, traversal, config) if fixed else idepth
    cost = np.where(geometry.ifm_elements < ih * iw * held * 2, cost / 2, cost)

    best = float(cost.min())
    ties = np.flatnonzero(np.abs(cost - best) <= 1e-6 * best)
    pick = int(ties[0])
    # Among equally cheap blocks, a later small (<= 4x4) block covering more of the input wins.
    later = ties[1:]
    small = later[(h[later] <= 4) & (w[later] <= 4)]
    if small.size:
        ifm_h, ifm_w = geometry.ifm[0], geometry.ifm[1]
        covered = np.minimum(ih[small], ifm_h) * np.minimum(iw[small], ifm_w)
        coverage = (ifm_h * ifm_w) / np.maximum(covered, 1)
        pick = int(small[np.flatnonzero(coverage == coverage.min())[-1]])
    # The input block's DMA moves whole multiples of the array's input depth step (16 channels on U85).
    fetched_depth = int(idepth[pick]) if equal_depth else round_up(int(idepth[pick]), _fetch_step(geometry, config))
    ifm_block = (int(ih[pick]), int(iw[pick]), fetched_depth)
    return Block((int(h[pick]), int(w[pick]), int(d[pick])), ifm_block, traversal)
