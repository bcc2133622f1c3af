"""Lower workload ops to NPU hardware operations.

Convolutions map one to one (grouped convolutions run once per group, batches
once per image). A batch-1 fully connected layer is a vector product; a
token-wise linear layer (many rows) is a 1x1 convolution over the rows. Ops
the Ethos-U55/U65 has no unit for are decomposed as Vela does: an activation
x activation matmul becomes, per output column, an elementwise multiply and a
reduce-sum (unless the NPU multiplies matrices natively); softmax and
layernorm become reductions, lookup-table and elementwise passes. Unary
activations run on the output stage of a 1x1 pooling pass (a lookup table
for sigmoid, tanh, GELU, swish). A concatenation copies each input into its
slice of the output with a 1x1 pooling pass. Reshapes are free; other data
movement (transpose, slice, pad, upsample) is a DMA copy.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from archsim.config.npu import NpuConfig
from archsim.npu.blocks import choose_block, fixed_ifm_block_depth, traversal_of
from archsim.npu.compute import output_cycles_per_element
from archsim.npu.layout import Shape3, bricked, deepened, hwc, reshaped_pass, split_activation
from archsim.npu.ops import Geometry, NpuKind, NpuOp, OutputFn
from archsim.npu.precision import weight_precision
from archsim.npu.u85_weights import DecodeChannel, U85Layout, scale_stream_channels, sliced_weights, stored_weights
from archsim.npu.ublock import micro_block
from archsim.npu.weight_encoding import StreamLayout, encoded_weight_bytes
from workloads.graph import Node, Workload
from workloads.ops import Activation, Conv2d, MatMul, VectorFn, VectorOp
from workloads.precision import Precision

LUT_ACTIVATIONS = frozenset(
    {Activation.SIGMOID, Activation.TANH, Activation.SWISH, Activation.GELU, Activation.HARDSWISH}
)
"""Activations the output stage evaluates through a lookup table (clamps need none)."""

ACTIVATION_LUT_BYTES = {8: 256, 16: 2048}
"""Activation lookup table by activation bits: 256 int8 entries, or 512 32-bit entries at int16 (Vela lut.py)."""

SOFTMAX_EXP_LUT_BYTES = {8: 1024, 16: 2048}
"""Softmax's exp table: 256 (int8) or 512 (int16) 32-bit entries (Vela's softmax.py)."""

SOFTMAX_ROW_STEPS = 21
LAYERNORM_ROW_STEPS = 4
"""Elementwise steps on one value per row (reciprocal / inverse square root by Newton-Raphson)."""

ROW_STEP_CONSTANTS = frozenset({1, 2, 4, 5, 7, 9, 12, 14, 17, 19})
"""The row steps of Vela's U55/U65 softmax whose second operand is a constant (its per-layer rows read them from
the weights' memory): two subtractions, a multiply and an add, then a subtraction and a multiply per
Newton-Raphson iteration."""

SOFTMAX16_ROW_STEPS = 7
SOFTMAX16_ROW_CONSTANTS = frozenset({1, 2})
"""The 16-bit softmax's one-value row steps (Vela 5.2 on the U55/U65: count leading zeros, two subtractions and
shifts, a shift and the reciprocal's table) and those whose second operand is a constant."""

SOFTMAX_CHAINED_ROW_STEPS = frozenset({3, 5, 7, 8, 9, 12, 13, 14, 17, 18, 19})
"""The 8-bit softmax's row steps the U85 chains onto the step before (Vela 5.2's per-layer rows give them no
cycles: a shift after the second subtraction, and all but the first multiply of each Newton-Raphson iteration)."""

SOFTMAX16_CHAINED_ROW_STEPS = frozenset({3, 4, 5})
"""The 16-bit softmax's row steps the U85 chains onto the step before (Vela's per-layer rows give them no cycles)."""


def lower(node: Node, workload: Workload, config: NpuConfig, chained: bool = False) -> tuple[NpuOp, ...]:
    """The NPU operations that run ``node`` (empty for ops that cost nothing, such as reshapes).

    Activations are 8-bit (16-bit for int16 workloads); weights are each layer's own
    (:func:`archsim.npu.precision.weight_precision`: 8-bit, or 4-bit for int4 layers). A
    ``chained`` binary elementwise op (see :func:`chainable`) only reads its
    other operand.
    """
    bits = 16 if workload.precision is Precision.INT16 else 8
    weights = weight_precision(node, workload)
    brick_in = bricked(workload, node.inputs[0])
    brick_out = bricked(workload, node.outputs[0])
    op = node.op
    if isinstance(op, Conv2d):
        if split_activation(node, workload):
            conv = _stored(_conv(replace(op, activation=None), bits, weights, brick_in, False), node, workload, config)
            return conv, _activation_pass(conv.geometry.ofm, op.activation, bits)
        return (_stored(_conv(op, bits, weights, brick_in, brick_out), node, workload, config),)
    if isinstance(op, MatMul):
        if not op.weight_operand and not config.native_matmul:
            return decomposed_matmul(op, bits)
        if not op.weight_operand:
            return _matmul(op, bits, weights, brick_in, brick_out)
        matmul = _matmul(op, bits, weights, brick_in, brick_out)
        return tuple(_stored(npu_op, node, workload, config) for npu_op in matmul)
    ops = _vector(op, node, workload, bits, brick_in, brick_out, config)
    if chained:
        return tuple(replace(npu_op, chained=True) for npu_op in ops)
    return ops


def chainable(node: Node, producer: Node | None, workload: Workload) -> bool:
    """True when ``node`` is a binary add/mul whose input is ``producer``'s output, used only by it.

    The producer's output stage can run it: a convolution, a fully connected layer, a
    lookup-table activation or another add/mul (Vela's U85 chains them, e.g. a
    residual add onto the FC before it, SiLU's multiplies onto the sigmoid).
    """
    op = node.op
    if producer is None or not isinstance(op, VectorOp) or op.fn not in (VectorFn.ADD, VectorFn.MUL):
        return False
    if len(node.inputs) != 2 or not _has_output_stage(producer):
        return False
    produced = producer.outputs[0]
    if produced not in node.inputs or tuple(workload.consumers[produced]) != (node.name,):
        return False
    if isinstance(producer.op, Conv2d) and reshaped_pass(node, workload):
        return False  # a reshaped pass cannot follow a convolution's output stage (Vela's CanPack)
    # The chain works on the producer's output stream: element for element, no broadcast of it.
    return workload.tensor(produced).numel == workload.tensor(node.outputs[0]).numel


def _has_output_stage(node: Node) -> bool:
    """True for ops whose results leave through the output stage an add/mul can be chained onto."""
    op = node.op
    if isinstance(op, Conv2d):
        return True
    if isinstance(op, MatMul):
        return op.weight_operand
    return isinstance(op, VectorOp) and op.fn in (VectorFn.ACTIVATION, VectorFn.ADD, VectorFn.MUL)


def chain_operand(node: Node, producer: Node) -> str:
    """The input a chained op (see :func:`chainable`) reads itself: the one ``producer`` did not write."""
    produced = producer.outputs[0]
    return next(name for name in node.inputs if name != produced)


def _stored(op: NpuOp, node: Node, workload: Workload, config: NpuConfig) -> NpuOp:
    """``op`` with the bytes its weights take in memory: the encoder's, computed from the weights' values where
    the config names an encoder and the workload carries them (8-bit weights, no groups), else raw x compression."""
    values = workload.weight_values.get(node.inputs[1]) if len(node.inputs) > 1 else None
    g = op.geometry
    encodable = values is not None and values.ndim in (2, 4) and values.size == op.weight_bytes
    if config.weight_encoder == "ethos-u55" and encodable and op.repeats == 1:
        layout = StreamLayout(
            traversal_of(g, config), choose_block(g, config).ofm[2], config.ublock_c, config.dot_depth,
            config.cores, g.ifm_bits, g.dilation,
        )  # fmt: skip
        return replace(op, weight_bytes=encoded_weight_bytes(values, layout))
    if config.weight_encoder == "ethos-u85" and encodable and op.repeats == 1:
        return _stored_u85(op, values, config)
    if config.weight_compression == 1.0:
        return op
    return replace(op, weight_bytes=math.ceil(op.weight_bytes * config.weight_compression))


def _stored_u85(op: NpuOp, values: np.ndarray, config: NpuConfig) -> NpuOp:
    """``op`` with its weights as Vela's U85 encoder stores them: their bytes and format, and the per-channel
    parameters of its output depth rounded up to the micro-block's (:mod:`archsim.npu.u85_weights`)."""
    layout, channel = _u85_encoding(op, config)
    stored = stored_weights(values, layout, channel)
    channels = scale_stream_channels(op.geometry.ofm[2], layout.ofm_ublock_depth)
    return replace(op, weight_bytes=stored.weight_bytes, fast_weights=stored.fast, scale_channels=channels)


def sliced(op: NpuOp, node: Node, workload: Workload, config: NpuConfig, slices: tuple[int, ...]) -> NpuOp:
    """``op`` with its weights stored as Vela stores weights it double-buffers in depth ``slices`` (output channels
    per slice; U85 encoder): each slice encoded apart, with its own padding, streams and per-channel parameters;
    ``op`` itself where its weights are not encoded from values or the slices do not cover its depth."""
    values = workload.weight_values.get(node.inputs[1]) if len(node.inputs) > 1 else None
    if config.weight_encoder != "ethos-u85" or values is None or sum(slices) != op.geometry.ofm[2]:
        return op
    layout, channel = _u85_encoding(op, config)
    if stored_weights(values, layout, channel).weight_bytes != op.weight_bytes:
        return op  # not the op whose weights these values are (or not encoded from them)
    stored = sliced_weights(values, layout, channel, slices)
    channels = sum(scale_stream_channels(depth, layout.ofm_ublock_depth) for depth in slices)
    return replace(op, weight_bytes=stored.weight_bytes, fast_weights=stored.fast, scale_channels=channels)


def _u85_encoding(op: NpuOp, config: NpuConfig) -> tuple[U85Layout, DecodeChannel]:
    """How the U85 encoder orders ``op``'s weights, and what its choice of format weighs (the weights' home)."""
    g = op.geometry
    block = choose_block(g, config)
    ifm_depth = fixed_ifm_block_depth(g, block.traversal, config)
    layout = U85Layout(
        block.traversal, block.ofm[2], ifm_depth, micro_block(g, config)[2], config.weight_streams,
        config.macs_per_cycle, g.ifm_bits, g.stride, g.dilation,
    )  # fmt: skip
    home = config.weights_in
    channel = DecodeChannel(
        config.channel_bandwidth(home, write=False, weights=True),
        config.channel_bandwidth(home, write=False, weights=True, fast_weights=True),
        config.read_latency(home),
    )
    return layout, channel


def _weight_bytes(elements: int, precision: Precision) -> int:
    return math.ceil(elements * precision.bits / 8)


def _conv(op: Conv2d, bits: int, weight_precision: Precision, brick_in: bool, brick_out: bool) -> NpuOp:
    depthwise = op.channels_per_group == 1 and op.groups > 1
    kind = NpuKind.DEPTHWISE if depthwise else NpuKind.CONV
    groups = 1 if depthwise else op.groups
    ifm_c = op.in_channels if depthwise else op.channels_per_group
    ofm_c = op.out_channels if depthwise else op.filters_per_group
    geometry = Geometry(
        kind=kind,
        ifm=(op.in_h, op.in_w, ifm_c),
        ofm=(op.out_h, op.out_w, ofm_c),
        kernel=(op.kernel_h, op.kernel_w),
        stride=(op.stride_h, op.stride_w),
        dilation=(op.dilation_h, op.dilation_w),
        ifm_bits=bits,
        ofm_bits=bits,
        lut_activation=op.activation in LUT_ACTIVATIONS,
        brick_ifm=brick_in,
        brick_ofm=brick_out,
    )
    return NpuOp(
        geometry,
        weight_bytes=_weight_bytes(op.weight_elements // groups, weight_precision),
        scale_channels=ofm_c,
        macs=op.macs // (groups * op.batch),
        repeats=groups * op.batch,
        lut_bytes=_lut_bytes(geometry),
    )


def _activation_pass(shape: Shape3, activation: Activation | None, bits: int) -> NpuOp:
    """A fused activation Vela runs as its own pass (:func:`archsim.npu.layout.split_activation`): a 1x1 pooling
    pass over the output reshaped deeper, both sides NHWC."""
    deep = deepened(shape)
    geometry = Geometry(
        NpuKind.POOLING, deep, deep, ifm_bits=bits, ofm_bits=bits, lut_activation=activation in LUT_ACTIVATIONS
    )
    return NpuOp(geometry, lut_bytes=_lut_bytes(geometry))


def _lut_bytes(geometry: Geometry) -> int:
    """Bytes of the activation lookup table an operation loads (0 without one)."""
    return ACTIVATION_LUT_BYTES[16 if geometry.ofm_bits == 16 else 8] if geometry.lut_activation else 0


def _matmul(op: MatMul, bits: int, weight_precision: Precision, brick_in: bool, brick_out: bool) -> tuple[NpuOp, ...]:
    """A matmul on the MAC array: a vector product for one row, a 1x1 convolution over the rows otherwise.

    With one row (a batch-1 FC) every weight is used once, so the weights stream
    from their memory; with many rows (tokens) they are reused and staged.
    """
    geometry = Geometry(
        NpuKind.VECTOR_PRODUCT if op.m == 1 else NpuKind.CONV,
        (1, op.m, op.k),
        (1, op.m, op.n),
        ifm_bits=bits,
        ofm_bits=bits,
        lut_activation=op.activation in LUT_ACTIVATIONS,
        brick_ifm=brick_in,
        brick_ofm=brick_out,
    )
    if op.weight_operand:
        weights = _weight_bytes(op.k * op.n, weight_precision)
        npu_op = NpuOp(
            geometry,
            weight_bytes=weights,
            scale_channels=op.n,
            macs=op.m * op.n * op.k,
            repeats=op.batch,
            weights_streamed=op.m == 1,
            lut_bytes=_lut_bytes(geometry),
        )
    else:
        npu_op = NpuOp(
            geometry,
            weight_bytes=op.k * op.n * bits // 8,
            macs=op.m * op.n * op.k,
            repeats=op.batch,
            weights_are_activations=True,
        )
    return (npu_op,)


def decomposed_matmul(op: MatMul, bits: int) -> tuple[NpuOp, ...]:
    """An activation x activation matmul without a matmul unit: per output column, multiply then reduce.

    Each column ``j`` multiplies the ``m x k`` left operand by column ``j`` of the
    right operand (broadcast over rows, 32-bit products kept in SRAM) and sums
    over ``k`` on the MAC array's reduce-sum path.
    """
    repeats = op.batch * op.n
    mul = Geometry(
        NpuKind.ELEMENTWISE,
        (1, op.m, op.k),
        (1, op.m, op.k),
        ifm_bits=bits,
        ofm_bits=32,
        ifm2=(1, 1, op.k),
        output_fn=OutputFn.MUL,
        brick_ifm=True,
        brick_ofm=True,
        brick_ifm2=True,
    )
    reduce = Geometry(NpuKind.REDUCE_SUM, (1, op.m, op.k), (1, op.m, 1), ifm_bits=32, ofm_bits=bits, brick_ifm=True)
    return (NpuOp(mul, repeats=repeats), NpuOp(reduce, macs=op.m * op.k, repeats=repeats))


def _elementwise(
    shape: Shape3,
    fn: OutputFn,
    bits: int,
    *,
    binary: bool,
    lut: bool = False,
    out_bits: int | None = None,
    lut_bytes: int = 0,
    operand: Shape3 | None = None,
    brick_in: bool = False,
    brick_out: bool = False,
) -> NpuOp:
    """An elementwise pass over an internal (rows x 1 x length) tensor, plain NHWC unless ``brick_in/out``.

    A binary pass's second operand has the tensor's shape unless ``operand`` gives its broadcast one
    (a value per row, or one scalar).
    """
    return NpuOp(
        Geometry(
            NpuKind.ELEMENTWISE,
            shape,
            shape,
            ifm_bits=bits,
            ofm_bits=out_bits or bits,
            ifm2=(operand or shape) if binary else None,
            output_fn=fn,
            lut_activation=lut,
            brick_ifm=brick_in,
            brick_ofm=brick_out,
        ),
        lut_bytes=lut_bytes,
    )


def _row_max(rows: int, length: int, bits: int) -> NpuOp:
    """Maximum of each row: a pooling pass whose kernel spans the row."""
    geometry = Geometry(
        NpuKind.POOLING,
        (rows, length, 1),
        (rows, 1, 1),
        kernel=(1, length),
        ifm_bits=bits,
        ofm_bits=bits,
        output_fn=OutputFn.MAXPOOL,
    )
    return NpuOp(geometry)


def _row_sum(rows: int, length: int, bits: int) -> NpuOp:
    """Sum of each row: the reduce-sum path of the MAC array over the channel axis."""
    geometry = Geometry(NpuKind.REDUCE_SUM, (rows, 1, length), (rows, 1, 1), ifm_bits=bits, ofm_bits=32)
    return NpuOp(geometry, macs=rows * length)


def softmax_ops(rows: int, length: int, bits: int) -> tuple[NpuOp, ...]:
    """Softmax over rows of ``length``: max, subtract and exp (lookup table), sum, reciprocal, scale.

    Internal tensors in plain NHWC, every second operand at the full shape: presets that neither brick
    (U55/U65, :func:`bricked_softmax_ops`) nor chain (U85, :func:`chained_softmax_ops`) their softmax.
    """
    full, row = (rows, 1, length), (rows, 1, 1)
    return (
        _row_max(rows, length, bits),
        _elementwise(
            full, OutputFn.ADD, bits, binary=True, lut=True, out_bits=32, lut_bytes=SOFTMAX_EXP_LUT_BYTES[bits]
        ),
        _elementwise(full, OutputFn.ADD, 32, binary=True),
        _row_sum(rows, length, 32),
        *(_elementwise(row, OutputFn.MUL, 32, binary=True) for _ in range(SOFTMAX_ROW_STEPS)),
        _elementwise(full, OutputFn.MUL, 32, binary=True),
        _elementwise(full, OutputFn.ADD, 32, binary=True),
        _elementwise(full, OutputFn.ADD, 32, binary=True, out_bits=bits),
    )


def bricked_softmax_ops(
    rows: int, length: int, bits: int, brick_in: bool, brick_out: bool, rounding: bool = True
) -> tuple[NpuOp, ...]:
    """Softmax as Vela 5.2 builds it for the Ethos-U55/U65 (its per-layer rows on the test networks).

    The internal tensors are 16-channel bricks, except the shifted exponentials the row sum reads
    (plain NHWC); the subtraction, multiply and final shift take a value per row, the first shift a
    scalar constant, and the rounding add a constant materialised at the full 32-bit shape (Vela names
    it ``..._broadcasted``) that is read from the weights' memory (left out with ``rounding=False``).
    16-bit inputs take Vela's 16-bit graph (:func:`_bricked_softmax16_ops`).
    """
    if bits == 16:
        return _bricked_softmax16_ops(rows, length, brick_in, brick_out, rounding)
    full, row, scalar = (rows, 1, length), (rows, 1, 1), (1, 1, 1)
    bricks = {"brick_in": True, "brick_out": True}
    exp = _elementwise(
        full, OutputFn.ADD, bits, binary=True, lut=True, out_bits=32, lut_bytes=SOFTMAX_EXP_LUT_BYTES[bits], operand=row
    )
    shift = _elementwise(full, OutputFn.ADD, 32, binary=True, operand=scalar, brick_in=True)
    rounding_add = replace(_elementwise(full, OutputFn.ADD, 32, binary=True, **bricks), constant_operand=True)
    return (
        _row_max(rows, length, bits),
        replace(exp, geometry=replace(exp.geometry, brick_ifm=brick_in, brick_ofm=True)),
        replace(shift, constant_operand=True),
        _row_sum(rows, length, 32),
        *(
            replace(
                _elementwise(row, OutputFn.MUL, 32, binary=True, **bricks), constant_operand=step in ROW_STEP_CONSTANTS
            )
            for step in range(SOFTMAX_ROW_STEPS)
        ),
        _elementwise(full, OutputFn.MUL, 32, binary=True, operand=row, **bricks),
        *((rounding_add,) if rounding else ()),
        _elementwise(
            full, OutputFn.ADD, 32, binary=True, out_bits=bits, operand=row, brick_in=True, brick_out=brick_out
        ),
    )


def _bricked_softmax16_ops(
    rows: int, length: int, brick_in: bool, brick_out: bool, rounding: bool = True
) -> tuple[NpuOp, ...]:
    """Vela 5.2's 16-bit softmax on the U55/U65: the exponential and the reciprocal come from 16-bit lookup tables.

    Its per-layer rows: row max; x - max (32-bit result); a scale and an add with the exp table (16-bit
    result), on scalar constants; the row sum; seven one-value row steps, the last with the 1 / (1 + x)
    table; the multiply by each row's reciprocal; the rounding add on a full-shape 32-bit constant (left out
    with ``rounding=False``); the final shift.
    """
    full, row, scalar = (rows, 1, length), (rows, 1, 1), (1, 1, 1)
    bricks = {"brick_in": True, "brick_out": True}
    lut = SOFTMAX_EXP_LUT_BYTES[16]
    centre = _elementwise(full, OutputFn.ADD, 16, binary=True, out_bits=32, operand=row, brick_out=True)
    exp = _elementwise(
        full, OutputFn.ADD, 32, binary=True, lut=True, out_bits=16, lut_bytes=lut, operand=scalar, **bricks
    )
    steps = [_elementwise(row, OutputFn.MUL, 32, binary=True, **bricks) for _ in range(SOFTMAX16_ROW_STEPS)]
    steps[-1] = _elementwise(row, OutputFn.ADD, 32, binary=True, lut=True, out_bits=16, lut_bytes=lut, **bricks)
    rounding_add = replace(_elementwise(full, OutputFn.ADD, 32, binary=True, **bricks), constant_operand=True)
    return (
        _row_max(rows, length, 16),
        replace(centre, geometry=replace(centre.geometry, brick_ifm=brick_in)),
        replace(_elementwise(full, OutputFn.MUL, 32, binary=True, operand=scalar, **bricks), constant_operand=True),
        replace(exp, constant_operand=True),
        _row_sum(rows, length, 16),
        *(replace(step, constant_operand=index in SOFTMAX16_ROW_CONSTANTS) for index, step in enumerate(steps)),
        _elementwise(full, OutputFn.MUL, 16, binary=True, out_bits=32, operand=row, **bricks),
        *((rounding_add,) if rounding else ()),
        _elementwise(full, OutputFn.ADD, 32, binary=True, out_bits=16, operand=row, brick_in=True, brick_out=brick_out),
    )


def chained_softmax_ops(
    rows: int, length: int, brick_in: bool, brick_out: bool, config: NpuConfig
) -> tuple[NpuOp, ...]:
    """Vela 5.2's 8-bit softmax on the U85 (its per-layer rows and debug database on the LLM block and the networks).

    The U55/U65 graph (:func:`bricked_softmax_ops`) with regor's U85 chaining: the rounding add is left out, the
    final shift is chained onto the multiply by each row's reciprocal, and eleven of the 21 row steps onto the
    step before them; each chained step is one more pass of the output stage of the op it is chained onto.
    """
    ops = bricked_softmax_ops(rows, length, 8, brick_in, brick_out, rounding=False)
    first_step = 4  # after the row max, the exp, the shift and the row sum
    return fold_chained_rates(ops, {len(ops) - 1} | {first_step + step for step in SOFTMAX_CHAINED_ROW_STEPS}, config)


def chained_softmax16_ops(
    rows: int, length: int, brick_in: bool, brick_out: bool, config: NpuConfig
) -> tuple[NpuOp, ...]:
    """Vela 5.2's 16-bit softmax on the U85, which chains elementwise passes into the output stage before them.

    The U55/U65 graph (:func:`_bricked_softmax16_ops`) without its rounding add, with the scale, the exp
    table's add and the final shift chained onto the pass before each (Vela's per-layer rows give them no
    cycles) and three of the seven row steps too.
    """
    ops = _bricked_softmax16_ops(rows, length, brick_in, brick_out, rounding=False)
    first_step = 5  # after the row max, the centring, the scale, the exp and the row sum
    return fold_chained_rates(
        ops, {2, 3, len(ops) - 1} | {first_step + step for step in SOFTMAX16_CHAINED_ROW_STEPS}, config
    )


def fold_chained_rates(ops: tuple[NpuOp, ...], chained: set[int], config: NpuConfig) -> tuple[NpuOp, ...]:
    """``ops`` with those at the indices ``chained`` chained onto the op before them, each adding its output-stage
    rate to the op it is chained onto."""
    folded = [replace(op, chained=index in chained) for index, op in enumerate(ops)]
    head = 0
    for index, op in enumerate(folded):
        if not op.chained:
            head = index
            continue
        geometry = folded[head].geometry
        rate = geometry.chain_cycles_per_element + output_cycles_per_element(op.geometry, config)
        folded[head] = replace(folded[head], geometry=replace(geometry, chain_cycles_per_element=rate))
    return tuple(folded)


def layernorm_ops(rows: int, length: int, bits: int) -> tuple[NpuOp, ...]:
    """Layernorm over rows of ``length``: mean, centre, square, variance, inverse root, scale, shift."""
    full, row = (rows, 1, length), (rows, 1, 1)
    return (
        _row_sum(rows, length, bits),
        _elementwise(full, OutputFn.ADD, bits, binary=True, out_bits=32),
        _elementwise(full, OutputFn.MUL, 32, binary=True),
        _row_sum(rows, length, 32),
        *(_elementwise(row, OutputFn.MUL, 32, binary=True, lut=True) for _ in range(LAYERNORM_ROW_STEPS)),
        _elementwise(full, OutputFn.MUL, 32, binary=True),
        _elementwise(full, OutputFn.MUL, 32, binary=True),
        _elementwise(full, OutputFn.ADD, 32, binary=True, out_bits=bits),
    )


def concat_copies(node: Node, workload: Workload, bits: int, brick_out: bool) -> tuple[NpuOp, ...]:
    """A concatenation: one identity 1x1 pooling pass per input, writing that input into its slice of the output.

    This is how Vela runs a concatenation on the NPU (an average-pool "no-op" per input on
    the Ethos-U55/U65, a MemoryCopy per input on the U85, both on the pooling path).
    """
    copies = []
    for index, name in enumerate(node.inputs):
        shape = hwc(workload.tensor(name).shape)
        geometry = Geometry(
            NpuKind.POOLING,
            shape,
            shape,
            ifm_bits=bits,
            ofm_bits=bits,
            brick_ifm=bricked(workload, name),
            brick_ofm=brick_out,
            copy=True,
        )
        copies.append(NpuOp(geometry, copy_of=index))
    return tuple(copies)


def _pool_stride(size: int, out: int, kernel: int) -> int:
    """Stride of a pooling window that maps ``size`` to ``out`` positions (1 for a single output)."""
    return max(1, round((size - kernel) / (out - 1))) if out > 1 else 1


def _vector(
    op: VectorOp,
    node: Node,
    workload: Workload,
    bits: int,
    brick_in: bool,
    brick_out: bool,
    config: NpuConfig,
) -> tuple[NpuOp, ...]:
    in_shape = workload.tensor(node.inputs[0]).shape
    out_shape = workload.tensor(node.outputs[0]).shape
    ifm, ofm = hwc(in_shape), hwc(out_shape)
    reshaped = reshaped_pass(node, workload)
    if reshaped:
        ifm, ofm = deepened(ifm), deepened(ofm)
    fn = op.fn
    if fn is VectorFn.RESHAPE:
        return ()
    if fn is VectorFn.CONCAT:
        return concat_copies(node, workload, bits, brick_out)
    if fn.moves_data_only:
        nbytes = op.output_elements * bits // 8
        geometry = Geometry(
            NpuKind.DMA, ifm, ofm, ifm_bits=bits, ofm_bits=bits, brick_ifm=brick_in, brick_ofm=brick_out
        )
        return (NpuOp(geometry, dma_bytes=nbytes),)
    if fn in (VectorFn.ADD, VectorFn.MUL):
        binary = len(node.inputs) > 1
        other = hwc(workload.tensor(node.inputs[1]).shape) if binary else ofm
        if reshaped and math.prod(other) > 1:
            other = deepened(other)
        geometry = Geometry(
            NpuKind.ELEMENTWISE,
            ifm,
            ofm,
            ifm_bits=bits,
            ofm_bits=bits,
            ifm2=other,
            output_fn=OutputFn.ADD if fn is VectorFn.ADD else OutputFn.MUL,
            lut_activation=op.activation in LUT_ACTIVATIONS,
            brick_ifm=brick_in,
            brick_ofm=brick_out,
            brick_ifm2=binary and bricked(workload, node.inputs[1]),
        )
        return (NpuOp(geometry, lut_bytes=_lut_bytes(geometry)),)
    if fn is VectorFn.ACTIVATION:
        lut = op.activation in LUT_ACTIVATIONS
        geometry = Geometry(
            NpuKind.POOLING,
            ifm,
            ofm,
            ifm_bits=bits,
            ofm_bits=bits,
            lut_activation=lut,
            brick_ifm=brick_in,
            brick_ofm=brick_out,
        )
        return (NpuOp(geometry, lut_bytes=_lut_bytes(geometry)),)
    if fn in (VectorFn.MAXPOOL, VectorFn.AVGPOOL, VectorFn.GLOBAL_AVGPOOL):
        if fn is VectorFn.GLOBAL_AVGPOOL:
            kernel, stride = (ifm[0], ifm[1]), (1, 1)
            ofm = (1, 1, ifm[2])
        else:
            side = max(1, round(math.sqrt(op.ops_per_output)))
            kernel = op.window or (side, side)
            stride = op.stride or (_pool_stride(ifm[0], ofm[0], kernel[0]), _pool_stride(ifm[1], ofm[1], kernel[1]))
        geometry = Geometry(
            NpuKind.POOLING,
            ifm,
            ofm,
            kernel=kernel,
            stride=stride,
            ifm_bits=bits,
            ofm_bits=bits,
            output_fn=OutputFn.MAXPOOL if fn is VectorFn.MAXPOOL else OutputFn.SCALE,
            brick_ifm=brick_in,
            brick_ofm=brick_out,
        )
        if split_activation(node, workload):
            return NpuOp(replace(geometry, brick_ofm=False)), _activation_pass(ofm, op.activation, bits)
        return (NpuOp(geometry),)
    length = in_shape[-1]
    rows = math.prod(in_shape) // length
    if fn is VectorFn.SOFTMAX:
        if config.bricked_softmax:
            return bricked_softmax_ops(rows, length, bits, brick_in, brick_out)
        if bits == 16:
            return chained_softmax16_ops(rows, length, brick_in, brick_out, config)
        if config.chains_elementwise:
            return chained_softmax_ops(rows, length, brick_in, brick_out, config)
        return softmax_ops(rows, length, bits)
    if fn is VectorFn.LAYERNORM:
        return layernorm_ops(rows, length, bits)
    raise ValueError(f"op {op.name!r}: vector function {fn.value!r} has no NPU lowering")
