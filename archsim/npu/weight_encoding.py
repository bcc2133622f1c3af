"""Encoded size of an Ethos-U55/U65 weight stream, from the weight values (what Vela 5.2 stores and streams).

Vela's encoder (regor, read, not copied: ``ethos_u55_weight_encoder.cpp``, ``mlw_encode.cpp``) lays each
core's weights out block by block, padding with zeros what the blocks do not clip (each kernel position's
input depth to 32, or 16 for part-kernel-first and 16-bit inputs; output depth to the micro-block; kernel
elements to 4 for depthwise and part-kernel-first), then codes the values with Golomb-Rice codes whose
divisor changes between slices of the stream, found by a greedy search that pays 40 bits to switch; zeros
may go as run lengths, and a palette may map the commonest values to short indices. This module orders the
values the same way and counts the bits that code would emit: the padding of uniformly random weights costs
bytes, and trained weights, far from uniform, take fewer bytes than their raw size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

WEIGHT_CODES: tuple[tuple[int, int], ...] = (
    *((d, 0) for d in range(6)),
    *((d, 1) for d in range(6)),
    (0, 2),
)
"""(divisor, mode) of the weight codes: mode 0 Golomb-Rice, 1 truncated (quotient <= 2), 2 uncompressed."""

RUN_CODES: tuple[tuple[int, int], ...] = tuple((d, 0) for d in range(4))
"""(divisor, mode) of the zero-run codes."""

SWITCH_BITS = 40
"""What the greedy search charges for changing code within a stream."""

SLICE_HEADER_BITS = 23
"""A slice's header: zero-run divisor 3, slice length 15, weight divisor 3, truncation 1, new palette 1."""

SECTION_VALUES = 128 * 1024
"""Values coded per section (each with a new palette), as regor feeds its encoder."""

STREAM_ALIGN_BYTES = 16
"""Each stream ends on a 128-bit boundary."""


@dataclass(frozen=True)
class StreamLayout:
    """How one op's weights are laid out: traversal, output block depth and the array's micro-block depths."""

    traversal: str
    """``depth_first``, ``part_kernel`` or ``depthwise``."""
    ofm_block_depth: int
    ofm_ublock_depth: int
    ifm_ublock_depth: int
    cores: int = 1
    ifm_bits: int = 8
    dilation: tuple[int, int] = (1, 1)


def encoded_weight_bytes(weights: np.ndarray, layout: StreamLayout) -> int:
    """Bytes of the encoded weight streams of ``weights`` (OHWI, zero point removed; depthwise 1HWC; fully
    connected OI), all cores (computed once per weight array and layout)."""
    return _encoded(SameArray(weights), layout)


class SameArray:
    """A weight array as a cache key: the same array object, not an equal one (arrays do not hash)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __hash__(self) -> int:
        return id(self.array)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SameArray) and other.array is self.array


@lru_cache(maxsize=1024)
def _encoded(weights: SameArray, layout: StreamLayout) -> int:
    """The encoded bytes of every core's stream (fully connected weights as 1x1 kernels)."""
    values = weights.array
    if values.ndim == 2:
        values = values.reshape(values.shape[0], 1, 1, values.shape[1])
    streams = min(layout.cores, values.shape[3] if layout.traversal == "depthwise" else values.shape[0])
    return sum(stream_bytes(ordered_stream(values, layout, core)) for core in range(streams))


def ordered_stream(weights: np.ndarray, layout: StreamLayout, core: int = 0) -> np.ndarray:
    """The values core ``core`` reads, in the order of the NPU's weight decoder, padding zeros included."""
    depthwise = layout.traversal == "depthwise"
    part_kernel = layout.traversal == "part_kernel"
    w = np.transpose(weights, (3, 1, 2, 0)) if depthwise else weights
    w = w[core :: layout.cores].astype(np.int64)
    depth, height, width, in_depth = w.shape  # depthwise: one input channel per output, as 1HWC -> C HW 1
    ifm_block = 16 if part_kernel or layout.ifm_bits == 16 else 32
    element_round = 4 if depthwise else (2 if layout.ifm_bits == 16 else 4) if part_kernel else 1
    step_y, step_x = 8 // layout.dilation[0], 8 // layout.dilation[1]
    block_depth = (layout.ofm_block_depth + layout.cores - 1 - core) // layout.cores
    ou, iu = layout.ofm_ublock_depth, layout.ifm_ublock_depth
    pieces = []
    for ofm_start in range(0, depth, block_depth):
        ofm_depth = min(block_depth, depth - ofm_start)
        ofm_padded = -(-ofm_depth // ou) * ou
        for ifm_start in range(0, in_depth, ifm_block):
            if depthwise:
                ifm_depth = 1
            elif part_kernel:
                ifm_depth = min(ifm_block, in_depth - ifm_start)
            else:
                ifm_depth = ifm_block
            ifm_padded = 1 if depthwise else -(-ifm_depth // iu) * iu
            for y in range(0, height, step_y):
                sub_h = min(height - y, step_y)
                for x in range(0, width, step_x):
                    sub_w = min(width - x, step_x)
                    elements = -(-(sub_w * sub_h) // element_round) * element_round
                    block = np.zeros((ofm_padded, elements, ifm_padded), dtype=np.int64)
                    real = w[ofm_start : ofm_start + ofm_depth, y : y + sub_h, x : x + sub_w, ifm_start:]
                    real = real[..., : min(ifm_depth, in_depth - ifm_start)]
                    block[:ofm_depth, : sub_w * sub_h, : real.shape[3]] = real.reshape(ofm_depth, sub_w * sub_h, -1)
                    pieces.append(_traverse(block, ou, iu, part_kernel, depthwise))
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)


def _traverse(block: np.ndarray, ou: int, iu: int, part_kernel: bool, depthwise: bool) -> np.ndarray:
    """One (output block, input block, sub-kernel) in decoder order: (ofm, element, ifm) -> a flat stream."""
    ofm, elements, ifm = block.shape
    if depthwise:  # output micro-blocks, kernel elements, output channels
        return block.reshape(ofm // ou, ou, elements).transpose(0, 2, 1).ravel()
    shaped = block.reshape(ofm // ou, ou, elements, ifm // iu, iu)
    if part_kernel:  # input micro-blocks, output micro-blocks, elements, output channel, input channel
        return shaped.transpose(3, 0, 2, 1, 4).ravel()
    return shaped.transpose(0, 2, 3, 1, 4).ravel()  # output micro-blocks, elements, input micro-blocks, ...


def stream_bytes(stream: np.ndarray) -> int:
    """Encoded bytes of one stream: its sections' bits, the end-of-stream marker, aligned to 16 bytes."""
    bits = 0
    frequencies = np.zeros(512, dtype=np.int64)
    for start in range(0, len(stream), SECTION_VALUES):
        section = stream[start : start + SECTION_VALUES]
        frequencies += np.bincount(section + 256, minlength=512)
        bits += _section_bits(section, frequencies)
    total = -(-(bits + 3) // 8)
    return -(-total // STREAM_ALIGN_BYTES) * STREAM_ALIGN_BYTES


def _folded(values: np.ndarray) -> np.ndarray:
    """Sign-folded magnitudes: 0, -0, 1, -1, ... -> 0, 1, 2, 3, ..."""
    return (np.abs(values) << 1) | (values < 0)


@dataclass(frozen=True)
class _Palette:
    """The section's value mapping: zero runs or not, the palette, and the uncompressed width."""

    zero_runs: bool
    codes: np.ndarray
    """Code of each folded value (index 0..511)."""
    size: int
    bits: int
    uncompressed_bits: int


def _palette(section: np.ndarray, frequencies: np.ndarray) -> _Palette:
    """The encoder's choices for a section, from the value frequencies seen so far."""
    zeros = section == 0
    total_zeros = int(zeros.sum())
    in_runs = 0
    if total_zeros:
        edges = np.diff(np.concatenate(([0], zeros.astype(np.int8), [0])))
        lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
        in_runs = int(lengths[lengths >= 2].sum())
    commonest_other = int(np.delete(frequencies, 256).max())
    zero_runs = in_runs >= total_zeros // 2 and total_zeros > 5 * commonest_other
    values = np.arange(-255, 256)
    by_folded = np.zeros(512, dtype=np.int64)
    by_folded[_folded(values)] = frequencies[values + 256]
    if zero_runs:
        by_folded[0] = 0
    count = int(by_folded.sum())
    used = np.flatnonzero(by_folded)
    largest = int(used.max()) if used.size else 0
    direct_offset = int(next((k for k in range(31) if by_folded[k]), 31)) if count else 0
    ranked = np.lexsort((-np.arange(512), -by_folded))  # by count, then by folded value, both descending
    only_palette = by_folded[ranked[0]] > 0 and by_folded[ranked[32]] == 0
    limit = 32 if only_palette else min(32, 511 - largest)
    limit = 0 if limit == 1 else limit
    entries = [int(k) for k in ranked[:limit] if by_folded[k] > 0]
    covered = int(by_folded[entries].sum()) if entries else 0
    if len(entries) == 1:
        entries.append(0)
    size = len(entries) if entries and covered >= count // 2 else 0
    widest = max(entries[:size]) if size else largest
    bits = 2
    while (1 << bits) <= widest:
        bits += 1
    uncompressed = 0
    if only_palette:
        while (1 << uncompressed) < size:
            uncompressed += 1
    elif size == 0:
        uncompressed = bits
    codes = size - direct_offset + np.arange(512)
    codes[entries[:size]] = np.arange(size)
    return _Palette(zero_runs, codes, size, bits, uncompressed)


def _section_bits(section: np.ndarray, frequencies: np.ndarray) -> int:
    """Bits of one section: slice headers (the first with the palette) and every slice's codes."""
    palette = _palette(section, frequencies)
    if palette.zero_runs:
        nonzero = np.flatnonzero(section)
        if not palette.size and not nonzero.size:
            nonzero = np.zeros(min(1, len(section)), dtype=np.int64)  # only zeros: the first is coded as a weight
        weights = palette.codes[_folded(section[nonzero])]
        runs = np.diff(np.concatenate(([-1], nonzero, [len(section)]))) - 1
    else:
        weights = palette.codes[_folded(section)]
        runs = None
    weight_slices = _greedy_slices(weights, WEIGHT_CODES, palette.uncompressed_bits) if len(weights) else []
    run_slices = _greedy_slices(runs, RUN_CODES, 0) if runs is not None else []
    # The run code's last slice ends one past the weights; the slice ending with the weights carries that run.
    ends = sorted({end for _, end in weight_slices} | {end for _, end in run_slices if end <= len(weights)}) or [0]
    bits = 13 + palette.size * palette.bits
    start, wi, zi = 0, 0, 0
    for index, end in enumerate(ends):
        bits += SLICE_HEADER_BITS
        while wi < len(weight_slices) and weight_slices[wi][1] <= start:
            wi += 1
        if wi < len(weight_slices):
            bits += _code_bits(weights[start:end], WEIGHT_CODES[weight_slices[wi][0]], palette.uncompressed_bits)
        if runs is not None:
            while zi < len(run_slices) and run_slices[zi][1] <= start:
                zi += 1
            if zi < len(run_slices):
                bits += _code_bits(runs[start + (index > 0) : end + 1], RUN_CODES[run_slices[zi][0]], 0, runs=True)
        start = end
    return bits


def _code_bits(values: np.ndarray, code: tuple[int, int], uncompressed_bits: int, runs: bool = False) -> int:
    """Bits of ``values`` under one code, the unary parts in fixed chunks of 12 (8 for wide run divisors)."""
    divisor, mode = code
    if mode == 2:
        return uncompressed_bits * len(values)
    quotients = values >> divisor
    if runs:
        chunk = 12 if divisor < 3 else 8
        return -(-int((quotients + 1).sum()) // chunk) * chunk + divisor * len(values)
    if mode == 1:
        symbols, second = len(values), int((quotients > 0).sum())
    else:
        symbols, second = int((quotients // 2 + 1).sum()), int(((quotients + 1) // 2).sum())
    return -(-symbols // 12) * 12 + second + divisor * len(values)


def _greedy_slices(values: np.ndarray, codes: tuple[tuple[int, int], ...], uncompressed_bits: int) -> list[list[int]]:
    """The encoder's greedy forward search over ``values``: ``[code index, end]`` per slice."""
    divisors = np.array([d for d, _ in codes], dtype=np.int64)
    modes = np.array([m for _, m in codes], dtype=np.int64)
    every = np.arange(int(values.max()) + 1 if len(values) else 1, dtype=np.int64)[:, None]
    q = every >> divisors[None, :]
    bits = np.where(modes == 1, np.minimum(q + 1, 2), q + 1) + divisors
    can = np.ones_like(bits, dtype=bool) if codes is RUN_CODES else ~(((modes == 1) & (q > 2)) | (q > 31))
    bits[:, modes == 2] = uncompressed_bits if uncompressed_bits > 0 else 100
    can[:, modes == 2] = True
    chosen, ends = _compiled_search()(values.astype(np.int64), bits, can)
    return [[int(c), int(e)] for c, e in zip(chosen, ends, strict=True)]


@lru_cache(maxsize=1)
def _compiled_search() -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """:func:`_search` compiled by numba (imported here, only when weights are encoded; cached on disk)."""
    import numba

    return numba.njit(cache=True)(_search)


def _search(values: np.ndarray, bits: np.ndarray, can: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value by value, as the encoder goes (``bits[v, j]``, ``can[v, j]``: code ``j``'s bits for value ``v`` and
    whether it can carry it): each code's running bit count (a code that could not carry a value restarts from the
    active code's count), the active code kept until another is ``SWITCH_BITS`` cheaper or it cannot carry a value;
    a slice closes where the active code changes, unless the new one was cheaper since before the old one last
    restarted (then it takes the old one's slice too)."""
    n, k = values.shape[0], bits.shape[1]
    count = np.zeros(k, np.int64)
    reset = np.zeros(k, np.int64)
    coded = np.zeros(k, np.bool_)
    chosen = np.empty(n + 1, np.int64)
    ends = np.empty(n + 1, np.int64)
    slices = 0
    active, active_count = -1, 0
    for i in range(n):
        v = values[i]
        best_count, best = 1 << 62, 0
        for j in range(k):
            if can[v, j]:
                if not coded[j]:
                    count[j] = active_count
                    coded[j] = True
                count[j] += bits[v, j]
                if count[j] < best_count:
                    best_count, best = count[j], j
            else:
                reset[j] = i + 1
                count[j] += SWITCH_BITS
                coded[j] = False
        if active == -1 or not coded[active] or (best != active and best_count + SWITCH_BITS < active_count):
            if active != -1 and not (count[best] < count[active] and reset[best] <= reset[active]):
                chosen[slices], ends[slices] = active, i
                slices += 1
            active = best
        active_count = count[active]
    if slices == 0 or chosen[slices - 1] != active:
        chosen[slices] = active
        slices += 1
    ends[slices - 1] = n
    return chosen[:slices], ends[:slices]
