"""Which precisions an NPU runs: an unsupported one is an error naming the layer, never a silent int8 run.

The NPU model lowers a whole network at one precision (``workload.precision``:
int8 or int16 activations; int4 workloads are int4 weights on int8 activations),
so a network whose layers carry other precisions (a co-search family's int4 or
int16 stages beside its int8 stem) cannot be costed faithfully: it is rejected,
as is a weight precision the preset's decoder does not accept.

Ethos-U support (Vela 5.2, ``ethos-u-vela`` in the venv): tensors of NPU ops must be
uint8, int8, int16 or int32 (``tflite_supported_operators.supported_op_dtypes``) and
weights 8-bit (``constraint_weights_type``, "Weight tensor must be 8-bit"; the U85
compiler ``regor``: "Weight tensors must be 8-bit precision"). So every Ethos-U preset
runs int8 weights with int8 or int16 activations (16x8), and neither int4 weights nor
int16 weights.
"""

from __future__ import annotations

from archsim.config.npu import NpuConfig
from archsim.errors import InputError
from workloads.graph import Workload
from workloads.op_precision import op_precisions
from workloads.precision import Precision


def check_precisions(workload: Workload, config: NpuConfig) -> None:
    """Raise ``InputError`` (one line) when a layer's precision is not the one the NPU would run it at."""
    network = workload.precision
    for layer, precision in op_precisions(workload).items():
        if precision is not network:
            raise InputError(
                f"{config.name}: layer {layer} is {precision.value} in a {network.value} network; the NPU runs "
                f"one precision per network (allowed activations: {', '.join(config.precisions)})"
            )
    # 16x8: an int16 network runs int16 activations with int8 weights, as Ethos-U runs them
    weights = Precision.INT8 if network is Precision.INT16 else network
    if weights.value not in config.weight_precisions:
        raise InputError(
            f"{config.name}: {weights.value} weights are not supported; allowed weights: "
            f"{', '.join(config.weight_precisions)}"
        )
