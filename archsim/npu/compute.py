"""NPU cycles of one hardware operation: MAC array, output stage and command issue, pipelined per block.

Per output block the MAC array steps through kernel elements (and 32-deep input
slices): each step costs the micro-blocks in the block's height x width, or
the weight decoder's time for one micro-block of weights if that is longer.
This is why batch-1 fully connected layers and depthwise convolutions leave
the array idle: an FC output is 1x1, so one micro-block per step waits on the
weight decoder (8 weights/cycle against 128-256 MACs); a depthwise output
channel reads one input channel, so the 8-deep dot product carries kernel
elements (4 at a time) instead of channels. The output stage (scale, bias,
activation) and the MAC array work on different blocks at once; the slower one
sets the pace and the other adds one block of fill.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archsim.config.npu import Memory, NpuConfig
from archsim.npu.blocks import SUB_KERNEL_MAX, Block, Traversal
from archsim.npu.ops import Geometry, NpuKind, OutputFn, encoded_scalar, stored_shape
from archsim.npu.ublock import micro_block

GROUP_STEP_CYCLES = 4
"""Cycles per micro-block of a step that groups kernel elements (depthwise, part-kernel): 4 elements x 8 channels."""

BIAS_BYTES_IN_FLIGHT = 256
"""Bytes of per-channel parameters the block's parameter fetch keeps in flight (latency-bound)."""


@dataclass(frozen=True)
class ComputeCycles:
    """NPU cycles of one operation and their parts (before memory limits)."""

    total: float
    mac: float
    output: float
    fill: float


def _clip(block: tuple[int, int, int], shape: tuple[int, int, int]) -> tuple[int, int, int]:
    return min(block[0], shape[0]), min(block[1], shape[1]), min(block[2], shape[2])


def _sub_kernels(geometry: Geometry) -> list[int]:
    """Kernel elements of each <= 8x8 piece of the kernel."""
    kh, kw = geometry.kernel
    limit = 1 if geometry.kind is NpuKind.VECTOR_PRODUCT else SUB_KERNEL_MAX
    heights = [min(limit, kh - y) for y in range(0, kh, limit)]
    widths = [min(limit, kw - x) for x in range(0, kw, limit)]
    return [hh * ww for hh in heights for ww in widths]


def mac_cycles_per_block(
    geometry: Geometry, block: Block, config: NpuConfig, ublock: tuple[int, int, int] | None = None
) -> float:
    """MAC-array cycles of one output block (``ublock``: the micro-block, when not the whole op's own)."""
    uh, uw, uc = ublock or micro_block(geometry, config)
    bh, bw, bc = _clip(block.ofm, geometry.ofm)
    ifm_depth_block = min(block.ifm[2], geometry.ifm[2])
    rows, columns = math.ceil(bh / uh), math.ceil(bw / uw)
    xy = rows * columns
    z = math.ceil(bc / uc)
    # Decoding one micro-block's weights for an input slice: the floor of a kernel step.
    decode = config.ifm_slice_depth * uc / config.weight_decode_per_cycle
    # A depth-first step walks an input slice over the 8-deep dot product: a full slice on
    # Ethos-U55/U65, the input block's own depth (and its bytes) where the array is paced by it (U85).
    # U85: wider inputs take bits / 8 passes of the whole step, the decoder's floor included.
    passes = geometry.ifm_bits / 8 if config.step_follows_ifm_block else 1.0
    if config.step_follows_ifm_block:
        per_xy = ifm_depth_block / config.dot_depth
    else:
        per_xy = config.ifm_slice_depth / config.dot_depth
    bubble = (wide_accumulators(geometry) and config.wide_accumulator_delay) or config.accumulator_delay
    row_bubbles = config.wide_accumulator_row_delay and wide_accumulators(geometry) and min(rows, columns) == 1
    cycles = 0.0
    for elements in _sub_kernels(geometry):
        if geometry.kind is NpuKind.POOLING:
            # The pooling unit spends ifm_bits / 2 cycles per kernel element and micro-block (one on U55-32).
            steps = 1
            work = max(4, elements) * xy * z * (geometry.ifm_bits / 2 if config.pooling_scales_with_bits else 1)
        elif geometry.kind is NpuKind.DEPTHWISE:
            steps = math.ceil(elements / 4)
            work = max(decode, GROUP_STEP_CYCLES * xy * geometry.ifm_bits / 8) * steps * z
        elif block.traversal == Traversal.PART_KERNEL:
            steps = math.ceil(elements / (4 if geometry.ifm_bits == 8 else 2))
            work = max(decode, GROUP_STEP_CYCLES * xy) * steps * z * math.ceil(ifm_depth_block / 8)
        else:
            steps = elements
            work = max(decode, per_xy * xy) * steps * z * passes
        delay = 0
        if xy == 1:
            # A lone micro-block cannot hide the accumulator round trip between kernel steps.
            if z == 1:
                delay = bubble * steps
            elif steps > 1:
                delay = bubble * (steps - 1) * z
        if row_bubbles and z > 1:
            delay += bubble * z  # regor's U55-32: a one-row (or one-column) block pays it per depth micro-block
        if block.traversal == Traversal.PART_KERNEL:
            delay *= math.ceil(ifm_depth_block / 8)
        cycles += work + delay
    if geometry.kind in (NpuKind.CONV, NpuKind.VECTOR_PRODUCT, NpuKind.REDUCE_SUM):
        cycles *= math.ceil(geometry.ifm[2] / ifm_depth_block)
    return cycles / config.cores


def wide_accumulators(geometry: Geometry) -> bool:
    """True for a MAC op accumulating 16-bit inputs in 40-bit accumulators (regor: not pooling)."""
    reducing = (NpuKind.CONV, NpuKind.DEPTHWISE, NpuKind.VECTOR_PRODUCT, NpuKind.REDUCE_SUM)
    return geometry.ifm_bits == 16 and geometry.kind in reducing


def output_cycles_per_element(geometry: Geometry, config: NpuConfig) -> float:
    """Output-stage cycles per element: the op's own rate (or the lookup table's if slower), plus its chained ops'."""
    rate = {
        OutputFn.SCALE: config.output_cycles_per_element,
        OutputFn.ADD: config.elementwise_cycles_per_element,
        OutputFn.MUL: config.mul_cycles_per_element,
        OutputFn.MAXPOOL: config.maxpool_cycles_per_element,
        OutputFn.LUT: config.lut_cycles_per_element,
    }[geometry.output_fn]
    if wide_accumulators(geometry) and config.wide_accumulator_cycles_per_element:
        rate = config.wide_accumulator_cycles_per_element
    lut = config.lut_cycles_per_element if geometry.lut_activation else 0.0
    rate = max(rate, lut)
    if geometry.kind is NpuKind.ELEMENTWISE and geometry.ifm2 is not None and geometry.ifm_bits == 32:
        wide = config.wide_elementwise_cycles_per_element
        rate = max(wide, lut) if wide else rate * config.wide_elementwise_factor
    return rate + geometry.chain_cycles_per_element


def burst_scaled(
    config: NpuConfig,
    memory: Memory,
    nbytes: float,
    *,
    read: bool,
    brick: bool,
    bits: int,
    block: tuple[int, int, int],
    depth: int,
) -> float:
    """Bytes a transfer occupies on ``memory`` when its bursts are shorter than the longest burst.

    NHWC rows are contiguous only when the block spans the full depth; a brick
    (16-channel) layout gives 16 x width contiguous elements.
    """
    element = bits / 8
    if brick:
        burst = 16 * element * block[1] * (1 if read else config.cores)
    elif read:
        burst = element * block[1] * block[2] if depth * element == block[2] else element * block[2]
    elif block[2] <= 16 and depth * element == block[2]:
        burst = element * block[1] * block[2]
    else:
        burst = min(64.0, 16 * element * config.cores, block[2] * element)
    burst = max(min(float(config.burst(memory)), burst), 1.0)
    return nbytes * config.burst(memory) / burst


def block_transfer_cycles(
    geometry: Geometry,
    block: Block,
    config: NpuConfig,
    ifm_memory: Memory,
    ofm_memory: Memory,
    ifm2_memory: Memory | None = None,
) -> tuple[float, float]:
    """Latency plus transfer time of one input block and of one output block.

    With ``ifm2_memory`` (an elementwise op's second operand) the input side is the slower of the two
    inputs' blocks, as regor's U55 estimator takes it.
    """
    ifm_io = _input_block_cycles(geometry, geometry.ifm, block, config, ifm_memory, geometry.brick_ifm)
    if ifm2_memory is not None and geometry.ifm2 is not None and not encoded_scalar(geometry.ifm2, geometry.ifm_bits):
        ifm2_io = _input_block_cycles(geometry, geometry.ifm2, block, config, ifm2_memory, geometry.brick_ifm2)
        ifm_io = max(ifm_io, ifm2_io)
    ofm_clip = _clip(block.ofm, geometry.ofm)
    ofm_bytes = ofm_clip[0] * ofm_clip[1] * ofm_clip[2] * geometry.ofm_bits / 8
    ofm_tx = burst_scaled(
        config,
        ofm_memory,
        ofm_bytes,
        read=False,
        brick=geometry.brick_ofm,
        bits=geometry.ofm_bits,
        block=block.ofm,
        depth=geometry.ofm[2],
    )
    return ifm_io, config.write_latency(ofm_memory) + int(ofm_tx / config.bandwidth(ofm_memory))


def _input_block_cycles(
    geometry: Geometry, shape: tuple[int, int, int], block: Block, config: NpuConfig, memory: Memory, brick: bool
) -> float:
    """Latency plus transfer time of one input block of a feature map of ``shape`` (its part inside the block)."""
    clip = _clip(block.ifm, shape)
    nbytes = clip[0] * clip[1] * clip[2] * geometry.ifm_bits / 8
    scaled = burst_scaled(
        config, memory, nbytes, read=True, brick=brick, bits=geometry.ifm_bits, block=block.ifm, depth=shape[2]
    )
    return config.read_latency(memory) + int(scaled / config.bandwidth(memory))


def compute_cycles(
    geometry: Geometry,
    block: Block,
    config: NpuConfig,
    ifm_memory: Memory,
    ofm_memory: Memory,
    const_memory: Memory | None,
    ifm2_memory: Memory | None = None,
    ublock: tuple[int, int, int] | None = None,
) -> ComputeCycles:
    """NPU cycles of ``geometry`` with output block ``block`` (``ifm2_memory``: where a second operand lives;
    ``ublock``: the micro-block the op's configuration took, when chosen on a cascade stripe rather than the op)."""
    per_element = output_cycles_per_element(geometry, config)
    second = ifm2_memory if config.second_operand_block_io else None
    ifm_io, ofm_io = block_transfer_cycles(geometry, block, config, ifm_memory, ofm_memory, second)
    if geometry.kind is NpuKind.ELEMENTWISE:
        # Command issue floor: the input and output block transfers, in sequence or overlapped.
        memory_floor = max(ifm_io, ofm_io) if config.serial_block_io else ifm_io + ofm_io
        # A brick-format output is processed in whole 16-channel bricks.
        elements = math.prod(stored_shape(geometry.ofm, geometry.brick_ofm))
        output = math.ceil(per_element * elements)
        block_elements = block.ofm[0] * block.ofm[1] * block.ofm[2]
        issue = math.ceil((memory_floor / block_elements + per_element) / config.command_overlap * elements)
        return ComputeCycles(float(max(output, issue)), 0.0, float(output), 0.0)

    uh, uw, uc = ublock or micro_block(geometry, config)
    ofm_block = _clip(block.ofm, geometry.ofm)
    ublocks_per_block = math.ceil(ofm_block[0] / uh) * math.ceil(ofm_block[1] / uw) * math.ceil(ofm_block[2] / uc)
    ublocks_total = math.ceil(geometry.ofm[0] / uh) * math.ceil(geometry.ofm[1] / uw) * math.ceil(geometry.ofm[2] / uc)
    blocks = ublocks_total / ublocks_per_block
    if config.serial_block_io:
        # Issue waits only on the gap between a block's input and output transfers; the first
        # input block and the last output block are moved before and after the array runs.
        memory_floor, edges = (abs(ofm_io - ifm_io) if blocks > 1 else 0.0), ifm_io + ofm_io
    else:
        memory_floor, edges = ifm_io + ofm_io, 0.0

    output = math.ceil(per_element * ofm_block[0] * ofm_block[1] * ofm_block[2])
    if geometry.kind.has_weights and const_memory is not None:
        # Latency-bound fetch of the block's per-channel parameters, charged whole whatever the cores
        # (regor's EstimateMacOpCycles: 10 x block depth x latency / 256 per block).
        bias = config.scale_bytes_per_channel * ofm_block[2] * config.read_latency(const_memory)
        output = max(output, bias / BIAS_BYTES_IN_FLIGHT)
    mac = mac_cycles_per_block(geometry, block, config, ublock)
    issue = (memory_floor + mac + output) / config.command_overlap
    mac_paced, output_paced = max(mac, issue), max(output, issue)
    slow, fast = max(mac_paced, output_paced), min(mac_paced, output_paced)
    return ComputeCycles(float(int(slow * blocks + fast) + edges), mac * blocks, output * blocks, fast + edges)
