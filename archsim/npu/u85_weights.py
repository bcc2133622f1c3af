"""Encoded size of an Ethos-U85 weight stream and the format Vela 5.2 stores it in (from the weight values).

Vela's U85 back end (regor, read, not copied: ``ethos_u85_weight_encoder.cpp``, ``mlw_encode_fwd.cpp``,
``Scheduler::EncodeBestWeightFormat``) orders each op's weights by its block: output blocks, input blocks (in a
serpentine over the output blocks), 8x8 sub-kernels, input and output micro-blocks, then the kernel elements
(stride phases first for part-kernel-first and depthwise traversals, rows serpentine) and, per element, groups of
four output channels dealt round the weight decoder's cores. A part-kernel-first sub-kernel is padded with zero
elements to a multiple of 5 (10 at 16 bits), a depthwise one to 10, plus extra zero elements every ten on the
larger arrays. The stream is stored in one of two formats: the default one, one stream per core, coded as on the
U55 (:mod:`archsim.npu.weight_encoding`), or the fast-decode one, one stream of raw bytes or 2/4-bit palette
indices behind a 32-byte header. regor keeps the fast one only when its weight-decode estimate (the slower of the
decoder and the weight DMA) beats the default one's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from archsim.npu.weight_encoding import SameArray, stream_bytes

INTERLEAVE = 4
"""Output channels a core takes in turn from each micro-block."""

FAST_HEADER_BYTES = 32
"""The fast format's header (a flag pair, the zero adjust and a 16-entry palette), and its alignment."""


@dataclass(frozen=True)
class U85Layout:
    """What orders one op's weights: its traversal and blocks, and the array's weight streams."""

    traversal: str
    """``depth_first``, ``part_kernel`` or ``depthwise``."""
    ofm_block_depth: int
    ifm_block_depth: int
    ofm_ublock_depth: int
    streams: int
    """The weight decoder's cores (regor's ``_cores``: 1, 1, 2, 4, 4 on U85-128 to U85-2048)."""
    macs: int
    ifm_bits: int = 8
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)


@dataclass(frozen=True)
class DecodeChannel:
    """What the weight-decode estimate needs of the weights' home memory: each format's DMA rate and the latency."""

    default_bytes_per_cycle: float
    fast_bytes_per_cycle: float
    read_latency: int


@dataclass(frozen=True)
class EncodedWeights:
    """The stored weights of one op: their bytes and whether they take the fast-decode format."""

    weight_bytes: int
    fast: bool


def stored_weights(weights: np.ndarray, layout: U85Layout, channel: DecodeChannel) -> EncodedWeights:
    """The bytes and format Vela stores ``weights`` in (OHWI, zero point removed; depthwise 1HWC; fully connected
    OI), computed once per weight array, layout and channel."""
    return _stored(SameArray(weights), layout, channel)


@lru_cache(maxsize=1024)
def _stored(weights: SameArray, layout: U85Layout, channel: DecodeChannel) -> EncodedWeights:
    """Both formats' sizes, and regor's choice between them (``UseFastDecoder``, then the cheaper estimate)."""
    values = weights.array
    if values.ndim == 2:
        values = values.reshape(values.shape[0], 1, 1, values.shape[1])
    streams = [ordered_stream(values, layout, s) for s in range(layout.streams)]
    source = sum(len(s) for s in streams)
    default_bytes = sum(stream_bytes(s) for s in streams)
    every = np.concatenate(streams) if streams else np.zeros(0, dtype=np.int64)
    distinct = len(np.unique(every))
    zeros = int((every == 0).sum())

    def estimate(encoded: int, fast: bool) -> int:
        return _decode_cycles(layout, channel, source, encoded, zeros, distinct, fast)

    default = estimate(default_bytes, fast=False)
    divisor = 4 if distinct <= 4 else 2 if distinct <= 16 else 1
    fast_bytes = fast_stream_bytes(every)
    # regor first tries the fast format at its nominal size (32 bytes + the values over 1, 2 or 4), then encoded.
    nominal = FAST_HEADER_BYTES + source // divisor
    if fast_bytes is not None and max(estimate(nominal, fast=True), estimate(fast_bytes, fast=True)) < default:
        return EncodedWeights(fast_bytes, fast=True)
    return EncodedWeights(default_bytes, fast=False)


def sliced_weights(
    weights: np.ndarray, layout: U85Layout, channel: DecodeChannel, slices: tuple[int, ...]
) -> EncodedWeights:
    """The bytes of ``weights`` double-buffered in depth ``slices`` (output channels per slice): regor picks the format
    on the whole tensor, then encodes each slice apart, with its own padding and streams."""
    return _sliced(SameArray(weights), layout, channel, slices)


@lru_cache(maxsize=1024)
def _sliced(weights: SameArray, layout: U85Layout, channel: DecodeChannel, slices: tuple[int, ...]) -> EncodedWeights:
    """Each slice's streams in the format chosen for the whole tensor."""
    chosen = _stored(weights, layout, channel)
    values = weights.array
    if values.ndim == 2:
        values = values.reshape(values.shape[0], 1, 1, values.shape[1])
    channels_last = layout.traversal == "depthwise"  # depthwise weights are 1HWC: their outputs are the last axis
    total, start = 0, 0
    for depth in slices:
        part = values[..., start : start + depth] if channels_last else values[start : start + depth]
        streams = [ordered_stream(part, layout, s) for s in range(layout.streams)]
        fast = fast_stream_bytes(np.concatenate(streams)) if chosen.fast else None
        total += fast if fast is not None else sum(stream_bytes(s) for s in streams)
        start += depth
    return EncodedWeights(total, chosen.fast)


def _decode_cycles(
    layout: U85Layout, channel: DecodeChannel, source: int, encoded: int, zeros: int, distinct: int, fast: bool
) -> int:
    """regor's U85 weight-decode estimate: the slower of the decoder (fast format: 32 weights a cycle, 64 with
    under 16 distinct values; default: 8 to 32 per core as the share of zeros goes from half to 90%) and the DMA."""
    if fast:
        per_cycle = 64 if distinct < 16 else 32
    else:
        zero_rate = min(max(zeros / source if source else 0.0, 0.5), 0.9)
        per_cycle = int(8 + (zero_rate - 0.5) * (32 - 8) / 0.4) * layout.streams
    rate = channel.fast_bytes_per_cycle if fast else channel.default_bytes_per_cycle
    return max(source // per_cycle, int(encoded / rate) + channel.read_latency)


def fast_stream_bytes(stream: np.ndarray) -> int | None:
    """Bytes of the fast format: the header, then 2-bit indices (up to 4 distinct values), 4-bit (up to 16) or raw
    bytes, aligned to 32 bytes; None when the values span 256 or more (the format cannot hold them)."""
    if len(stream) and int(stream.max()) - int(stream.min()) >= 256:
        return None
    distinct = len(np.unique(stream))
    bits = 2 if distinct <= 4 else 4 if distinct <= 16 else 8
    body = -(-len(stream) * bits // 8)
    return FAST_HEADER_BYTES + -(-body // FAST_HEADER_BYTES) * FAST_HEADER_BYTES


def scale_stream_channels(depth: int, ofm_ublock_depth: int) -> int:
    """Channels of per-channel parameters the U85 encoder stores for ``depth`` outputs: the depth rounded up to the
    micro-block's depth, itself rounded up to 16 (10 bytes each, so the stream stays 16-byte aligned)."""
    granule = -(-ofm_ublock_depth // 16) * 16
    return -(-depth // granule) * granule


def ordered_stream(weights: np.ndarray, layout: U85Layout, stream: int = 0) -> np.ndarray:
    """The values weight stream ``stream`` carries, in the U85 decoder's order, padding zeros included."""
    depthwise = layout.traversal == "depthwise"
    part_kernel = layout.traversal == "part_kernel"
    wide = layout.ifm_bits == 16
    w = np.transpose(weights, (3, 1, 2, 0)) if depthwise else weights
    depth, height, width, in_depth = w.shape
    if part_kernel:
        element_round, ifm_ublock = (10 if wide else 5), (8 if wide else layout.ifm_block_depth)
    elif depthwise:
        element_round, ifm_ublock = 10, 1
    else:
        element_round, ifm_ublock = 1, layout.ifm_block_depth
    stride_y, stride_x = (1, 1) if layout.traversal == "depth_first" else layout.stride
    dw_padding = 0 if not wide and layout.macs <= 256 else 2 if layout.macs <= 512 else 6
    step = 1 if depthwise else 8
    ou, streams = layout.ofm_ublock_depth, layout.streams
    # One position's values: input micro-block steps, this stream's output channel groups, 4 channels, the step.
    inner = np.array(
        [
            (oz + oi, ii + iz)
            for ii in range(0, ifm_ublock, step)
            for oz in range(stream * INTERLEAVE, ou, INTERLEAVE * streams)
            for oi in range(INTERLEAVE)
            for iz in range(step)
        ],
        dtype=np.int64,
    ).reshape(-1, 2)
    ifm_depth = 1 if depthwise else in_depth
    padded = np.zeros(
        (depth + layout.ofm_block_depth + ou, height, width, ifm_depth + layout.ifm_block_depth + ifm_ublock),
        dtype=np.int64,
    )
    padded[:depth, :, :, :ifm_depth] = w
    per_position = len(inner)
    dw_extra = dw_padding * ou // streams if depthwise else 0
    step_y, step_x = 8 // layout.dilation[0], 8 // layout.dilation[1]
    # The 8x8 sub-kernels (columns outer), each with its elements in order: the same in every block.
    sub_kernels = [
        _positions(y, x, min(height - y, step_y), min(width - x, step_x), stride_y, stride_x, element_round, depthwise)
        for x in range(0, width, step_x)
        for y in range(0, height, step_y)
    ]
    pieces: list[np.ndarray] = []
    forward = False
    for ofm_start in range(0, depth, layout.ofm_block_depth):
        forward = not forward
        ofm_depth = min(layout.ofm_block_depth, depth - ofm_start)
        ifm_starts = list(range(0, ifm_depth, layout.ifm_block_depth)) if not depthwise else [0]
        for ifm_start in ifm_starts if forward else ifm_starts[::-1]:
            ifm_block = 1 if depthwise else min(layout.ifm_block_depth, ifm_depth - ifm_start)
            for ys, xs, pads in sub_kernels:
                for ifm_outer in range(0, ifm_block, ifm_ublock):
                    for ofm_outer in range(0, ofm_depth, ou):
                        o = ofm_start + ofm_outer + inner[:, 0]
                        i = ifm_start + ifm_outer + inner[:, 1]
                        values = padded[o[None, :], ys[:, None], xs[:, None], i[None, :]]
                        pieces.append(_with_padding(values, pads, dw_extra, per_position))
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)


def _positions(
    sub_y: int, sub_x: int, sub_h: int, sub_w: int, stride_y: int, stride_x: int, element_round: int, depthwise: bool
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """A sub-kernel's kernel elements in the decoder's order (stride phases, rows, each row serpentine) and the
    zero elements after each: depthwise, extra padding wherever the elements left reach a multiple of ten (-1
    marks it); the last gets the round-up to ``element_round``."""
    ys: list[int] = []
    xs: list[int] = []
    for phase_y in range(stride_y):
        rows = (sub_h + stride_y - 1 - phase_y) // stride_y
        for phase_x in range(stride_x):
            cols = (sub_w + stride_x - 1 - phase_x) // stride_x
            for ky in range(rows):
                for kx in range(cols):
                    x = kx if ky % 2 == 0 else cols - 1 - kx
                    ys.append(sub_y + phase_y + ky * stride_y)
                    xs.append(sub_x + phase_x + x * stride_x)
    count = len(ys)
    left = -(-count // element_round) * element_round
    pads = [0] * count
    for k in range(count):
        left -= 1
        if depthwise and left % element_round == 0:
            pads[k] = -1
    pads[-1] = pads[-1] if left == 0 else left
    return np.array(ys, dtype=np.int64), np.array(xs, dtype=np.int64), pads


def _with_padding(values: np.ndarray, pads: list[int], dw_extra: int, per_position: int) -> np.ndarray:
    """A micro-block's values with the zero elements the decoder expects between and after them."""
    if not any(pads) and not dw_extra:
        return values.ravel()
    parts: list[np.ndarray] = []
    last = len(pads) - 1
    for k, pad in enumerate(pads):
        parts.append(values[k])
        if pad == -1:
            parts.append(np.zeros(dw_extra, dtype=np.int64))
        if k == last and pad > 0:
            parts.append(np.zeros(pad * per_position + dw_extra, dtype=np.int64))
    return np.concatenate(parts)
