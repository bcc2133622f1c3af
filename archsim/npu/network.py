"""``simulate_npu``: a workload on an NPU config, layer by layer.

Each workload op is lowered to NPU operations; each operation's cycles are the
maximum of its NPU cycles (MAC array, output stage, command issue, first weight
DMA) and every memory's access cycles, as Vela's estimator does. Layers run one
after another, in Vela's pass order (:func:`~archsim.npu.placement.schedule_order`,
on every NPU): a residual block's shortcut or projection runs right after the
previous block's add and before the main branch (a U85 add then chains onto the
main branch's last op), each op's weights are copied under the op before it in
that order, and the U65's cache plan walks the same order.

Common columns for NPUs: ``compute_cycles`` are the NPU cycles, ``stall_cycles``
what the busiest memory adds on top, ``fill_drain_cycles`` the pipeline fill
(one block of the faster stage) plus the first weight DMA; ``mapping_eff`` is
the share of MAC slots that hold useful work once outputs are padded to
micro-blocks and reductions to 8-deep dot products; ``compute_util`` is MACs
over NPU cycles x peak MACs, ``overall_util`` MACs over total cycles x peak.
SRAM/DRAM counts are elements; flash reads count as DRAM (off-chip) reads, and
the per-memory bytes and access cycles are in the extras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

from archsim.area import MAC_UM2, sram_mm2
from archsim.config.npu import Memory, NpuConfig
from archsim.energy import DRAM_PJ_PER_BYTE, MAC_PJ, VECTOR_OP_PJ, sram_pj_per_byte
from archsim.errors import InputError
from archsim.metrics import LayerMetrics, NetworkMetrics
from archsim.npu.blocks import Block, Traversal, choose_block
from archsim.npu.compute import compute_cycles, micro_block, output_cycles_per_element
from archsim.npu.lowering import chain_operand, chainable, lower, sliced
from archsim.npu.memory import Channel, Placement, Traffic, operation_traffic, reference_cycles, staged
from archsim.npu.ops import Geometry, NpuKind, NpuOp, stored_shape
from archsim.npu.placement import FeatureMapPlan, plan_feature_maps, schedule_order, staged_weights
from archsim.npu.precision import check_precisions
from archsim.npu.prefetch import Budget, lut_prefetched, prefetchable_bytes, regor_prebuffer, staging_limit
from archsim.traffic import TrafficPlan
from workloads.graph import Node, TensorKind, Workload
from workloads.precision import Precision

DEFAULT_SRAM_KB_FOR_ENERGY = 512.0
"""SRAM size assumed for access energy when a preset leaves the SRAM unbounded."""


@dataclass(frozen=True)
class OpCost:
    """Cycles and traffic of one NPU operation (all its repeats)."""

    npu: float
    total: float
    fill: float
    access: dict[Memory, float]
    traffic: Traffic
    block: Block | None
    wait: float = 0.0
    """Cycles the array waits for its own first weights or lookup table (Vela's ``op_cycles`` exclude them)."""


@dataclass(frozen=True)
class LayerTally:
    """What one layer's NPU operations add up to, before it becomes a :class:`LayerMetrics` row.

    ``access`` and ``raw`` are cycles and bytes per memory (``scaled``: the bytes whole bursts take, which
    occupy a port); ``counts`` are the
    operand elements per side (``ifm_sram``, ``w_dram``, ``w_flash``, ...).
    """

    npu: float = 0.0
    total: float = 0.0
    fill: float = 0.0
    access: dict[Memory, float] = field(default_factory=dict)
    raw: dict[Memory, float] = field(default_factory=dict)
    counts: dict[str, float] = field(default_factory=dict)
    macs: float = 0.0
    padded_macs: float = 0.0
    vector_elements: float = 0.0
    blocks: tuple[str, ...] = ()
    traversals: tuple[str, ...] = ()
    scaled: dict[Memory, float] = field(default_factory=dict)

    def with_prefetch(self, config: NpuConfig, prefetch: Prefetch) -> LayerTally:
        """This layer with the next operation's constants copied during it."""
        access, raw, counts, scaled = dict(self.access), dict(self.raw), dict(self.counts), dict(self.scaled)
        book_prefetch(config, prefetch, access, raw, counts, scaled)
        total = max(self.total, *access.values())
        return replace(self, total=total, access=access, raw=raw, counts=counts, scaled=scaled)

    def with_chained(self, config: NpuConfig, chained: LayerTally, shared: bool) -> LayerTally:
        """This layer with an op chained onto its output stage: the chained op's reads overlap this layer's work.

        They stream over the elementwise operand channel (Vela's U85 IFM stream). When this layer reads through
        another channel (a convolution's or FC's input) the two run side by side: a memory is busy the longer
        of the two transfers and of both bytes over its port; when it reads through the same one (``shared``:
        an add/mul chain head) their cycles add up.
        """
        access, raw, counts, scaled = dict(self.access), dict(self.raw), dict(self.counts), dict(self.scaled)
        for mine, theirs in ((raw, chained.raw), (counts, chained.counts), (scaled, chained.scaled)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0.0) + value
        for memory, cycles in chained.access.items():
            mine = access.get(memory, 0.0)
            port = scaled.get(memory, raw[memory]) / config.bandwidth(memory)
            access[memory] = mine + cycles if shared else max(mine, cycles, port)
        total = max(self.total, *access.values()) if access else self.total
        return replace(self, total=total, access=access, raw=raw, counts=counts, scaled=scaled)


@dataclass(frozen=True)
class Prefetch:
    """Constant bytes copied while the previous operation runs: weights (into SRAM) and a lookup table."""

    weights: float = 0.0
    lut: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.weights or self.lut)


def book_prefetch(
    config: NpuConfig,
    prefetch: Prefetch,
    access: dict[Memory, float],
    raw: dict[Memory, float],
    counts: dict[str, float],
    scaled: dict[Memory, float],
) -> None:
    """Add a prefetch's reads of the constants' memory and its SRAM writes (weights only) to the given tallies.

    With ``vela_compat`` only the bytes and counts: Vela adds no time for the copy to the operation it runs under.
    """
    home = config.weights_in
    access = {} if config.vela_compat else access  # compat: the copy's cycles go nowhere
    # A table bound for a LUT RAM has a DMA channel of its own: it only takes a share of the port.
    lut_rate = config.bandwidth(home) if config.lut_ram_bytes else config.channel_bandwidth(home, write=False)
    access[home] = access.get(home, 0.0) + prefetch.lut / lut_rate
    raw[home] = raw.get(home, 0.0) + prefetch.lut
    scaled[home] = scaled.get(home, 0.0) + prefetch.lut
    moves = [(home, prefetch.weights, False)]
    if prefetch.weights and home is not Memory.SRAM:
        moves.append((Memory.SRAM, prefetch.weights, True))
    for memory, amount, write in moves:
        channel = amount / config.channel_bandwidth(memory, write=write)
        if regor_prebuffer(config):
            # Its own channel beside the op's: the memory is busy until the port has moved both and the channel this.
            port = (scaled.get(memory, 0.0) + amount) / config.bandwidth(memory)
            access[memory] = max(access.get(memory, 0.0), port, channel)
        else:
            access[memory] = access.get(memory, 0.0) + channel
        raw[memory] = raw.get(memory, 0.0) + amount
        scaled[memory] = scaled.get(memory, 0.0) + amount
    side = f"w_{home.value}"
    counts[side] = counts.get(side, 0.0) + prefetch.weights


def check_workload(workload: Workload, config: NpuConfig) -> None:
    """Reject workloads the NPU cannot run or store, with one line naming what to change."""
    precision = workload.precision
    if not config.supports(precision):
        detail = f"runs {'/'.join(config.precisions)} only, workload {workload.name!r} is {precision.value}"
        raise InputError(
            f"config {config.name}: {detail}; quantise the model (e.g. load_workload(..., precision=Precision.INT8))",
            cli=f"--arch {config.name}: {detail}; quantise the model (e.g. --precision int8)",
        )
    check_precisions(workload, config)
    weight_bits = 4 if precision is Precision.INT4 else 8
    stored = {
        t: math.ceil(workload.tensor(t).numel * weight_bits / 8) * config.weight_compression
        for node in workload
        for t in node.inputs
        if workload.tensor(t).kind is TensorKind.WEIGHT
    }
    if config.weight_encoder != "none":  # weights with values take their encoded streams' bytes
        for node in workload:
            if node.inputs[1:2] and node.inputs[1] in workload.weight_values:
                stored[node.inputs[1]] = sum(op.weight_bytes for op in lower(node, workload, config))
    weights = sum(stored.values())
    home = config.size_bytes(config.weights_in)
    if home and weights > home:
        raise InputError.option(
            f"config {config.name}",
            f"--arch {config.name}",
            f"weights of {workload.name!r} need {weights / 1024:,.1f} KiB, "
            f"{config.weights_in.value} holds {home / 1024:,.1f} KiB; use a larger {config.weights_in.value}",
        )
    act_memory = config.activations_in
    capacity = config.size_bytes(act_memory)
    if capacity:
        peak = max(sum(workload.tensor_bytes(t) for t in (*node.inputs[:1], *node.outputs)) for node in workload)
        if act_memory is config.weights_in:
            peak += weights
        if peak > capacity:
            raise InputError.option(
                f"config {config.name}",
                f"--arch {config.name}",
                f"{workload.name!r} needs {peak / 1024:.0f} KiB of {act_memory.value} for one "
                f"layer's activations, {act_memory.value} holds {capacity / 1024:.0f} KiB",
            )


def _activation_memory(
    workload: Workload, name: str, config: NpuConfig, in_dram: frozenset[str] = frozenset()
) -> Memory:
    """Where a feature map lives: intermediates in SRAM (or its cache, unless placed in DRAM), graph inputs/outputs
    in the arena."""
    intermediate = workload.tensor(name).kind is TensorKind.ACTIVATION and bool(workload.consumers[name])
    if name in in_dram:
        return config.activations_in
    if (
        intermediate
        and config.sram_bytes_per_cycle > 0
        and (config.cache_kb > 0 or config.activations_in is Memory.SRAM)
    ):
        return Memory.SRAM
    return config.activations_in


def _operand_memory(workload: Workload, name: str, config: NpuConfig, in_dram: frozenset[str] = frozenset()) -> Memory:
    """Where an op's second operand lives: a constant with the weights, a feature map where activations live."""
    if workload.tensor(name).kind is TensorKind.WEIGHT:
        return config.weights_in
    return _activation_memory(workload, name, config, in_dram)


def _placements(
    node: Node, workload: Workload, config: NpuConfig, traffic: TrafficPlan | None, in_dram: frozenset[str]
) -> tuple[Memory, Memory]:
    ifm = _activation_memory(workload, node.inputs[0], config, in_dram)
    ofm = _activation_memory(workload, node.outputs[0], config, in_dram)
    plan = traffic.get(node.name) if traffic else None
    if plan is not None and config.dram_bytes_per_cycle > 0 and config.sram_bytes_per_cycle > 0:
        ifm = Memory.DRAM if plan.dram_read_bytes > 0 else Memory.SRAM
        ofm = Memory.DRAM if plan.dram_write_bytes > 0 else Memory.SRAM
    return ifm, ofm


@lru_cache(maxsize=8192)
def cost_operation(
    op: NpuOp,
    config: NpuConfig,
    placement: Placement,
    prefetched: float = 0.0,
    lut_ready: bool = False,
    stripe_rows: int = 0,
    lead: float = 0.0,
) -> OpCost:
    """Cycles of one NPU operation: max of NPU cycles and each memory's access cycles (cached: ops repeat).

    ``prefetched`` weight bytes and (``lut_ready``) the lookup table were copied
    during the previous operation; otherwise the table's load (latency plus
    transfer from the constants' memory) delays the start. An operation run in
    cascade stripes of ``stripe_rows`` output rows gets the block Vela's search
    picks for one stripe.
    """
    g = op.geometry
    if op.chained:
        # The producer's output stage does the work; only the other operand is read.
        nbytes = math.prod(stored_shape(g.ofm, g.brick_ifm)) * g.ifm_bits / 8
        traffic = replace(Traffic().with_transfer(placement.ifm, Channel.STREAM, nbytes), ifm_bytes=nbytes)
        access = {placement.ifm: traffic.access_cycles(config, placement.ifm)}
        return OpCost(0.0, access[placement.ifm], 0.0, access, traffic, None)
    if g.kind is NpuKind.DMA:
        traffic = operation_traffic(op, Block(g.ofm, g.ifm, Traversal.ELEMENTWISE), config, placement)
        npu = max(
            op.dma_bytes / config.bandwidth(placement.ifm) + config.read_latency(placement.ifm),
            op.dma_bytes / config.bandwidth(placement.ofm) + config.write_latency(placement.ofm),
        )
        access = {m: traffic.access_cycles(config, m) for m in traffic.scaled}
        return OpCost(npu, max(npu, *access.values()), 0.0, access, traffic, None)
    stripe = striped(g, stripe_rows)
    block = choose_block(stripe, config)
    const = _constants_read_from(op, config, placement, block)
    cycles = compute_cycles(
        g,
        block,
        config,
        placement.ifm,
        placement.ofm_blocks or placement.ofm,
        const,
        placement.ifm2,
        micro_block(stripe, config),
    )
    traffic = operation_traffic(op, block, config, placement, prefetched, lead)
    lut_load = 0.0
    if op.lut_bytes and not lut_ready:
        home = config.weights_in
        lut_load = config.read_latency(home) + op.lut_bytes / config.channel_bandwidth(home, write=False)
        traffic = traffic.with_transfer(home, Channel.COPY, op.lut_bytes)
    access = {m: traffic.access_cycles(config, m) for m in traffic.scaled}
    wait = traffic.first_weight_dma_cycles + lut_load
    npu = cycles.total * op.repeats + wait
    total = max(npu, *access.values()) if access else npu
    return OpCost(npu, total, cycles.fill + wait, access, traffic, block, wait)


def striped(g: Geometry, rows: int) -> Geometry:
    """The geometry one cascade stripe of ``rows`` output rows has (``g`` itself when not striped)."""
    if not rows or rows >= g.ofm[0]:
        return g
    dilated = g.dilation[0] * (g.kernel[0] - 1) + 1
    ifm_rows = min((rows - 1) * g.stride[0] + dilated, g.ifm[0])
    return replace(g, ofm=(rows, *g.ofm[1:]), ifm=(ifm_rows, *g.ifm[1:]))


def _constants_read_from(op: NpuOp, config: NpuConfig, placement: Placement, block: Block) -> Memory | None:
    """Where the output stage fetches per-channel scales from: the SRAM staging copy when weights are staged."""
    if not op.geometry.kind.has_weights or placement.weights is None:
        return None
    if placement.weights is not Memory.SRAM and staged(op, config, block):
        return Memory.SRAM
    return placement.weights


def _padded_macs(op: NpuOp, config: NpuConfig, stripe_rows: int = 0) -> float:
    """MAC slots an operation occupies once outputs fill micro-blocks and reductions 8-deep dot products; in
    cascade stripes of ``stripe_rows`` rows each stripe fills the micro-block its configuration took."""
    g = op.geometry
    u = micro_block(striped(g, stripe_rows), config)
    rows = stripe_rows if 0 < stripe_rows < g.ofm[0] else g.ofm[0]
    whole, rest = divmod(g.ofm[0], rows)
    height = whole * -(-rows // u[0]) * u[0] + -(-rest // u[0]) * u[0]
    outputs = height * math.prod(-(-g.ofm[i] // u[i]) * u[i] for i in (1, 2))
    if g.kind is NpuKind.DEPTHWISE:
        reduction = -(-g.kernel_elements // 4) * config.dot_depth
    else:
        reduction = g.kernel_elements * -(-g.ifm[2] // config.dot_depth) * config.dot_depth
    return float(outputs * reduction * op.repeats)


def _layer(
    node: Node,
    workload: Workload,
    config: NpuConfig,
    traffic: TrafficPlan | None,
    budget: Budget,
    chained: str | None,
    plan: FeatureMapPlan | None = None,
    chain: ChainTail | None = None,
    opens: bool = False,
) -> tuple[LayerTally, Prefetch, Budget]:
    """One layer's tally, the constant bytes its first operation prefetched, and the budget it leaves the next.

    ``budget`` is what the previous operation (of this or an earlier layer) can
    copy for this layer's first operation; prefetches between operations of
    this layer are booked here. ``chained``: the operand a layer chained onto its
    producer's output stage reads itself (None: not chained); ``chain``: what the ops chained onto this layer's
    last operation change in it; ``opens``: no NPU operation ran before this layer.
    """
    ops = lower(node, workload, config, chained is not None)
    if opens and ops:
        ops = (replace(ops[0], opens_network=True), *ops[1:])
    if chain:
        last = ops[-1]
        geometry = replace(last.geometry, chain_cycles_per_element=chain.rate)
        ops = (*ops[:-1], replace(last, geometry=geometry, written_brick=chain.brick_ofm))
    plan = plan or FeatureMapPlan()
    in_dram, stripe_rows = plan.in_dram, plan.stripe_rows.get(node.name, 0)
    if node.name in plan.unbuffered:
        # No SRAM buffer (regor): the array reads the weights from their memory once per output block.
        ops = tuple(replace(op, weights_streamed=True) for op in ops)
    if node.name in plan.depth_slices:
        ops = tuple(sliced(op, node, workload, config, plan.depth_slices[node.name]) for op in ops)
    ifm_mem, ofm_mem = _placements(node, workload, config, traffic, in_dram)
    if chain and traffic is None:
        ofm_mem = _activation_memory(workload, chain.output, config, in_dram)  # the chain's output is written
    element = (16 if workload.precision is Precision.INT16 else 8) / 8
    npu = total = fill = macs = padded = vector_elements = 0.0
    access: dict[Memory, float] = {}
    raw: dict[Memory, float] = {}
    scaled: dict[Memory, float] = {}
    counts = dict.fromkeys(("ifm_sram", "ifm_dram", "w_sram", "w_dram", "w_flash", "ofm_sram", "ofm_dram"), 0.0)
    blocks: list[str] = []
    traversals: list[str] = []
    borrowed = Prefetch()
    for index, op in enumerate(ops):
        first, last = index == 0, index == len(ops) - 1
        op = replace(op, copy_slack=budget.reference)
        scratch = Memory.SRAM if config.sram_bytes_per_cycle > 0 else config.activations_in
        weights_home: Memory | None = None
        if op.geometry.kind.has_weights:
            weights_home = (
                _activation_memory(workload, node.inputs[1], config, in_dram)
                if op.weights_are_activations
                else config.weights_in
            )
        # A copy pass reads its own input, a chained op its own operand.
        source = node.inputs[op.copy_of] if op.copy_of >= 0 else chained
        own = _operand_memory(workload, source, config, in_dram) if source else None
        second = node.inputs[1] if first and len(node.inputs) > 1 else None
        placement = Placement(
            ifm=own or (ifm_mem if first else scratch),
            ofm=ofm_mem if last or op.copy_of >= 0 else scratch,
            weights=weights_home,
            ifm2=config.weights_in
            if op.constant_operand
            else (_operand_memory(workload, second, config, in_dram) if second else scratch),
            ofm_blocks=config.activations_in if chain and last else None,
        )
        prefetched = prefetchable_bytes(op, config, budget.weights) if weights_home is config.weights_in else 0.0
        lut_ready = lut_prefetched(op, config, budget.lut - prefetched)
        cost = cost_operation(op, config, placement, prefetched, lut_ready, stripe_rows, budget.lead)
        moved = Prefetch(prefetched, op.lut_bytes if lut_ready else 0.0)
        if first:
            borrowed = moved
        elif moved:
            book_prefetch(config, moved, access, raw, counts, scaled)
        npu += cost.npu
        total += cost.total
        fill += cost.fill
        for memory, cycles in cost.access.items():
            access[memory] = access.get(memory, 0.0) + cycles
        for memory, nbytes in cost.traffic.raw.items():
            raw[memory] = raw.get(memory, 0.0) + nbytes
        for memory, nbytes in cost.traffic.scaled.items():
            scaled[memory] = scaled.get(memory, 0.0) + nbytes
        side = "sram" if placement.ifm is Memory.SRAM else "dram"
        counts[f"ifm_{side}"] += cost.traffic.ifm_bytes / element
        counts["ofm_sram" if placement.ofm is Memory.SRAM else "ofm_dram"] += cost.traffic.ofm_bytes / element
        if weights_home is not None:
            _count_weights(op, config, weights_home, cost, prefetched, counts)
        macs += op.macs * op.repeats
        if op.macs:
            padded += _padded_macs(op, config, stripe_rows)
        else:
            vector_elements += op.geometry.ofm_elements * op.repeats
        if cost.block is not None:
            blocks.append(cost.block.label())
            traversals.append(cost.block.traversal)
        home_bytes = cost.traffic.scaled.get(config.weights_in, 0.0)
        lends = cost.npu - cost.wait
        if config.vela_compat and not stripe_rows:
            lends = _vela_slack(op, config, lends, budget.weights)
        reference = reference_cycles(op, config, cost.block)
        budget = budget.after(config, cost.total, cost.access, home_bytes, op.lut_bytes, lends, reference)
    # Prefetches booked inside the layer may make a memory its bottleneck.
    total = max(total, *access.values()) if access else total
    tally = LayerTally(
        npu, total, fill, access, raw, counts, macs, padded, vector_elements, tuple(blocks), tuple(traversals), scaled
    )
    return tally, borrowed, budget


def _vela_slack(op: NpuOp, config: NpuConfig, cycles: float, lent: float) -> float:
    """Array cycles ``op`` lends the next weight copy under Vela's rule: all ``cycles``, or, when Vela splits its
    weights in depth slices (``lent`` bytes copied under the op before did not take them all), the last slice's
    share (``scheduler.py``, ``propose_weight_buffering``: the tail slice's cycles; cascaded ops keep them all)."""
    found = staged_weights((op,), config)
    if not found:
        return cycles
    home = config.weights_in
    lent_cycles = lent / config.channel_bandwidth(home, write=False) + config.read_latency(home) if lent else 0.0
    slices = found[0].slices(lent_cycles, 2 * staging_limit(config))
    return cycles * slices[-1] / found[0].depth


def _count_weights(
    op: NpuOp, config: NpuConfig, home: Memory, cost: OpCost, prefetched: float, counts: dict[str, float]
) -> None:
    """Weight elements read per side: the array's reads (SRAM when staged) and the copies from flash/DRAM."""
    copied = home is not Memory.SRAM and cost.block is not None and staged(op, config, cost.block)
    counts["w_sram" if home is Memory.SRAM or copied else f"w_{home.value}"] += cost.traffic.weight_bytes
    if copied:
        counts[f"w_{home.value}"] += op.weight_bytes * op.repeats - prefetched


def _metrics(node: Node, workload: Workload, config: NpuConfig, tally: LayerTally) -> LayerMetrics:
    precision = Precision.INT16 if workload.precision is Precision.INT16 else Precision.INT8
    mac_precision = Precision.INT4 if workload.precision is Precision.INT4 else precision
    peak = config.peak_macs_per_cycle
    total, npu, macs, raw, access = tally.total, tally.npu, tally.macs, tally.raw, tally.access
    total_i, npu_i = math.ceil(total), math.ceil(npu)
    sram_kb = config.sram_size_kb or DEFAULT_SRAM_KB_FOR_ENERGY
    energy = {
        "mac": macs * MAC_PJ[mac_precision],
        "vector": tally.vector_elements * VECTOR_OP_PJ[precision],
        "sram": raw.get(Memory.SRAM, 0.0) * sram_pj_per_byte(sram_kb),
        "dram": raw.get(Memory.DRAM, 0.0) * DRAM_PJ_PER_BYTE,
        "flash": raw.get(Memory.FLASH, 0.0) * DRAM_PJ_PER_BYTE,
    }
    counts = tally.counts
    extras: dict[str, int | float | str] = {
        "npu_cycles": npu_i,
        "sram_access_cycles": math.ceil(access.get(Memory.SRAM, 0.0)),
        "dram_access_cycles": math.ceil(access.get(Memory.DRAM, 0.0)),
        "flash_access_cycles": math.ceil(access.get(Memory.FLASH, 0.0)),
        "sram_bytes": int(raw.get(Memory.SRAM, 0.0)),
        "dram_bytes": int(raw.get(Memory.DRAM, 0.0)),
        "flash_bytes": int(raw.get(Memory.FLASH, 0.0)),
        "filter_flash_reads": int(counts.get("w_flash", 0.0)),
        "ofm_block": ";".join(dict.fromkeys(tally.blocks)),
        "traversal": ";".join(dict.fromkeys(tally.traversals)),
        "npu_ops": len(tally.blocks),
    }
    return LayerMetrics(
        layer=node.name,
        kind=node.op.kind,
        macs=int(macs),
        compute_cycles=npu_i,
        stall_cycles=max(total_i - npu_i, 0),
        total_cycles=total_i,
        fill_drain_cycles=math.ceil(tally.fill),
        overall_util=macs / (total * peak) if total else 0.0,
        mapping_efficiency=macs / tally.padded_macs if tally.padded_macs else 0.0,
        compute_util=macs / (npu * peak) if npu else 0.0,
        ifmap_sram_reads=int(counts["ifm_sram"]),
        filter_sram_reads=int(counts["w_sram"]),
        ofmap_sram_writes=int(counts["ofm_sram"]),
        ifmap_dram_reads=int(counts["ifm_dram"]),
        filter_dram_reads=int(counts["w_dram"]),
        ofmap_dram_writes=int(counts["ofm_dram"]),
        energy_by_component_pj=energy,
        latency_s=total_i / (config.clock_mhz * 1e6),
        extras=extras,
    )


@dataclass(frozen=True)
class ChainTail:
    """What the elementwise ops chained onto a layer's last operation (U85) change in it: the output-stage cycles
    per element they add (each one more pass, as Vela's U85 estimator), and the layout and name of the chain's
    output, which that operation writes (to where that tensor lives)."""

    rate: float
    brick_ofm: bool
    output: str


def chains(order: list[Node], workload: Workload, config: NpuConfig) -> tuple[list[str | None], dict[str, ChainTail]]:
    """Per layer, the operand it reads itself when chained onto the layer before (None: not chained); per
    chain head, its :class:`ChainTail`."""
    operands: list[str | None] = []
    tails: dict[str, ChainTail] = {}
    head, previous = "", None
    for node in order:
        linked = config.chains_elementwise and chainable(node, previous, workload)
        operands.append(chain_operand(node, previous) if linked and previous is not None else None)
        if linked:
            link = lower(node, workload, config, True)[-1]
            rate = (tails[head].rate if head in tails else 0.0) + output_cycles_per_element(link.geometry, config)
            tails[head] = ChainTail(rate, link.geometry.brick_ofm, node.outputs[0])
        else:
            head = node.name
        previous = node
    return operands, tails


def _network_tallies(
    order: list[Node], workload: Workload, config: NpuConfig, traffic: TrafficPlan | None
) -> list[LayerTally]:
    """Every layer's tally (in ``order``), with each layer's prefetched constants booked on the layer they moved
    under."""
    tallies: list[LayerTally] = []
    budget = Budget()
    plan = plan_feature_maps(workload, config) if traffic is None else FeatureMapPlan()
    operands, chain_tails = chains(order, workload, config)
    started = False
    head, streams = 0, False
    for node, chained in zip(order, operands, strict=True):
        tally, borrowed, next_budget = _layer(
            node, workload, config, traffic, budget, chained, plan, chain_tails.get(node.name), not started
        )
        if chained is None:
            head = len(tallies)
            streams = any(op.geometry.kind is NpuKind.ELEMENTWISE for op in lower(node, workload, config))
        else:
            # A chained op's operand read is booked on (and overlaps) the op whose output stage runs it.
            tallies[head] = tallies[head].with_chained(config, tally, streams)
            tally = LayerTally(counts=dict.fromkeys(tally.counts, 0.0), vector_elements=tally.vector_elements)
        if borrowed:
            # Constants copied under the last layer that ran NPU operations.
            owner = next(i for i in range(len(tallies) - 1, -1, -1) if tallies[i].npu)
            tallies[owner] = tallies[owner].with_prefetch(config, borrowed)
        tallies.append(tally)
        if tally.npu:
            budget = next_budget
            started = True
    return tallies


def npu_area_mm2(config: NpuConfig) -> float:
    """MAC array plus shared buffer, per core (system SRAM, DRAM and flash are outside the NPU)."""
    mac = config.macs_per_cycle * MAC_UM2[Precision.INT8] * 1e-6
    buffer = sram_mm2(config.buffer_banks * config.bank_bytes / 1024)
    return config.cores * (mac + buffer)


def simulate_npu(workload: Workload, config: NpuConfig, traffic: TrafficPlan | None = None) -> NetworkMetrics:
    """Per-layer and total metrics of ``workload`` on NPU ``config``."""
    check_workload(workload, config)
    try:
        order = schedule_order(workload)
        tallies = _network_tallies(order, workload, config, traffic)
        layers = tuple(_metrics(node, workload, config, tally) for node, tally in zip(order, tallies, strict=True))
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError.option(f"config {config.name}", f"--arch {config.name}", str(exc)) from None
    offchip = config.dram_bytes_per_cycle or config.flash_bytes_per_cycle
    return NetworkMetrics(
        workload=workload.name,
        arch=config.to_dict(),
        layers=layers,
        clock_hz=config.clock_mhz * 1e6,
        peak_macs_per_cycle=float(config.peak_macs_per_cycle),
        area_mm2=npu_area_mm2(config),
        dram_bytes_per_cycle=float(offchip),
        word_bytes=2.0 if workload.precision is Precision.INT16 else 1.0,
        design={
            "weights_in": config.weights_in.value,
            "activations_in": config.activations_in.value,
            "cache_kb": config.cache_kb,
        },
    )
