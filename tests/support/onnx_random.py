"""Seeded random single convolutions as ONNX files (odd sizes, shallow and uneven channel counts, 1x1 to 5x5)."""

from __future__ import annotations

import random
from pathlib import Path


def write_random_conv(path: Path, seed: int) -> Path:
    """Seed ``seed``'s convolution (``conv``, input ``x``): channels 3-64 in, 8-96 out, maps 7-31, strides 1-2."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = random.Random(seed)
    channels, filters = rng.choice([3, 8, 13, 16, 24, 32, 48, 64]), rng.choice([8, 16, 19, 32, 40, 64, 96])
    height = rng.choice([7, 12, 14, 17, 28])
    width = rng.choice([height, height + 3])
    kernel, stride = rng.choice([1, 3, 5]), rng.choice([1, 1, 2])
    pad = kernel // 2 if rng.random() < 0.6 else 0
    weights = numpy_helper.from_array(np.zeros((filters, channels, kernel, kernel), np.float32), "w")
    node = helper.make_node(
        "Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[kernel, kernel], pads=[pad] * 4, strides=[stride] * 2
    )
    graph = helper.make_graph(
        [node],
        f"random_conv_{seed}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, height, width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[weights],
    )
    model = onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    onnx.save(model, path)
    return path
