"""Shared fixtures of the loop-nest tests: ZigZag's bundled inputs and its reference rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from support.paths import ZIGZAG_REFERENCE


def zigzag_inputs() -> Path:
    """``zigzag/inputs`` of the installed ``zigzag-dse`` wheel (a test extra)."""
    import importlib.util

    spec = importlib.util.find_spec("zigzag")
    assert spec is not None and spec.origin is not None, "zigzag-dse (test extra) is not installed"
    return Path(spec.origin).parent / "inputs"


@pytest.fixture(scope="session")
def zz_inputs() -> Path:
    """Path of ZigZag's bundled hardware, mapping and workload files."""
    return zigzag_inputs()


@pytest.fixture(scope="session")
def reference_rows() -> list[dict[str, str]]:
    """ZigZag 3.9.1's per-layer reference rows (``layer_name == TOTAL`` rows excluded)."""
    with open(ZIGZAG_REFERENCE / "ref_layers.csv", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["layer_name"] != "TOTAL"]


def write_tiny_convs(path: Path) -> Path:
    """Two small convolutions (3x3 SAME, then 3x3 stride 2 unpadded) as an ONNX file both tools read."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w1 = numpy_helper.from_array(np.zeros((16, 8, 3, 3), np.float32), "w1")
    w2 = numpy_helper.from_array(np.zeros((32, 16, 3, 3), np.float32), "w2")
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["y"], name="conv_a", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["y", "w2"], ["z"], name="conv_b", kernel_shape=[3, 3], strides=[2, 2]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 16, 16])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
        initializer=[w1, w2],
    )
    model = onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    onnx.save(model, path)
    return path


@pytest.fixture(scope="session")
def tiny_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the two-conv ONNX test model."""
    return write_tiny_convs(tmp_path_factory.mktemp("loopnest") / "tiny.onnx")
