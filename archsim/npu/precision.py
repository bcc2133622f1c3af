"""Which precisions an NPU runs: an unsupported one is an error naming the layer, never a silent int8 run.

Activations run at the network's precision (``workload.precision``: 8-bit, or 16-bit
for an int16 network; int4 activations are exact in int8 and run as int8). Weights run
at each layer's own precision, so a mixed network (a co-search family's int4 stages
beside its int8 stem) is costed layer by layer, provided the weight decoder accepts
every layer's weights (``NpuConfig.weight_precisions``: int4 and/or int8; int16 weights,
as a co-search family's int16 stages have, are never accepted).

Ethos-U support (Vela 5.2, ``ethos-u-vela`` in the venv): tensors of NPU ops must be
uint8, int8, int16 or int32 (``tflite_supported_operators.supported_op_dtypes``) and
weights 8-bit (``constraint_weights_type``, "Weight tensor must be 8-bit"; the U85
compiler ``regor``: "Weight tensors must be 8-bit precision"). So every Ethos-U preset
runs int8 weights with int8 or int16 activations (16x8), and neither int4 weights nor
int16 weights; a custom config may accept int4 weights (the default, a decoder that
reads 4-bit weights: half the weight bytes).

A graph input an activation-activation matmul reads as its right operand at its own precision (an
LLM's KV cache, with group scales) must be a feature-map type too: an int4 cache is refused; an
int8/int16 one runs at the network's activation precision. (An int4 network's own inputs run as int8.)
"""

from __future__ import annotations

from archsim.config.npu import NpuConfig
from archsim.errors import InputError
from workloads.graph import Node, TensorKind, Workload
from workloads.packing import cached_operand
from workloads.precision import Precision


def weight_precision(node: Node, workload: Workload) -> Precision:
    """Precision of ``node``'s weights: its weight tensor's own, else int8 (int4 in an int4 network).

    An int16 network runs 16x8 (int16 activations, int8 weights), as Ethos-U does.
    """
    for name in node.inputs:
        tensor = workload.tensor(name)
        if tensor.kind is TensorKind.WEIGHT and tensor.precision is not None:
            return tensor.precision
    return Precision.INT4 if workload.precision is Precision.INT4 else Precision.INT8


def check_precisions(workload: Workload, config: NpuConfig) -> None:
    """Raise ``InputError`` (one line) when a layer's weights, or a feature map it reads (a KV cache),
    are of a precision the NPU does not run."""
    for node in workload:
        for tensor in cached_operand(workload, node):
            if tensor.precision is Precision.INT4:
                raise InputError(
                    f"{config.name}: layer {node.name} reads {tensor.name} as int4, not a feature-map type; "
                    "allowed feature maps: int8, int16 (Vela: uint8, int8, int16, int32)"
                )
        if not any(workload.tensor(name).kind is TensorKind.WEIGHT for name in node.inputs):
            continue
        precision = weight_precision(node, workload)
        if precision.value not in config.weight_precisions:
            hint = " (an LLM spec sets its weights' width with wbits=, e.g. wbits=8)" if precision.is_float else ""
            raise InputError(
                f"{config.name}: layer {node.name} has {precision.value} weights, not supported; allowed weights: "
                f"{', '.join(config.weight_precisions)}{hint}"
            )
