"""Weight and lookup-table prefetch: constants copied into SRAM while the previous operation runs.

An operation whose weights live off-chip (flash, DRAM) and are staged in SRAM
needs its first weight slice before it can start. Vela's scheduler issues that
DMA under the previous operation ("weight pre-buffering", and the same for a
lookup table), so on a whole network the first-slice wait and the off-chip reads
of the prefetched part vanish from the operation itself. archsim does the same
within physics: the previous operation can only lend the time its own traffic
leaves free on the weights' memory, and the prefetched bytes are booked on the
previous operation's memories (where they actually move; its time grows if
the SRAM writes do not fit in it).

The prefetch is all of the weights when they fit that budget and half the SRAM
staging area, else whole 16-channel output-depth slices of them (Vela splits
weight streams in 16-deep slices), else nothing.
"""

from __future__ import annotations

import math

from archsim.config.npu import Memory, NpuConfig
from archsim.npu.blocks import choose_block
from archsim.npu.memory import staged
from archsim.npu.ops import NpuOp

DEPTH_SLICE = 16
"""Output channels per weight slice when only part of the weights is prefetched."""


def prefetch_budget(config: NpuConfig, total: float, access: dict[Memory, float]) -> float:
    """Constant bytes the next operation may copy while an operation of ``total`` cycles runs.

    The copy reads the constants' memory only in the cycles the operation
    leaves free on it (after the read latency). Its SRAM writes are booked on
    the operation too, which lengthens it if its SRAM was already the bottleneck.
    """
    home = config.weights_in
    if config.bandwidth(home) <= 0:
        return 0.0
    rate = config.channel_bandwidth(home, write=False)
    budget = max(0.0, (total - access.get(home, 0.0) - config.read_latency(home)) * rate)
    if home is not Memory.SRAM and config.cache_kb > 0 and config.plans_cache:
        # Behind an SRAM cache the copy's SRAM writes take only the SRAM time the operation leaves free.
        free = max(0.0, total - access.get(Memory.SRAM, 0.0))
        budget = min(budget, free * config.channel_bandwidth(Memory.SRAM, write=True))
    return budget


def staging_limit(config: NpuConfig) -> float:
    """Bytes of SRAM a prefetched weight buffer may take: half the staging area (0: unbounded)."""
    area = config.cache_kb or config.sram_size_kb
    return area * 1024 / 2


def prefetchable_bytes(op: NpuOp, config: NpuConfig, budget: float) -> float:
    """Weight bytes of ``op`` copied into SRAM during the previous operation (0 when none can be)."""
    home = config.weights_in
    if (
        not op.geometry.kind.has_weights
        or op.weights_are_activations
        or home is Memory.SRAM
        or op.repeats != 1
        or not staged(op, config, choose_block(op.geometry, config))
    ):
        return 0.0
    weights = float(op.weight_bytes)
    limit = staging_limit(config)
    room = min(budget, limit) if limit else budget
    if weights <= room:
        return weights
    depth = op.geometry.ofm[2]
    slices = math.floor(depth * room / weights / DEPTH_SLICE)
    return weights * min(slices * DEPTH_SLICE, depth) / depth


def lut_prefetched(op: NpuOp, config: NpuConfig, budget: float) -> bool:
    """True when ``op``'s lookup table is copied into the shared buffer during the previous operation."""
    return 0 < op.lut_bytes <= budget
