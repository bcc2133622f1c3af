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

A lookup table bound for a dedicated LUT RAM (Ethos-U85) has its own DMA command:
it can be loaded under every operation since the previous table's user, with the
port bandwidth those operations' own channels leave (:class:`Budget`).

The prefetch is all of the weights when they fit that budget and half the SRAM
staging area, else whole 16-channel output-depth slices of them (Vela splits
weight streams in 16-deep slices), else nothing; weights of at most 16 output
channels (one slice) are copied as far as the budget goes and the operation
waits for the rest (Vela: the visible part of the transfer).

``vela_compat`` reproduces Vela 5.2's own rule instead (``scheduler.py``,
``propose_weight_buffering``: the slack is the previous operation's estimated NPU
cycles, ``op_cycles``, whatever its own memory traffic): the budget is those cycles
at the channel's rate, and the copy is not booked as time on the operation it runs
under. A flash-bound previous operation then moves more bytes than its flash can.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archsim.config.npu import Memory, NpuConfig
from archsim.npu.blocks import choose_block
from archsim.npu.memory import DEPTH_SLICE, staged
from archsim.npu.ops import NpuOp


def prefetch_budget(config: NpuConfig, total: float, access: dict[Memory, float], npu: float) -> float:
    """Constant bytes the next operation may copy while an operation of ``total`` cycles (``npu`` on the array) runs.

    The copy reads the constants' memory only in the cycles the operation
    leaves free on it (after the read latency). Its SRAM writes are booked on
    the operation too, which lengthens it if its SRAM was already the bottleneck.
    With ``vela_compat`` it may read during all the array cycles, as Vela counts.
    """
    home = config.weights_in
    if config.bandwidth(home) <= 0:
        return 0.0
    rate = config.channel_bandwidth(home, write=False)
    if config.vela_compat:
        return max(0.0, (npu - config.read_latency(home)) * rate)
    budget = max(0.0, (total - access.get(home, 0.0) - config.read_latency(home)) * rate)
    if home is not Memory.SRAM and config.cache_kb > 0 and config.plans_cache and config.cache_holds_prefill:
        # Behind an SRAM cache planned as Vela's Python scheduler does, the copy's SRAM writes take only the SRAM
        # time the operation leaves free (regor, cache_holds_prefill false, books no such limit).
        free = max(0.0, total - access.get(Memory.SRAM, 0.0))
        budget = min(budget, free * config.channel_bandwidth(Memory.SRAM, write=True))
    return budget


@dataclass(frozen=True)
class Budget:
    """Constant bytes the next operation may find already copied.

    ``weights``: what the previous operation's free time on the constants' memory allows
    (Vela's weight pre-buffering, one operation ahead). ``lut``: the same for a lookup
    table, which on an NPU with a dedicated table memory (``lut_ram_bytes``, Ethos-U85)
    is loaded by its own DMA command at any time since the previous table was last
    used, so the free time of every operation since then adds up.
    """

    weights: float = 0.0
    lut: float = 0.0
    lead: float = 0.0
    """Cycles of the weights' memory's read latency a copy issued under the previous operation has behind it
    when that operation ends (its duration, up to the latency)."""
    reference: float = 0.0
    """regor's reference estimate of the previous operation (:func:`archsim.npu.memory.reference_cycles`): the
    slack its buffering choice gives the next operation's weight copy (0 before the network's first)."""

    def after(
        self,
        config: NpuConfig,
        total: float,
        access: dict[Memory, float],
        moved: float,
        lut_bytes: int,
        npu: float,
        reference: float,
    ) -> Budget:
        """The budget an operation leaves the next one: it ran ``total`` cycles (lending ``npu`` array cycles,
        without waits for its own constants; see :func:`prefetch_budget`) with ``access`` cycles per memory,
        moved ``moved`` (burst-scaled) bytes on the constants' memory, used a table of ``lut_bytes`` and has
        ``reference`` cycles in regor's reference estimate.

        A table load into a LUT RAM is a DMA of its own: besides the memory's free time it can use
        the port bandwidth the operation's own (latency-bound) channels leave. On regor's presets
        (:func:`regor_prebuffer`) the weight prefetch is such a DMA too.
        """
        step = prefetch_budget(config, total, access, npu)
        home = config.weights_in
        spare = total * config.bandwidth(home) - moved
        own = (total - config.read_latency(home)) * config.channel_bandwidth(home, write=False)
        if regor_prebuffer(config):
            step = max(step, min(spare, own))
        # A copy's read latency is a delay, not a use of the memory: it passes under the whole operation.
        lead = min(npu if config.vela_compat else total, float(config.read_latency(home)))
        if not config.lut_ram_bytes:
            return Budget(step, step, lead, reference)
        lut = max(0.0, min(spare, own))
        # The LUT RAM is busy while an operation uses a table: the next load starts after it.
        return Budget(step, 0.0 if lut_bytes else lut + self.lut, lead, reference)


def regor_prebuffer(config: NpuConfig) -> bool:
    """True when weight pre-buffering is a DMA of its own beside the operation's latency-bound channels (regor)."""
    return config.limits_channels and config.plans_cache and not config.cache_holds_prefill


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
    if depth <= DEPTH_SLICE:
        return room
    slices = math.floor(depth * room / weights / DEPTH_SLICE)
    return weights * min(slices * DEPTH_SLICE, depth) / depth


def lut_prefetched(op: NpuOp, config: NpuConfig, budget: float) -> bool:
    """True when ``op``'s lookup table was copied before it starts (within ``budget`` bytes, see :class:`Budget`)."""
    return 0 < op.lut_bytes <= budget
