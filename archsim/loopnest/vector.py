"""Vector ops (elementwise, activations, norms, softmax, pooling, data movement) as loop nests.

ZigZag 3.9 costs its ``Add`` and ``Pooling`` layers as loop nests on the PE array, with the
same cost model as a convolution: ``O[g] = I[g] + W[g]`` (both inputs activations, every loop
relevant to all three operands) and ``O[b][g][oy][ox] += W[fy][fx] * I[b][g][iy][ix]`` (a
window with a zero-bit ``W``), the channels unrolled along one array dimension. archsim does
the same for every vector op, on the lanes of the config's :class:`VectorUnit`, so a vector op
reads its inputs from the top memory and writes its output back through the memories that
serve those lanes (their capacities, port bandwidths and access energies: traffic, stalls,
on/off-loading as for any layer). The forms:

* **several input streams** (``input_elements > output_elements``, streams = the ratio rounded
  up: add, mul, an ``act_mul`` reading gate and up): ZigZag's ``Add``, the output elements
  flattened into one loop ``G``; streams beyond two are a loop ``S`` over ``W`` (irrelevant to
  ``O`` and ``I``), so the inputs read are at least the op's input elements;
* **one input stream** (activation, softmax, norm, transpose...): ``O[g] += W[] * I[g]``
  with a zero-bit ``W``, as ZigZag's pooling has; an op that reads fewer elements than it writes
  (upsample, pad) is counted as reading one per output (an upper bound on its traffic);
* **pooling** with 4-D shapes: ZigZag's Pooling form (square window ``k = sqrt(ops per
  output)``, stride ``round(H / OH)``; a global pool has the whole plane as its window);
* more operations per element than one (a norm's 5, a fused activation) are a loop ``P``
  irrelevant to every operand: the element stays in the lane while they run.

A reshape is a view: no loop nest (no cycles, no traffic), as the other families treat it.
"""

from __future__ import annotations

import math

from archsim.config.loopnest import VectorUnit
from archsim.loopnest.layer import LoopNestLayer, Operand, PartialRelevance
from workloads.ops import VectorFn, VectorOp

POOLING = frozenset({VectorFn.MAXPOOL, VectorFn.AVGPOOL, VectorFn.GLOBAL_AVGPOOL})
"""Vector functions with a window (ZigZag's ``Pooling`` operator type)."""

_O, _W, _I = Operand.O, Operand.W, Operand.I


def ops_per_element(op: VectorOp, unit: VectorUnit) -> float:
    """Operations per output element on a lane: the unit's figure for the kind (else the
    workload's), plus a fused activation's (the unit's ``activation`` figure, else 1)."""
    ops = unit.ops_per_element.get(op.fn.value, float(op.ops_per_output))
    if op.activation is not None and op.fn is not VectorFn.ACTIVATION:
        ops += unit.ops_per_element.get(VectorFn.ACTIVATION.value, 1.0)
    return ops


def input_streams(op: VectorOp) -> int:
    """Input elements per output element, rounded up (at least 1): the streams the op reads."""
    return max(1, -(-op.input_elements // op.output_elements))


def operator_type(op: VectorOp) -> str:
    """ZigZag's operator type of the op's loop nest: ``Pooling``, ``Add`` or ``Vector`` (one stream)."""
    if op.fn in POOLING:
        return "Pooling"
    return "Add" if input_streams(op) >= 2 else "Vector"


def vector_layer(
    op: VectorOp,
    unit: VectorUnit,
    act_bits: int,
    input_shape: tuple[int, ...] = (),
    output_shape: tuple[int, ...] = (),
) -> LoopNestLayer | None:
    """The loop nest of ``op`` on ``unit`` (``None`` for a reshape, which is a view).

    ``input_shape``/``output_shape`` (NCHW) give a pooling op its window; without them it is
    costed in the stream form (its input elements read once, rounded up to whole streams)."""
    if op.fn is VectorFn.RESHAPE:
        return None
    if op.fn in POOLING and len(input_shape) == 4:
        if op.fn is VectorFn.GLOBAL_AVGPOOL:
            output_shape = (*input_shape[:2], 1, 1)
        pooled = _pooling_layer(op, unit, act_bits, input_shape, output_shape) if len(output_shape) == 4 else None
        if pooled is not None:
            return pooled
    streams = input_streams(op)
    ops = max(1.0, ops_per_element(op, unit))
    sizes = {"G": lane_multiple(op.output_elements, unit.lanes)}
    if streams >= 2:
        sizes["S"] = streams - 1
        sizes["P"] = math.ceil(ops / (streams - 1))
        relevant = {_O: ("G",), _I: ("G",), _W: ("G", "S")}
        precision = {"I": act_bits, "W": act_bits, "O": act_bits, "O_final": act_bits}
    else:
        sizes["P"] = math.ceil(ops)
        relevant = {_O: ("G",), _I: ("G",), _W: ()}
        precision = {"I": act_bits, "W": 0, "O": act_bits, "O_final": act_bits}
    kept = {d: n for d, n in sizes.items() if n > 1}
    relevant = {operand: tuple(d for d in dims if d in kept) for operand, dims in relevant.items()}
    return LoopNestLayer(op.name, "vector", kept, relevant, (), precision, (_O, _W, _I))


def lane_multiple(elements: int, lanes: int) -> int:
    """``elements`` rounded up to whole passes over the lanes, spread evenly: ``T = ceil(n / lanes)``
    passes of ``ceil(n / T)`` lanes each. The unrolling then divides the loop (no fractional
    unrolling, whose rounding would drop elements from the traffic); the extra elements, fewer
    than ``T``, are lanes that idle in a pass."""
    passes = -(-elements // lanes)
    return -(-elements // passes) * passes


def _pooling_layer(
    op: VectorOp, unit: VectorUnit, act_bits: int, input_shape: tuple[int, ...], output_shape: tuple[int, ...]
) -> LoopNestLayer | None:
    """ZigZag's Pooling loop nest, or ``None`` when the window is not a square the shapes explain."""
    batch, channels, height, width = input_shape
    _, _, out_h, out_w = output_shape
    if op.fn is VectorFn.GLOBAL_AVGPOOL or (out_h, out_w) == (1, 1):
        kernel_h, kernel_w, stride_h, stride_w = height, width, 1, 1
    else:
        kernel = math.isqrt(op.ops_per_output)
        if kernel * kernel != op.ops_per_output:
            return None
        kernel_h = kernel_w = kernel
        stride_h, stride_w = max(1, round(height / out_h)), max(1, round(width / out_w))
    sizes = {
        "B": batch,
        "G": lane_multiple(channels, unit.lanes),
        "OY": out_h,
        "OX": out_w,
        "FY": kernel_h,
        "FX": kernel_w,
    }
    kept = {d: n for d, n in sizes.items() if n > 1}
    relevant = {
        _O: tuple(d for d in ("B", "G", "OY", "OX") if d in kept),
        _W: tuple(d for d in ("FY", "FX") if d in kept),
        _I: ("B", "G"),
    }
    partial = (
        PartialRelevance("IX", "OX", "FX", stride_w, 1, width),
        PartialRelevance("IY", "OY", "FY", stride_h, 1, height),
    )
    sum_bits = 2 * act_bits if op.fn is not VectorFn.MAXPOOL else act_bits  # an average accumulates a sum
    precision = {"I": act_bits, "W": 0, "O": sum_bits, "O_final": act_bits}
    return LoopNestLayer(op.name, "pool", kept, relevant, partial, precision, (_O, _W, _I))


def lane_unrolling(unit: VectorUnit, array_dimensions: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """The vector unit's spatial mapping: a vector loop nest's elements (``G``; channels for pooling) over
    the lanes, every other array dimension closed (idle), so no search spreads the op wider than the lanes."""
    return {dim: ({"G": unit.lanes} if dim == unit.dimension else {}) for dim in array_dimensions}
