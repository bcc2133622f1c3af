"""Where intermediate feature maps live when the SRAM is a cache in front of a DRAM arena.

With Vela's Dedicated_Sram memory mode (``cache_kb`` > 0 and ``plans_cache``: the U65
and U85 default presets) feature maps belong to the DRAM arena and the SRAM cache holds
what Vela's scheduler puts there. Read in Vela 5.2.0's ``scheduler.py``,
``cascade_builder.py``, ``live_range.py`` and ``pass_packing.py`` (no code copied);
modelled in the same steps, on the ops in Vela's pass order (:func:`schedule_order`):

1. **Cascades.** A run of operations, each the only reader of the previous one's
   output, whose whole input and output do not fit the cache, runs in horizontal
   stripes. As regor builds them on every Ethos-U (Vela 5.2 schedules them all with
   it; its ``cascade_builder.cpp`` and ``scheduler.cpp``): the run is cut where its
   minimal stripes' buffers outgrow the cache, then per piece the tallest final stripe
   whose rolling buffers and buffered weights fit the cache (without splitting the
   piece into more cascades than its smallest stripe needs) sets every stripe, and
   regor decides which cascaded ops buffer their weights (:func:`_regor_buffers`).
   Inside a cascade the stripes stay in SRAM; the output of the cascade's last
   operation goes to the DRAM arena.
2. **Feature maps in the cache.** Every other intermediate output is a candidate
   for the cache, live from its producer to its last reader, beside the weight
   buffers of the operations running then. Outputs that fit at every moment stay;
   outputs that cannot fit even alone go to DRAM; the rest compete, in groups of
   overlapping lifetimes, and the choice that keeps the most accessed bytes in the
   cache wins (exhaustive over each group). Weight buffers are sized as Vela splits
   weights in output-depth slices (:class:`StagedWeights`). When outputs were evicted, the
   weight buffers they meet are planned again with less cache and the placement is redone.

On the U85 presets (``cache_holds_prefill`` false) feature maps are placed as regor, Vela 5.2's
C++ back end, places them too, read in its ``scheduler.cpp``, ``live_range.cpp`` and
``cascade_builder.cpp`` (the version whose schedule print Vela 5.2 shows; no code copied; the
U65 presets keep the Python scheduler's placement, step 2, which matches Vela's figures better
there): an operation whose output stage runs a chained add/mul is never cascaded; an op and the ops
chained onto it, and all the ops of a cascade, share one time slot; a weight buffer outside a
cascade is pre-buffered in the slot before its op whenever it fits beside the previous op's
cascade, double buffers in two parts (:func:`_regor_weight_slots`); and the placement is not
retried with smaller buffers.

The result (:class:`FeatureMapPlan`) is the set of tensors whose reads and writes go
to DRAM, the stripe height of every cascaded layer and the cascaded layers left without a
weight buffer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from archsim.config.npu import Memory, NpuConfig
from archsim.npu.blocks import choose_block
from archsim.npu.compute import compute_cycles
from archsim.npu.lowering import chainable, lower
from archsim.npu.memory import (
    DEPTH_SLICE,
    Placement,
    operation_traffic,
    reference_cycles,
    staged,
    weight_copy_cycles,
    weight_refetch,
)
from archsim.npu.ops import BRICK_DEPTH, Geometry, NpuKind, NpuOp
from workloads.graph import Node, TensorKind, Workload
from workloads.ops import VectorFn, VectorOp
from workloads.precision import Precision

CASCADABLE = frozenset({NpuKind.CONV, NpuKind.DEPTHWISE, NpuKind.POOLING})
"""Operations Vela can run in stripes (not vector products, reduce-sums, elementwise with two feature maps, copies)."""

MAX_GROUP = 20
"""Most competing feature maps searched exhaustively together (Vela's bound as well)."""


@dataclass(frozen=True)
class FeatureMapPlan:
    """Where feature maps live and which layers run in cascade stripes.

    ``in_dram``: intermediate tensors read and written in the DRAM arena;
    ``stripe_rows``: layer name -> output rows per stripe, for layers in a cascade
    (their output block is chosen on the stripe, as Vela's block search sees it).
    """

    in_dram: frozenset[str] = frozenset()
    stripe_rows: Mapping[str, int] = field(default_factory=dict)
    unbuffered: frozenset[str] = frozenset()
    """Cascaded layers whose weights get no SRAM buffer (regor): the array reads them from their memory per block."""
    depth_slices: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """Layer name -> output channels per slice, for layers whose weights regor double-buffers in several depth
    slices (each slice is encoded apart: :func:`archsim.npu.lowering.sliced`)."""


@dataclass(frozen=True)
class StagedWeights:
    """One operation's staged weights as Vela's weight-buffer planning sees them."""

    size: float
    """Weights and scales, bytes."""
    depth: int
    """Output channels (the weights are split along them)."""
    block_depth: int
    """Output channels of the operation's block: slices hold whole blocks when they can."""
    cycles: float
    """The operation's cycles with its feature maps in SRAM."""
    transfer: float
    """Cycles to copy all of them from their memory."""

    def slices(self, lent: float, limit: float) -> list[int]:
        """Output channels per depth slice, as Vela's scheduler splits the weights.

        The first slice is what the copy can fill in the ``lent`` cycles of the operation before (at most half
        of ``limit``); each next one what the copy fills while the op works through the slice before it (at
        least one block, whole blocks, at most half of ``limit``), halved until two adjacent slices fit
        ``limit`` or the first is one 16-channel slice. One slice when the first copy takes them all.
        """
        step = DEPTH_SLICE
        first_bytes = min(self.size * min(1.0, lent / self.transfer), limit / 2)
        if first_bytes >= self.size:
            return [self.depth]
        first = max(step, int(self.depth * first_bytes / self.size) // step * step)
        following = self.cycles * first / self.transfer
        following = -(-math.ceil(following) // self.block_depth) * self.block_depth
        if following * self.size / self.depth > limit / 2:
            following = limit / 2 / self.size * self.depth
        while True:
            unit = self.block_depth if following > self.block_depth else step
            following = max(step, int(following) // unit * unit)
            bounds = [0, *range(first, self.depth, following), self.depth] if first < self.depth else [0, self.depth]
            slices = [b - a for a, b in itertools.pairwise(bounds)]
            if self._double(slices) <= limit or first == step:
                return slices
            if following > first:
                following = -(-(following // 2) // step) * step
            else:
                first = -(-(first // 2) // step) * step

    def _double(self, slices: list[int]) -> float:
        """SRAM of two adjacent slices (the double buffer)."""
        pairs = [a + b for a, b in itertools.pairwise(slices)] or slices
        return max(pairs) * self.size / self.depth

    def parts(self, lent: float, limit: float) -> tuple[float, ...]:
        """regor's buffer parts: the whole buffer when single, else the largest even and odd slice (the two halves
        of the double buffer, ``maxRangeBytes`` per parity in regor's weight encoder); () when not buffered."""
        if not self.buffer(lent, limit):
            return ()
        slices = self.slices(lent, limit)
        per_channel = self.size / self.depth
        if len(slices) == 1 or self._double(slices) > limit:
            return (max(slices) * per_channel,)
        return (max(slices[0::2]) * per_channel, max(slices[1::2]) * per_channel)

    def last_part(self, lent: float, limit: float) -> int:
        """Index of the part holding the last slice (it stays until the slot after the operation)."""
        return (len(self.slices(lent, limit)) - 1) % max(1, len(self.parts(lent, limit)))

    def buffer(self, lent: float, limit: float) -> float:
        """SRAM bytes the weights take: two adjacent slices double buffered, one when single; 0 when even the
        largest slice exceeds ``limit`` (the op then reads them from their memory)."""
        slices = self.slices(lent, limit)
        largest = max(slices) * self.size / self.depth
        if largest > limit:
            return 0.0
        double = self._double(slices)
        return double if len(slices) > 1 and double <= limit else largest


@dataclass(frozen=True)
class _Step:
    """One workload op as the placement sees it."""

    node: Node
    ops: tuple[NpuOp, ...]
    weights: tuple[StagedWeights, ...]
    """Its staged weights."""
    lent: float
    """Cycles of the step before, under which its first weight slice is copied: its cycles with the maps in SRAM
    (Vela's Python scheduler, U65), or regor's reference estimate of it (U85: the slack regor slices weights by)."""
    constants: float
    """Its weights and scales: what a cascade holds in SRAM for it."""
    reads: float
    """Input bytes its first operation reads (with re-reads), feature maps in SRAM."""
    feeds_chain: bool = False
    """The step after runs on its output stage: its own output is never stored."""

    def weight_buffer(self, limit: float) -> float:
        """SRAM bytes of its weight buffers outside a cascade when at most ``limit`` bytes are free for them."""
        return sum(w.buffer(self.lent, limit) for w in self.weights)

    @property
    def cascadable(self) -> bool:
        return (
            len(self.ops) == 1
            and not self.feeds_chain
            and self.ops[0].geometry.kind in CASCADABLE
            and self.ops[0].repeats == 1
            and self.ops[0].geometry.ofm[0] > 1
        )

    @property
    def geometry(self) -> Geometry:
        return self.ops[0].geometry

    def stripe_input(self, rows: int) -> int:
        """Input rows needed for ``rows`` output rows."""
        g = self.geometry
        dilated = g.dilation[0] * (g.kernel[0] - 1) + 1
        return min((rows - 1) * g.stride[0] + dilated, g.ifm[0])


@dataclass(frozen=True)
class _LiveRange:
    """Feature maps sharing one SRAM buffer (an elementwise output overwriting its input), over time slots."""

    tensors: tuple[str, ...]
    start: int
    end: int
    size: float
    access: float

    def fused(self, other: _LiveRange) -> _LiveRange:
        """One buffer holding both: their tensors, the union of their lifetimes, the larger size."""
        return _LiveRange(
            self.tensors + other.tensors,
            min(self.start, other.start),
            max(self.end, other.end),
            max(self.size, other.size),
            self.access + other.access,
        )


@dataclass(frozen=True)
class _Cascade:
    first: int
    last: int
    stripes: tuple[int, ...]
    """Output rows per stripe of each step, first to last."""
    memory: float
    """Rolling buffers plus the weights and scales the cascade buffers."""
    unbuffered: tuple[int, ...] = ()
    """Steps whose staged weights it leaves in their memory (regor, :func:`_regor_buffers`)."""


def _fm_bytes(workload: Workload, name: str) -> float:
    """A feature map's stored bytes: intermediates in the 16-channel brick layout, graph inputs as they are."""
    tensor = workload.tensor(name)
    element = 2 if workload.precision is Precision.INT16 else 1
    if not _intermediate(workload, name):
        return float(tensor.numel * element)
    shape = tensor.shape
    depth = shape[1] if len(shape) == 4 else shape[-1]
    return tensor.numel / depth * math.ceil(depth / BRICK_DEPTH) * BRICK_DEPTH * element


@lru_cache(maxsize=8192)
def in_sram(op: NpuOp, config: NpuConfig) -> tuple[float, float]:
    """An operation's cycles (NPU or SRAM, the longer) and input bytes read, with its feature maps in SRAM
    (cached: shapes repeat)."""
    g = op.geometry
    if g.kind is NpuKind.DMA:
        return 0.0, float(op.dma_bytes)
    if op.chained:
        return 0.0, 0.0
    sram = Placement(Memory.SRAM, Memory.SRAM, config.weights_in, Memory.SRAM)
    block = choose_block(g, config)
    weights = config.weights_in if g.kind.has_weights else None
    npu = compute_cycles(g, block, config, Memory.SRAM, Memory.SRAM, weights).total * op.repeats
    traffic = operation_traffic(op, block, config, sram)
    return max(npu, traffic.access_cycles(config, Memory.SRAM)), traffic.ifm_bytes


def _cycles(ops: tuple[NpuOp, ...], config: NpuConfig) -> float:
    """A step's cycles with its feature maps in SRAM: what it lends the next step's weight copy."""
    return sum(in_sram(op, config)[0] for op in ops)


def staged_weights(ops: tuple[NpuOp, ...], config: NpuConfig) -> tuple[StagedWeights, ...]:
    """The staged weights of a step's operations (streamed weights and weights read once take no buffer)."""
    found = []
    for op in ops:
        g = op.geometry
        if not g.kind.has_weights or op.weights_are_activations or not op.weight_bytes:
            continue
        block = choose_block(g, config)
        if not staged(op, config, block):
            continue
        size = op.weight_bytes + op.scale_channels * config.scale_bytes_per_channel
        transfer = weight_copy_cycles(config, size, op.fast_weights)
        found.append(StagedWeights(size, g.ofm[2], block.ofm[2], in_sram(op, config)[0], transfer))
    return tuple(found)


def _constants(ops: tuple[NpuOp, ...], config: NpuConfig) -> float:
    return float(
        sum(op.weight_bytes + op.scale_channels * config.scale_bytes_per_channel for op in ops if op.weight_bytes)
    )


def schedule_order(workload: Workload) -> list[Node]:
    """The order Vela's pass packing runs the ops in: a depth-first walk back from the graph outputs that
    emits an op once all readers of its output are emitted, then walks its inputs first to last; reversed.
    A residual block's shortcut (the later input of its add) thus runs before the main branch."""
    producers = {tensor: name for name, tensor in ((n.name, t) for n in workload for t in n.outputs)}
    nodes = {node.name: node for node in workload}
    seen: dict[str, int] = {}
    emitted: list[Node] = []
    done: set[str] = set()
    stack = list(reversed(workload.graph_outputs))
    while stack:
        tensor = stack.pop()
        seen[tensor] = seen.get(tensor, 0) + 1
        if seen[tensor] < max(len(workload.consumers[tensor]), 1) or tensor not in producers:
            continue
        node = nodes[producers[tensor]]
        if node.name in done:
            continue
        done.add(node.name)
        emitted.append(node)
        stack += [t for t in reversed(node.inputs) if workload.tensor(t).kind is not TensorKind.WEIGHT]
    return emitted[::-1] + [node for node in workload if node.name not in done]


def _steps(workload: Workload, config: NpuConfig) -> list[_Step]:
    steps: list[_Step] = []
    previous: Node | None = None
    lent = reference = 0.0
    for node in schedule_order(workload):
        chained = config.chains_elementwise and chainable(node, previous, workload)
        ops = _with_slack(lower(node, workload, config, chained), config, reference)
        reads = in_sram(ops[0], config)[1] if ops else 0.0
        if chained and previous is not None:
            steps[-1] = replace(steps[-1], feeds_chain=True)
            # A chained op reads only its other operand, whole (regor's access for a chain's external input).
            operands = [t for t in node.inputs if t not in previous.outputs and _is_map(workload, t)]
            reads = sum(_fm_bytes(workload, t) for t in operands)
        slack = lent if config.cache_holds_prefill else reference
        steps.append(_Step(node, ops, staged_weights(ops, config), slack, _constants(ops, config), reads))
        previous = node
        lent = _cycles(ops, config) + (lent if chained else 0.0)
        if not chained and ops:
            reference = reference_cycles(ops[-1], config)
    return steps


def _with_slack(ops: tuple[NpuOp, ...], config: NpuConfig, reference: float) -> tuple[NpuOp, ...]:
    """A step's operations, each with the reference estimate of the one before it as its copy slack
    (``reference``: the previous step's last operation)."""
    slacked = []
    for op in ops:
        slacked.append(replace(op, copy_slack=reference))
        reference = reference_cycles(op, config)
    return tuple(slacked)


def _is_map(workload: Workload, name: str) -> bool:
    """True for a feature map (an activation or graph input), not a constant."""
    return workload.tensor(name).kind is not TensorKind.WEIGHT


def _times(steps: list[_Step], cascades: list[_Cascade], regor: bool) -> list[int]:
    """Time index of each step. regor (``ExtractLiveRangesFromCascades``) gives one time to an op and the add/mul
    chained onto it, and one to all the ops of a cascade; Vela's Python scheduler one per op."""
    joined = {index for cascade in cascades for index in range(cascade.first + 1, cascade.last + 1)}
    times: list[int] = []
    for index in range(len(steps)):
        shared = regor and index and (steps[index - 1].feeds_chain or index in joined)
        times.append(times[-1] if shared else (times[-1] + 1 if times else 0))
    return times


def _intermediate(workload: Workload, name: str) -> bool:
    return workload.tensor(name).kind is TensorKind.ACTIVATION and bool(workload.consumers[name])


def _elementwise_only(steps: list[_Step], workload: Workload) -> set[str]:
    """Feature maps regor leaves in the DRAM arena: read only by binary adds/muls, one of them not chained.

    Read off Vela 5.2's U85 allocation on probe graphs (docs/npu.md): such a map stays in DRAM however
    little of the cache is used, while one also read by an FC or a convolution, or read only by
    elementwise ops chained onto their producers, stays in the cache.
    """
    readers: dict[str, list[bool | None]] = {}
    for index, step in enumerate(steps):
        op = step.node.op
        elementwise = isinstance(op, VectorOp) and op.fn in (VectorFn.ADD, VectorFn.MUL) and len(step.node.inputs) == 2
        standalone = elementwise and not (index > 0 and steps[index - 1].feeds_chain)
        for source in set(step.node.inputs):
            readers.setdefault(source, []).append(standalone if elementwise else None)
    return {
        name for name, kinds in readers.items() if None not in kinds and any(kinds) and _intermediate(workload, name)
    }


def _joins(steps: list[_Step], workload: Workload, index: int, limit: float) -> bool:
    """True when step ``index + 1`` may extend a cascade ending at ``index``: it is the only reader of that
    output, runs right after it, can run in stripes, and its whole input and output do not fit the cache."""
    if index + 1 >= len(steps) or not steps[index].cascadable or not steps[index + 1].cascadable:
        return False
    produced, reader = steps[index].node.outputs[0], steps[index + 1]
    if tuple(workload.consumers[produced]) != (reader.node.name,) or reader.node.inputs[0] != produced:
        return False
    return _fm_bytes(workload, produced) + _fm_bytes(workload, reader.node.outputs[0]) >= limit


def _rolling_buffer(producer: _Step, producer_rows: int, reader: _Step, reader_rows: int) -> float:
    """SRAM bytes of the stripe buffer between two cascaded steps (whole 16-channel bricks, as Vela sizes it)."""
    needed = reader.stripe_input(reader_rows)
    rows = -(-(producer_rows + needed) // needed) * needed
    g = producer.geometry
    return rows * g.ofm[1] * math.ceil(g.ofm[2] / BRICK_DEPTH) * BRICK_DEPTH * g.ofm_bits / 8


def _split(steps: list[_Step], first: int, stripes: list[int], limit: float) -> list[_Cascade] | None:
    """Cascades of steps ``first..`` with the given stripes: each grows while its buffers fit the cache.

    None when a step is left alone (it then needs its whole input and output, which do not fit).
    """
    cascades: list[_Cascade] = []
    start, end = 0, len(stripes) - 1
    while start <= end:
        memory = steps[first + start].constants
        last = start
        while last < end:
            grown = (
                memory
                + steps[first + last + 1].constants
                + _rolling_buffer(steps[first + last], stripes[last], steps[first + last + 1], stripes[last + 1])
            )
            if grown > limit:
                break
            memory, last = grown, last + 1
        if last == start:
            return None
        cascades.append(_Cascade(first + start, first + last, tuple(stripes[start : last + 1]), memory))
        start = last + 1
    return cascades


def _stripes(steps: list[_Step], first: int, last: int, final_rows: int) -> list[int]:
    """Output rows per stripe of steps ``first..last`` when the last produces ``final_rows`` rows per stripe."""
    rows = [final_rows]
    for index in range(last, first, -1):
        rows.append(min(rows[-1] * steps[index].geometry.stride[0], steps[index - 1].geometry.ofm[0]))
    return rows[::-1]


HIDDEN_CYCLES = 1000
"""Visible weight-copy cycles per stripe regor still counts as hidden (``STARTUP_DELAY_CYCLES`` in its scheduler)."""


def _copy_cycles(nbytes: float, config: NpuConfig) -> float:
    """Cycles to copy ``nbytes`` of weights into the SRAM cache: the slower of the read and the write side (regor's
    ``MemToMemCycles``, each side latency plus bytes over its DMA channel)."""
    home = config.weights_in
    read = nbytes / config.channel_bandwidth(home, write=False) + config.read_latency(home)
    write = nbytes / config.channel_bandwidth(Memory.SRAM, write=True) + config.write_latency(Memory.SRAM)
    return max(read, write)


def _regor_buffers(step: _Step, rows: int, free: float, slack: float, config: NpuConfig) -> bool:
    """True when regor gives a cascaded step (``rows`` per stripe) a weight buffer.

    Read in regor's ``scheduler.cpp`` (``ProposeSlicedWeightBuffering``; no code copied): a cascaded op cannot
    split its weights in depth, so it takes them whole, only when they fit the ``free`` bytes its time index
    leaves, and when their copy hides under the op before: fewer visible cycles (copy minus that op's lent
    ``slack``) than 1/20 of the copy, or fewer than ``HIDDEN_CYCLES`` per stripe of this op. regor's further
    performance test (buffering must not make the estimate worse; an input worth staging instead) is not modelled.
    """
    if not step.weights or step.constants > free:
        return False
    copy = _copy_cycles(step.constants, config)
    visible = max(copy - slack, 0.0)
    return visible < copy / 20 or math.ceil(visible / math.ceil(step.geometry.ofm[0] / rows)) < HIDDEN_CYCLES


def _lent(step: _Step, rows: int, buffered: bool, config: NpuConfig) -> float:
    """Cycles a cascaded step lends the next one's weight copy: one stripe's when it buffered its own weights (the
    copy runs under its last slice), all of them otherwise (regor's ``slackBufferingCycles``)."""
    whole = _cycles(step.ops, config)
    return whole * rows / step.geometry.ofm[0] if buffered else whole


def _min_rolling(steps: list[_Step], first: int, last: int, after: int) -> tuple[list[int], float]:
    """The minimal schedule's stripes of steps ``first..last`` (each one stripe of the next op's stride) and the
    bytes of their rolling buffers."""
    stripes = [steps[i + 1].geometry.stride[0] for i in range(first, last)] + [after]
    rolling = sum(
        _rolling_buffer(steps[i], stripes[i - first], steps[i + 1], stripes[i + 1 - first]) for i in range(first, last)
    )
    return stripes, rolling


def _lent_before(steps: list[_Step], first: int, config: NpuConfig) -> float:
    """Cycles the operation before step ``first`` lends a weight copy: a chain's head with the ops chained onto its
    output stage (regor's sub-operations of one scheduled op), not the chained op alone; 0 at the start."""
    cycles = 0.0
    index = first - 1
    while index >= 0:
        cycles += _cycles(steps[index].ops, config)
        if index == 0 or not steps[index - 1].feeds_chain:
            break
        index -= 1
    return cycles


def _regor_run(
    steps: list[_Step], first: int, last: int, after: int, limit: float, config: NpuConfig
) -> tuple[list[_Step], list[bool]]:
    """The run ``first..last`` as regor's stripe search sees it, and which steps it buffers there.

    regor proposes weight buffers once per run, on its minimal stripes, the run's ops sharing one time index, so
    each buffer given takes from the next op's room (``OptimizeSubSchedule``); its stripe proposals then count
    only those buffers in a cascade's memory (``ProposeScheduleStriping``, ``CascadeBuilder::BuildCascades``):
    the other steps keep constants 0 here. The op before the run lends all its cycles (regor: only its last depth
    slice's when it splits its own weights; not told apart here).
    """
    stripes, used = _min_rolling(steps, first, last, after)
    slack = _lent_before(steps, first, config)
    held = []
    for step, rows in zip(steps[first : last + 1], stripes, strict=True):
        buffered = _regor_buffers(step, rows, limit - used, slack, config)
        used += step.constants if buffered else 0.0
        slack = _lent(step, rows, buffered, config)
        held.append(buffered)
    seen = [
        step if keep else replace(step, constants=0.0) for step, keep in zip(steps[first : last + 1], held, strict=True)
    ]
    return seen, held


def _final_buffers(
    steps: list[_Step], cascade: _Cascade, held: list[bool], slack: float, limit: float, config: NpuConfig
) -> tuple[_Cascade, float]:
    """``cascade`` after regor's last buffering pass on its final stripes, and the cycles its last step lends on.

    Its time index holds the rolling buffers and the buffers the stripe search counted (``held``, one per step);
    each step sees them less its own, plus the buffers given so far in this pass (regor adds each to the index).
    """
    span = range(cascade.first, cascade.last + 1)
    counted = sum(steps[i].constants for i, keep in zip(span, held, strict=True) if keep)
    rolling = max(cascade.memory - counted, 0.0)
    given = 0.0
    chosen = []
    for index, rows, keep in zip(span, cascade.stripes, held, strict=True):
        step = steps[index]
        used = rolling + counted - (step.constants if keep else 0.0) + given
        buffered = _regor_buffers(step, rows, limit - used, slack, config)
        given += step.constants if buffered else 0.0
        slack = _lent(step, rows, buffered, config)
        chosen.append(buffered)
    gone = tuple(i for i, keep in zip(span, chosen, strict=True) if steps[i].weights and not keep)
    kept = sum(steps[i].constants for i, keep in zip(span, chosen, strict=True) if keep)
    return replace(cascade, memory=rolling + kept, unbuffered=gone), slack


def _min_pieces(steps: list[_Step], first: int, last: int, after: int, limit: float) -> list[tuple[int, int]]:
    """regor's cascades of the run ``first..last`` on its minimal schedule: from each step, the cascade grows while its
    rolling buffers (minimal stripes, no weight buffers yet) fit the cache; a step left alone is not cascaded.

    Read in regor's ``CascadeBuilder::BuildCascades`` (spilling branch; no code copied), which runs on the minimal
    schedule before each cascade's stripes are optimised on its own (``OptimizeSubSchedule``).
    """
    stripes, _ = _min_rolling(steps, first, last, after)
    pieces: list[tuple[int, int]] = []
    start = first
    while start <= last:
        end, memory = start, 0.0
        while end < last:
            grown = memory + _rolling_buffer(steps[end], stripes[end - first], steps[end + 1], stripes[end + 1 - first])
            if grown > limit:
                break
            memory, end = grown, end + 1
        if end > start:
            pieces.append((start, end))
        start = end + 1
    return pieces


def _optimised(
    steps: list[_Step], first: int, last: int, after: int, limit: float, config: NpuConfig
) -> list[_Cascade]:
    """The cascades of the run ``first..last`` on its tallest final stripe (up to half the output, rounded up, as
    regor's ``OptimizeSubSchedule``) whose cascades fit the cache without adding cascades to what the smallest
    proposal needed; its minimal stripes when none does (they fit: :func:`_min_pieces`). Its weights are buffered
    as regor decides (:func:`_regor_run`, :func:`_final_buffers`), the others read from their memory."""
    height = steps[last].geometry.ofm[0]
    seen, held = _regor_run(steps, first, last, after, limit, config)
    run = [*steps[:first], *seen, *steps[last + 1 :]]
    best: list[_Cascade] | None = None
    most = 0
    for rows in range(after + 1, (height + 1) // 2 + 1):
        proposal = _split(run, first, _stripes(run, first, last, rows), limit)
        if rows == after + 1:
            most = len(proposal) if proposal else 0
        if proposal is None or len(proposal) > most:
            break
        best = proposal
    if best is None:
        # No proposal fitted: the piece keeps the minimal schedule's costs, which hold no weight buffer, so the last
        # buffering pass starts from its rolling buffers alone.
        stripes, rolling = _min_rolling(steps, first, last, after)
        best, held = [_Cascade(first, last, tuple(stripes), rolling)], [False] * len(held)
    slack = _lent_before(steps, first, config)
    for number, cascade in enumerate(best):
        held_here = held[cascade.first - first : cascade.last - first + 1]
        best[number], slack = _final_buffers(steps, cascade, held_here, slack, limit, config)
    return best


def _cascades(steps: list[_Step], workload: Workload, limit: float, config: NpuConfig) -> list[_Cascade]:
    """Vela's cascades in Dedicated_Sram mode, as regor builds them (Vela 5.2 schedules every Ethos-U with it).

    First the longest runs of steps that do not fit the cache whole, cut where their
    minimal stripes' buffers outgrow the cache (the minimal schedule's cascades,
    :func:`_min_pieces`); then, per piece, the tallest final stripe (:func:`_optimised`):
    a piece may split into several cascades.
    """
    cascades: list[_Cascade] = []
    index = 0
    while index < len(steps):
        last = index
        while _joins(steps, workload, last, limit):
            last += 1
        if last == index:
            index += 1
            continue
        after = steps[last + 1].geometry.stride[0] if last + 1 < len(steps) and steps[last + 1].ops else 1
        for first, end in _min_pieces(steps, index, last, after, limit):
            tail = after if end == last else steps[end + 1].geometry.stride[0]
            cascades += _optimised(steps, first, end, tail, limit, config)
        index = last + 1
    return cascades


def _access(step: _Step) -> tuple[float, float]:
    """Bytes the step's first operation reads from its input and its last writes, with its feature maps in SRAM."""
    if not step.ops:
        return 0.0, 0.0
    last = step.ops[-1]
    return step.reads, last.geometry.ofm_elements * last.geometry.ofm_bits / 8 * last.repeats


def _best_subset(
    group: list[_LiveRange], base: np.ndarray, everything: np.ndarray, limit: float
) -> tuple[list[bool], float]:
    """Which of ``group`` to keep (True) so that the kept access is largest and the cache never overflows."""
    best: tuple[float, list[bool]] = (-1.0, [])
    chosen: list[bool] = []

    def visit(position: int, score: float) -> None:
        nonlocal best
        if position == len(group):
            if score > best[0]:
                best = (score, list(chosen))
            return
        lr = group[position]
        window = slice(lr.start, lr.end + 1)
        if base[window].max() + lr.size <= limit:
            base[window] += lr.size
            chosen.append(True)
            visit(position + 1, score + lr.access)
            chosen.pop()
            base[window] -= lr.size
        if everything[window].max() > limit:
            everything[window] -= lr.size
            chosen.append(False)
            visit(position + 1, score)
            chosen.pop()
            everything[window] += lr.size

    visit(0, 0.0)
    return best[1], best[0]


def _live_ranges(
    steps: list[_Step], workload: Workload, times: list[int], inside: set[int], in_dram: set[str]
) -> list[_LiveRange]:
    """Candidate feature maps for the cache: outputs of operations outside cascades, from their producer's slot
    to the slot after their last reader; an elementwise output shares the buffer of an input of the same shape
    that only it reads (Vela overwrites that input in place)."""
    where = {step.node.name: index for index, step in enumerate(steps)}
    access = [_access(step) for step in steps]
    ranges: dict[str, _LiveRange] = {}
    for index, step in enumerate(steps):
        name = step.node.outputs[0]
        if index in inside or step.feeds_chain or name in in_dram or not _intermediate(workload, name):
            continue
        readers = [where[reader] for reader in workload.consumers[name]]
        used = access[index][1] + sum(access[r][0] for r in readers)
        end = 2 * max(times[r] for r in readers) + 1
        lr = _LiveRange((name,), 2 * times[index], end, _fm_bytes(workload, name), used)
        if len(step.ops) == 1 and step.ops[0].geometry.kind is NpuKind.ELEMENTWISE and not step.ops[0].chained:
            shape = workload.tensor(name).shape
            for source in step.node.inputs:
                if (
                    source in ranges
                    and source not in in_dram
                    and workload.tensor(source).shape == shape
                    and tuple(workload.consumers[source]) == (step.node.name,)
                ):
                    lr = ranges.pop(source).fused(lr)
                    break
        ranges[name] = lr
    return list(ranges.values())


def _place(ranges: list[_LiveRange], base: np.ndarray, limit: float) -> tuple[set[str], float]:
    """Feature maps evicted to DRAM, and the access kept in the cache, given the other SRAM use ``base`` per step."""
    base = base.copy()
    everything = base.copy()
    for lr in ranges:
        everything[lr.start : lr.end + 1] += lr.size
    evicted: set[str] = set()
    competing: list[_LiveRange] = []
    for lr in ranges:
        window = slice(lr.start, lr.end + 1)
        if base[window].max() + lr.size > limit:
            evicted.update(lr.tensors)
            everything[window] -= lr.size
    for lr in ranges:
        window = slice(lr.start, lr.end + 1)
        if lr.tensors[0] in evicted:
            continue
        if everything[window].max() <= limit:
            base[window] += lr.size
        else:
            competing.append(lr)
    competing.sort(key=lambda lr: (lr.start, lr.end, lr.size))
    groups: list[list[_LiveRange]] = []
    for lr in competing:
        if groups and lr.start <= max(g.end for g in groups[-1]) and len(groups[-1]) < MAX_GROUP:
            groups[-1].append(lr)
        else:
            groups.append([lr])
    for group in groups:
        keep, _ = _best_subset(group, base, everything, limit)
        for lr, kept in zip(group, keep, strict=True):
            window = slice(lr.start, lr.end + 1)
            if kept:
                base[window] += lr.size
            else:
                evicted.update(lr.tensors)
                everything[window] -= lr.size
    return evicted, sum(lr.access for lr in ranges if lr.tensors[0] not in evicted)


def _depth_slices(steps: list[_Step], unsliced: set[int], limit: float) -> dict[str, tuple[int, ...]]:
    """Output channels per slice of each step's weights that regor double-buffers in more than one depth slice
    (steps in ``unsliced``, cascaded or staging their input instead, have no buffer of their own)."""
    found: dict[str, tuple[int, ...]] = {}
    for index, step in enumerate(steps):
        if index in unsliced or len(step.weights) != 1:
            continue
        weights = step.weights[0]
        slices = weights.slices(step.lent, limit)
        if len(slices) > 1 and len(weights.parts(step.lent, limit)) == 2:
            found[step.node.name] = tuple(slices)
    return found


def _buffers(
    steps: list[_Step], inside: set[int], limit: float, ranges: list[_LiveRange], evicted: set[str]
) -> np.ndarray:
    """SRAM of each step's weight buffers (none inside a cascade, whose weights its memory holds).

    An operation whose buffer lifetime (filled one slot before it, kept one slot after) an evicted map meets
    plans its buffers with the evicted maps' bytes taken off the cache, when that still leaves it a third of
    the cache or more (Vela's bound).
    """
    gone = [lr for lr in ranges if lr.tensors[0] in evicted]
    buffers = np.zeros(len(steps))
    for index, step in enumerate(steps):
        if index in inside:
            continue
        near = sum(lr.size for lr in gone if lr.start <= 2 * index + 1 and lr.end >= 2 * index - 1)
        buffers[index] = step.weight_buffer(limit - near if near and limit / near >= 1.5 else limit)
    return buffers


def _weight_slots(buffers: np.ndarray, inside: set[int], limit: float) -> np.ndarray:
    """SRAM the weight buffers take per time slot (slot 2i: operation i runs; 2i+1: between i and i+1).

    A buffer lives while its operation runs and until the next starts; outside a cascade it is filled under
    the previous operation (one slot earlier) when it fits beside that operation's own buffer (Vela's Python
    scheduler).
    """
    slots = np.zeros(2 * len(buffers))
    for index, size in enumerate(buffers):
        slots[2 * index : 2 * index + 2] += size
        if index and index not in inside and size + buffers[index - 1] <= limit:
            slots[2 * index - 1] += size
    return slots


def _regor_weight_slots(
    steps: list[_Step],
    times: list[int],
    inside: set[int],
    limit: float,
    cascade_memory: np.ndarray,
    staged_input: frozenset[int] = frozenset(),
) -> np.ndarray:
    """SRAM regor's weight buffers take per time slot (slot 2t: the ops at time t run; 2t+1: between).

    As regor's live ranges (``ExtractLiveRangesFromCascades``): the part holding the last slice lives from its
    op's slot to the next, the other part only during the op; the first part is pre-buffered one slot early
    when the whole buffer is smaller than the cache the previous op's cascade leaves (``ProposeWeightBuffering``:
    ``weightBufferSize < slackMemory``; feature maps are still in DRAM when regor decides). Cascaded ops'
    weights are in the cascade's memory.
    """
    slots = np.zeros(2 * (times[-1] + 1))
    for index, step in enumerate(steps):
        if index in inside or index in staged_input:
            continue
        t = times[index]
        for weights in step.weights:
            parts = weights.parts(step.lent, limit)
            last = weights.last_part(step.lent, limit)
            early = t > 0 and sum(parts) < limit - cascade_memory[t - 1]
            for number, part in enumerate(parts):
                start = 2 * t - (number == 0 and early)
                slots[start : 2 * t + 1 + (number == last)] += part
    return slots


def _input_preferred(
    steps: list[_Step],
    workload: Workload,
    times: list[int],
    inside: set[int],
    limit: float,
    cascade_memory: np.ndarray,
    config: NpuConfig,
) -> frozenset[int]:
    """Steps outside cascades whose weights regor leaves unbuffered to keep their input in the cache instead.

    regor's ``ProposeSlicedWeightBuffering`` (``scheduler.cpp``; no code copied): when the input and the weight
    buffer do not both fit the cache its time leaves, the input fits what the op before leaves, and the op's
    estimate with its input in the cache and its weights read per block from their memory is below both its
    estimate with the buffer and the input read from DRAM and that input read alone, it stages the input and
    drops the buffer. Estimates here: the op's cycles with its maps in SRAM, and the reads at their channel rates.
    """
    home = config.weights_in
    chosen = set()
    for index, step in enumerate(steps):
        if index in inside or len(step.weights) != 1 or not step.node.inputs:
            continue
        weights, op, t = step.weights[0], step.ops[0], times[index]
        ifm = _fm_bytes(workload, step.node.inputs[0])
        buffer = weights.buffer(step.lent, limit)
        before = limit - (cascade_memory[t - 1] if t else 0.0)
        if not buffer or ifm + buffer <= limit - cascade_memory[t] or ifm >= before:
            continue
        fetches = weight_refetch(op, choose_block(op.geometry, config))
        read, fast = weights.size * fetches, op.fast_weights
        unbuffered = read / config.channel_bandwidth(home, write=False, weights=True, fast_weights=fast)
        from_buffer = read / config.channel_bandwidth(Memory.SRAM, write=False, weights=True, fast_weights=fast)
        ifm_dram = step.reads / config.channel_bandwidth(Memory.DRAM, write=False)
        ifm_sram = step.reads / config.channel_bandwidth(Memory.SRAM, write=False)
        with_input = max(weights.cycles, unbuffered, ifm_sram)
        if with_input < max(weights.cycles, from_buffer, ifm_dram) and with_input < ifm_dram:
            chosen.add(index)
    return frozenset(chosen)


def plan_feature_maps(workload: Workload, config: NpuConfig) -> FeatureMapPlan:
    """Cascades and DRAM-resident feature maps of ``workload`` (nothing unless the SRAM is a cache in front of DRAM).

    With Vela's Python scheduler (U65), when feature maps are evicted the placement is tried again with the
    weight buffers of the operations they overlap shrunk to make room, and kept when it leaves more accessed
    bytes in the cache (its weight-buffer size optimisation; regor, on the U85, has none).
    """
    if not config.plans_cache or config.cache_kb <= 0 or config.activations_in is Memory.SRAM:
        return FeatureMapPlan()
    limit = config.cache_kb * 1024
    steps = _steps(workload, config)
    regor = not config.cache_holds_prefill
    cascades = _cascades(steps, workload, limit, config)
    times = _times(steps, cascades, regor)
    cascade_memory = np.zeros(times[-1] + 1)
    in_dram = _elementwise_only(steps, workload) if config.chains_elementwise else set()
    inside: set[int] = set()
    stripe_rows: dict[str, int] = {}
    unbuffered: set[str] = set()
    for cascade in cascades:
        span = range(cascade.first, cascade.last + 1)
        unbuffered.update(steps[i].node.name for i in cascade.unbuffered)
        inside.update(span)
        cascade_memory[times[cascade.first] : times[cascade.last] + 1] = cascade.memory
        for index, rows in zip(span, cascade.stripes, strict=True):
            stripe_rows[steps[index].node.name] = rows
        if _intermediate(workload, steps[cascade.last].node.outputs[0]):
            in_dram.add(steps[cascade.last].node.outputs[0])
    ranges = _live_ranges(steps, workload, times, inside, in_dram)
    slots = np.repeat(cascade_memory, 2)
    if regor:
        prefer = _input_preferred(steps, workload, times, inside, limit, cascade_memory, config)
        unbuffered.update(steps[i].node.name for i in prefer)
        weight_slots = _regor_weight_slots(steps, times, inside, limit, cascade_memory, prefer)
        evicted, _ = _place(ranges, slots + weight_slots, limit)
        sliced = _depth_slices(steps, inside | prefer, limit)
        return FeatureMapPlan(frozenset(in_dram | evicted), stripe_rows, frozenset(unbuffered), sliced)
    buffers = _buffers(steps, inside, limit, ranges, set())
    evicted, kept = _place(ranges, slots + _weight_slots(buffers, inside, limit), limit)
    if evicted:
        shrunk = _buffers(steps, inside, limit, ranges, evicted)
        retry, kept_retry = _place(ranges, slots + _weight_slots(shrunk, inside, limit), limit)
        if kept_retry > kept:
            evicted = retry
    return FeatureMapPlan(frozenset(in_dram | evicted), stripe_rows, frozenset(unbuffered))
