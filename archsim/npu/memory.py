"""Bytes an NPU operation moves on each memory, with re-fetch and burst efficiency.

The input is re-read for every output block it feeds (its halo, and its whole
depth once per output-depth block); weights are re-read once per output block
in height x width. Weights stored off-chip are either staged (copied once by
DMA into an SRAM buffer, then re-read from SRAM) or streamed straight from
their memory. Per-channel scales are re-read from their memory per block.
Access cycles per memory are burst-scaled bytes over its bandwidth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache

from archsim.config.npu import Memory, NpuConfig
from archsim.npu.blocks import SUB_KERNEL_MAX, Block, choose_block
from archsim.npu.compute import burst_scaled, compute_cycles
from archsim.npu.ops import NpuKind, NpuOp, encoded_scalar, stored_shape

DEPTH_SLICE = 16
"""Output channels per weight slice when only part of the weights is prefetched (Vela's weight streams split
in 16-deep slices)."""


class Channel(StrEnum):
    """The DMA channel a transfer uses: each has its own read buffering (and so its own latency bound)."""

    IFM = "ifm"
    STREAM = "stream"
    """Elementwise operands: both inputs of an elementwise op stream through one channel (Vela's U85 IFM stream)."""
    WEIGHTS = "weights"
    FAST_WEIGHTS = "fast_weights"
    """Weights in the U85's fast-decode format (:mod:`archsim.npu.u85_weights`): a weight channel of their own."""
    SCALES = "scales"
    COPY = "copy"
    """Memory-to-memory copies: weights staged into SRAM, lookup tables, DMA operations."""
    WRITE = "write"


@dataclass(frozen=True)
class Placement:
    """Where an operation's tensors live (``weights`` None: the operation has none)."""

    ifm: Memory
    ofm: Memory
    weights: Memory | None
    ifm2: Memory | None = None
    ofm_blocks: Memory | None = None
    """Memory the output-block transfers are timed on when not ``ofm``: the head of a U85 chain writes no
    output of its own (its chained ops take it), and Vela 5.2 times its blocks on the feature maps' home."""


@dataclass(frozen=True)
class Traffic:
    """Bytes per memory (raw, and burst-scaled for access cycles) and per operand."""

    raw: dict[Memory, float] = field(default_factory=dict)
    scaled: dict[Memory, float] = field(default_factory=dict)
    ifm_bytes: float = 0.0
    weight_bytes: float = 0.0
    ofm_bytes: float = 0.0
    first_weight_dma_cycles: float = 0.0
    channels: dict[tuple[Memory, Channel], float] = field(default_factory=dict)
    """Burst-scaled bytes per memory and DMA channel."""

    def access_cycles(self, config: NpuConfig, memory: Memory) -> float:
        """Cycles ``memory`` is busy with this operation's transfers.

        All transfers share the memory's bandwidth, and each DMA channel is no
        faster than its own (latency-bound) bandwidth.
        """
        scaled = self.scaled.get(memory, 0.0)
        if not scaled or not config.limits_channels:
            return scaled / config.bandwidth(memory) if scaled else 0.0
        per_channel = (
            nbytes
            / config.channel_bandwidth(
                memory,
                write=channel is Channel.WRITE,
                weights=channel in (Channel.WEIGHTS, Channel.FAST_WEIGHTS),
                fast_weights=channel is Channel.FAST_WEIGHTS,
                stream=channel is Channel.STREAM,
                scales=channel is Channel.SCALES,
            )
            for (where, channel), nbytes in self.channels.items()
            if where is memory
        )
        return max(scaled / config.bandwidth(memory), *per_channel)

    def with_transfer(self, memory: Memory, channel: Channel, nbytes: float) -> Traffic:
        """This traffic plus ``nbytes`` moved on ``memory`` through ``channel`` (whole bursts)."""
        ledger = _Ledger(dict(self.raw), dict(self.scaled), dict(self.channels))
        ledger.add(memory, channel, nbytes)
        return replace(self, raw=ledger.raw, scaled=ledger.scaled, channels=ledger.channels)


@dataclass
class _Ledger:
    """Accumulates raw and burst-scaled bytes per memory, and scaled bytes per memory and channel."""

    raw: dict[Memory, float] = field(default_factory=dict)
    scaled: dict[Memory, float] = field(default_factory=dict)
    channels: dict[tuple[Memory, Channel], float] = field(default_factory=dict)

    def add(self, memory: Memory, channel: Channel, raw: float, scaled: float | None = None) -> None:
        moved = raw if scaled is None else scaled
        self.raw[memory] = self.raw.get(memory, 0.0) + raw
        self.scaled[memory] = self.scaled.get(memory, 0.0) + moved
        self.channels[memory, channel] = self.channels.get((memory, channel), 0.0) + moved

    def traffic(self, repeats: int, ifm: float, weights: float, ofm: float, first_dma: float) -> Traffic:
        """The totals as a :class:`Traffic` of ``repeats`` identical runs."""
        return Traffic(
            {m: v * repeats for m, v in self.raw.items()},
            {m: v * repeats for m, v in self.scaled.items()},
            ifm * repeats,
            weights * repeats,
            ofm * repeats,
            first_dma,
            {key: v * repeats for key, v in self.channels.items()},
        )


def operation_traffic(
    op: NpuOp, block: Block, config: NpuConfig, placement: Placement, prefetched: float = 0.0, lead: float = 0.0
) -> Traffic:
    """Bytes ``op`` moves per memory with output block ``block``.

    ``prefetched`` weight bytes were already copied into the SRAM staging buffer
    during the previous operation (see :func:`archsim.npu.prefetch.prefetchable_bytes`):
    they are neither read from the weights' memory again nor waited for; ``lead`` cycles of the first copy's
    read latency passed under that operation.
    """
    g = op.geometry
    ledger = _Ledger()
    ifm_bytes = weight_read = 0.0
    if g.kind is NpuKind.DMA:
        ledger.add(placement.ifm, Channel.COPY, float(op.dma_bytes))
        ledger.add(placement.ofm, Channel.WRITE, float(op.dma_bytes))
        return ledger.traffic(1, float(op.dma_bytes), 0.0, float(op.dma_bytes), 0.0)

    written_brick = g.brick_ofm if op.written_brick is None else op.written_brick
    ofm = stored_shape(g.ofm, written_brick)
    if g.kind.uses_macs:
        ifm_block = (min(block.ifm[0], g.ifm[0]), min(block.ifm[1], g.ifm[1]))
        ifm_depth = stored_shape(g.ifm, g.brick_ifm)[2]
        dilated_h = g.dilation[0] * (g.kernel[0] - 1) + 1
        dilated_w = g.dilation[1] * (g.kernel[1] - 1) + 1
        sub_kernels = math.ceil(dilated_h / SUB_KERNEL_MAX) * math.ceil(dilated_w / SUB_KERNEL_MAX)
        blocks_wh = weight_refetch(op, block)
        blocks_c = 1 if g.kind.equal_depth else math.ceil(g.ofm[2] / block.ofm[2])
        ifm_elements = ifm_block[0] * ifm_block[1] * ifm_depth * sub_kernels * blocks_wh * blocks_c
        ifm_bytes = ifm_elements * g.ifm_bits / 8
        ledger.add(
            placement.ifm,
            Channel.IFM,
            ifm_bytes,
            burst_scaled(
                config,
                placement.ifm,
                ifm_bytes,
                read=True,
                brick=g.brick_ifm,
                bits=g.ifm_bits,
                block=block.ifm,
                depth=g.ifm[2],
            ),
        )
        if g.kind.has_weights and placement.weights is not None:
            weight_read = _weights(op, block, config, placement.weights, ledger, prefetched)
    else:
        inputs = [(placement.ifm, g.ifm, g.brick_ifm)]
        if g.ifm2 is not None and placement.ifm2 is not None:
            inputs.append((placement.ifm2, g.ifm2, g.brick_ifm2))
        for memory, shape, brick in inputs:
            if encoded_scalar(shape, g.ifm_bits):
                continue
            # Each operand is read once at its own (possibly broadcast) shape.
            nbytes = math.prod(stored_shape(shape, brick)) * g.ifm_bits / 8
            ifm_bytes += nbytes
            ledger.add(
                memory,
                Channel.STREAM,
                nbytes,
                burst_scaled(
                    config,
                    memory,
                    nbytes,
                    read=True,
                    brick=brick,
                    bits=g.ifm_bits,
                    block=block.ifm,
                    depth=shape[2],
                ),
            )
    ofm_bytes = ofm[0] * ofm[1] * ofm[2] * g.ofm_bits / 8
    ledger.add(
        placement.ofm,
        Channel.WRITE,
        ofm_bytes,
        burst_scaled(
            config,
            placement.ofm,
            ofm_bytes,
            read=False,
            brick=written_brick,
            bits=g.ofm_bits,
            block=block.ofm,
            depth=g.ofm[2],
        ),
    )
    first_dma = 0.0
    off_chip = placement.weights not in (None, Memory.SRAM)
    if g.kind.has_weights and off_chip and staged(op, config, block):
        first_slice = op.weight_bytes * min(block.ofm[2], g.ofm[2]) / g.ofm[2]
        # A copy begun under the previous operation leaves the rest of a one-slice stream to wait for.
        waited = first_slice - prefetched if g.ofm[2] <= DEPTH_SLICE else (0.0 if prefetched else first_slice)
        if waited > 0:
            latency = 0.0 if prefetched else max(0.0, config.read_latency(placement.weights) - lead)
            first_dma = latency + waited / config.channel_bandwidth(placement.weights, write=False)
    return ledger.traffic(op.repeats, ifm_bytes, weight_read, ofm_bytes, first_dma)


def weight_refetch(op: NpuOp, block: Block) -> int:
    """Times the array reads the weights: once per output block in height x width."""
    g = op.geometry
    return math.ceil(g.ofm[0] / block.ofm[0]) * math.ceil(g.ofm[1] / block.ofm[1])


@lru_cache(maxsize=4096)
def staged(op: NpuOp, config: NpuConfig, block: Block) -> bool:
    """True when the op's off-chip weights are DMA'd into an SRAM buffer (not streamed straight to the array).

    Weights the array re-reads are copied. Weights read once are copied when the copy hides in the op
    (:func:`_copy_hides`, regor's single-fetch test: Vela 5.2 schedules every Ethos-U with regor), except on the
    network's first op when they fall in at most two output-depth blocks, and except behind an SRAM cache that
    keeps every intermediate (``plans_cache`` false: no staging area is planned there).
    """
    if not config.weight_buffer_in_sram or config.sram_bytes_per_cycle <= 0 or op.weights_streamed:
        return False
    if weight_refetch(op, block) >= 2:
        return True
    if op.opens_network and op.geometry.ofm[2] // block.ofm[2] <= 2:
        # Nothing runs before it to hide a copy: regor buffers the first op's weights read once only when they
        # fall in more than two output-depth blocks (``ProposeSlicedWeightBuffering``'s expected slices).
        return False
    if config.cache_kb > 0 and not config.plans_cache:
        return False
    return _copy_hides(op, config, block)


def weight_copy_cycles(config: NpuConfig, nbytes: float, fast: bool = False) -> float:
    """Cycles a DMA takes to read ``nbytes`` of weights from their home memory over its weight channel (``fast``:
    the fast-decode weights' channel), latency included: the transfer the weight-buffer slicing of
    :mod:`archsim.npu.placement` paces its slices by, and regor's time to read weights left unbuffered
    (``MinReadCycles``)."""
    home = config.weights_in
    rate = config.channel_bandwidth(home, write=False, weights=True, fast_weights=fast)
    return nbytes / rate + config.read_latency(home)


def buffer_copy_cycles(config: NpuConfig, nbytes: float) -> float:
    """Cycles regor's buffering choice gives a copy of ``nbytes`` of weights into SRAM (its ``MemToMemCycles``):
    the longer of reading them over the memory-to-memory DMA channel and writing them to SRAM, each with its
    memory's latency."""
    home = config.weights_in
    read = nbytes / config.channel_bandwidth(home, write=False, copy=True) + config.read_latency(home)
    write = nbytes / config.channel_bandwidth(Memory.SRAM, write=True) + config.write_latency(Memory.SRAM)
    return max(read, write)


def reference_cycles(op: NpuOp, config: NpuConfig, block: Block | None = None) -> float:
    """regor's reference estimate of ``op`` when it schedules weight buffering: its feature maps in their home
    memory (the arena, before the cache is planned) and its per-channel parameters read from the weights' home
    (``block``: its output block, chosen here when not given; an op chained onto another's output stage: 0)."""
    g = op.geometry
    maps = config.activations_in
    if op.chained:
        return 0.0
    if g.kind is NpuKind.DMA:
        return op.dma_bytes / config.bandwidth(maps) + config.read_latency(maps)
    const = config.weights_in if g.kind.has_weights and not op.weights_are_activations else None
    return compute_cycles(g, block or choose_block(g, config), config, maps, maps, const).total * op.repeats


def _copy_hides(op: NpuOp, config: NpuConfig, block: Block) -> bool:
    """True when regor buffers weights its array reads once (``ProposeSlicedWeightBuffering`` in ``scheduler.cpp``,
    no code copied). It picks a buffering method only when the buffered reads plus the part of the copy the
    previous operation's reference estimate (``copy_slack``) leaves visible beat reading the weights unbuffered, or
    when the weights fall in more than two output-depth blocks; it then drops the buffer when the copy plus the
    buffered reads, each with its memory's latency, exceed the op's reference estimate (:func:`reference_cycles`).
    The weights move with their per-channel parameters (regor's encoded tensor holds both)."""
    nbytes = float(op.weight_bytes + op.scale_channels * config.scale_bytes_per_channel)
    copy = buffer_copy_cycles(config, nbytes)
    buffered = config.channel_bandwidth(Memory.SRAM, write=False, weights=True, fast_weights=op.fast_weights)
    reads = nbytes / buffered + config.read_latency(Memory.SRAM)
    unmoved = weight_copy_cycles(config, nbytes, op.fast_weights)
    visible = max(0.0, copy - op.copy_slack)
    if reads + visible >= unmoved and op.geometry.ofm[2] // block.ofm[2] <= 2:
        return False
    run = reference_cycles(op, config, block)
    if op.opens_network and _first_slice_shows(op, config, block, run, copy):
        return False
    return copy + reads <= run


STARTUP_DELAY_CYCLES = 1000
"""regor's ``STARTUP_DELAY_CYCLES``: visible buffering under this per slice is not counted against an op whose
run is longer than its unbuffered weight reads (its "poor performance estimation compensation")."""


def _first_slice_shows(op: NpuOp, config: NpuConfig, block: Block, run: float, copy: float) -> bool:
    """True when buffering the network's first op makes it slower: nothing runs before it to copy under, so its
    first depth slice's copy shows (regor's visible buffering cycles in the buffered estimate), unless the op is
    bound by its own run and that copy is under ``STARTUP_DELAY_CYCLES`` per slice."""
    depth = op.geometry.ofm[2]
    slices = math.ceil(depth / DEPTH_SLICE)
    visible = buffer_copy_cycles(config, op.weight_bytes * min(DEPTH_SLICE, depth) / depth)
    if run > copy and visible / slices < STARTUP_DELAY_CYCLES:
        visible = 0.0
    buffered = compute_cycles(op.geometry, block, config, Memory.SRAM, Memory.SRAM, Memory.SRAM).total
    return buffered * op.repeats + visible > max(run, copy)


def _weights(op: NpuOp, block: Block, config: NpuConfig, home: Memory, ledger: _Ledger, prefetched: float) -> float:
    """Add weight and scale traffic; return the weight bytes the MAC array reads."""
    refetch = weight_refetch(op, block)
    scales = op.scale_channels * config.scale_bytes_per_channel
    weights = float(op.weight_bytes)
    reads = Channel.FAST_WEIGHTS if op.fast_weights else Channel.WEIGHTS
    if home is Memory.SRAM:
        ledger.add(Memory.SRAM, reads, refetch * weights)
    elif staged(op, config, block):
        copied = weights - min(prefetched, weights)
        ledger.add(home, Channel.COPY, copied)
        ledger.add(Memory.SRAM, Channel.WRITE, copied)
        ledger.add(Memory.SRAM, reads, refetch * weights)
    else:
        ledger.add(home, reads, refetch * weights)
    ledger.add(home, Channel.SCALES, refetch * scales)
    return refetch * weights
