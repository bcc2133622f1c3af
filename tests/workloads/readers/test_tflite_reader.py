"""TFLite import: MACs, NCHW shapes, edges, precisions and fused activations against values computed here."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from support.onnx_models import write_resnet_style
from support.tflite_models import TfliteGraphWriter, write_conv2d, write_depthwise, write_fc, write_mobilenet_head
from tflite.BuiltinOperator import BuiltinOperator

from workloads.errors import InputError
from workloads.graph import TensorKind, Workload
from workloads.ops import Activation, Conv2d, MatMul, VectorFn
from workloads.precision import Precision
from workloads.readers.tflite_reader import read_tflite
from workloads.registry import load_workload


def _edges(workload: Workload) -> set[tuple[str, str]]:
    producers = workload.producers
    return {(producers[t], node.name) for node in workload for t in node.inputs if t in producers}


def _ops(workload: Workload) -> dict[str, object]:
    return {node.name: node.op for node in workload}


def test_mobilenet_head_int8_imports_with_expected_macs_edges_and_shapes(tmp_path: Path) -> None:
    workload = read_tflite(write_mobilenet_head(tmp_path / "head.tflite"))
    names = ["depthwise_0", "conv_0", "depthwise_1", "conv_1", "avgpool_0", "reshape_0", "fc_0", "softmax_0"]
    assert [n.name for n in workload] == names
    assert _edges(workload) == set(pairwise(names))
    expected = (
        7 * 7 * 512 * 9  # dw 3x3 stride 2: 14x14 -> 7x7
        + 7 * 7 * 1024 * 512  # pw 512 -> 1024
        + 7 * 7 * 1024 * 9  # dw 3x3 stride 1
        + 7 * 7 * 1024 * 1024  # pw 1024 -> 1024
        + 1024 * 1000  # FC
    )
    assert workload.total_macs == expected == 78_771_712
    ops = _ops(workload)
    dw = ops["depthwise_0"]
    assert isinstance(dw, Conv2d) and dw.is_depthwise and dw.activation is Activation.RELU6
    assert (dw.stride_h, dw.pad_top, dw.pad_bottom) == (2, 0, 1)  # TF SAME: the odd pixel goes after
    assert ops["fc_0"] == MatMul("fc_0", m=1, n=1000, k=1024, weight_operand=True)
    assert getattr(ops["softmax_0"], "row", None) == 1000  # the last axis, which SOFTMAX reduces
    assert workload.tensor("input").shape == (1, 512, 14, 14)  # NHWC -> NCHW
    assert workload.tensor("input").kind is TensorKind.INPUT
    assert workload.tensor("depthwise_0/weights").shape == (512, 1, 3, 3)
    assert workload.tensor("conv_0/weights").shape == (1024, 512, 1, 1)
    assert workload.tensor("fc_0/weights").shape == (1000, 1024)
    assert workload.tensor("conv_1").shape == (1, 1024, 7, 7)
    assert workload.precision is Precision.INT8
    assert workload.tensor("conv_0/weights").precision is Precision.INT8
    assert workload.tensor("conv_0/bias").kind is TensorKind.WEIGHT
    assert workload.tensor("conv_0/bias").precision is None  # int32: counted at the workload precision
    assert ops["avgpool_0"].fn is VectorFn.AVGPOOL and ops["avgpool_0"].ops_per_output == 49
    assert ops["softmax_0"].fn is VectorFn.SOFTMAX and ops["reshape_0"].fn is VectorFn.RESHAPE


@pytest.mark.parametrize(
    ("dtype", "activation", "weight"),
    [
        ("int8", Precision.INT8, Precision.INT8),
        ("int16", Precision.INT16, Precision.INT8),
        ("uint8", Precision.INT8, Precision.INT8),
        ("float32", Precision.FP32, Precision.FP32),
    ],
)
def test_tensor_types_set_precisions(tmp_path: Path, dtype: str, activation: Precision, weight: Precision) -> None:
    path = write_conv2d(tmp_path / "c.tflite", 8, 8, 4, 6, 3, dtype=dtype)
    workload = read_tflite(path)
    assert workload.precision is activation
    assert workload.tensor("input").precision is activation
    assert workload.tensor("conv_0/weights").precision is weight
    assert workload.tensor_bytes("conv_0/weights") == 6 * 3 * 3 * 4 * weight.bytes
    override = load_workload(str(path), Precision.FP16)
    assert override.precision is Precision.FP16
    assert all(t.precision is None for t in override.tensors)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "pads"), [(16, 7, 2, (2, 3)), (15, 7, 2, (3, 3)), (56, 3, 1, (1, 1))]
)
def test_same_padding_and_single_layer_macs(
    tmp_path: Path, size: int, kernel: int, stride: int, pads: tuple[int, int]
) -> None:
    conv = read_tflite(write_conv2d(tmp_path / "c.tflite", size, size, 8, 16, kernel, stride, "same")).ops[0]
    out = -(-size // stride)
    assert isinstance(conv, Conv2d)
    assert (conv.pad_top, conv.pad_bottom, conv.pad_left, conv.pad_right) == (*pads, *pads)
    assert conv.output_shape == (1, 16, out, out)
    assert conv.macs == out * out * 16 * 8 * kernel * kernel
    assert conv.activation is Activation.RELU


def test_the_vela_single_layers_have_their_textbook_macs(tmp_path: Path) -> None:
    assert read_tflite(write_conv2d(tmp_path / "a.tflite", 56, 56, 64, 64, 3)).total_macs == 56 * 56 * 64 * 64 * 9
    assert read_tflite(write_conv2d(tmp_path / "b.tflite", 56, 56, 128, 128, 1)).total_macs == 56 * 56 * 128 * 128
    assert read_tflite(write_depthwise(tmp_path / "c.tflite", 56, 56, 128, 3)).total_macs == 56 * 56 * 128 * 9
    assert read_tflite(write_fc(tmp_path / "d.tflite", 1024, 1000)).total_macs == 1024 * 1000
    valid = read_tflite(write_conv2d(tmp_path / "e.tflite", 10, 10, 2, 2, 3, 2, "valid", None)).ops[0]
    assert isinstance(valid, Conv2d) and valid.output_shape == (1, 2, 4, 4) and valid.activation is None


def _branchy(tmp_path: Path) -> Path:
    """Residual add, concat, explicit pad before a VALID stride-2 conv, hard-swish, mean, logistic gate."""
    g = TfliteGraphWriter()
    x = g.input((1, 16, 16, 8))
    a = g.conv2d(x, 8, 3, activation="relu", name="a")
    s = g.add(x, a, activation="relu6", name="res")
    b = g.depthwise(s, 3, name="b", activation=None)
    c = g.concat([s, b], axis=3, name="cat")
    p = g.pad(c, ((0, 0), (0, 1), (0, 1), (0, 0)), name="pad")
    d = g.conv2d(p, 16, 3, 2, "valid", name="down")
    h = g.hard_swish(d, name="hs")
    m = g.mean(h, (1, 2), keep_dims=True, name="gap")
    gate = g.logistic(m, name="gate")
    y = g.mul(h, gate, name="scale")
    return g.write(tmp_path / "branchy.tflite", [y])


def test_branchy_graph_ops_edges_and_folded_pad(tmp_path: Path) -> None:
    workload = read_tflite(_branchy(tmp_path))
    assert [n.name for n in workload] == ["a", "res", "b", "cat", "down", "hs", "gap", "gate", "scale"]
    assert _edges(workload) == {
        ("a", "res"),
        ("res", "b"),
        ("res", "cat"),
        ("b", "cat"),
        ("cat", "down"),
        ("down", "hs"),
        ("hs", "gap"),
        ("gap", "gate"),
        ("hs", "scale"),
        ("gate", "scale"),
    }
    ops = _ops(workload)
    down = ops["down"]
    assert isinstance(down, Conv2d)
    assert (down.pad_top, down.pad_bottom, down.pad_left, down.pad_right) == (0, 1, 0, 1)
    assert down.output_shape == (1, 16, 8, 8) and down.in_channels == 16
    assert workload.total_macs == 16 * 16 * 8 * 8 * 9 + 16 * 16 * 8 * 9 + 8 * 8 * 16 * 16 * 9
    assert ops["res"].fn is VectorFn.ADD and ops["res"].activation is Activation.RELU6
    assert ops["hs"].activation is Activation.HARDSWISH and ops["gate"].activation is Activation.SIGMOID
    assert ops["gap"].fn is VectorFn.GLOBAL_AVGPOOL and ops["gap"].ops_per_output == 64
    assert ops["cat"].fn is VectorFn.CONCAT and workload.tensor("cat").shape == (1, 16, 16, 16)
    assert workload.consumers["input"] == ("a", "res")


def test_pad_before_a_non_conv_stays_as_data_movement(tmp_path: Path) -> None:
    g = TfliteGraphWriter()
    x = g.input((1, 4, 4, 2))
    p = g.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), name="pad")
    workload = read_tflite(g.write(tmp_path / "p.tflite", [g.add(p, p, name="sum")]))
    assert [n.name for n in workload] == ["pad", "sum"]
    assert _ops(workload)["pad"].fn is VectorFn.PAD and workload.tensor("pad").shape == (1, 2, 6, 6)


def _with_exp(tmp_path: Path) -> Path:
    g = TfliteGraphWriter()
    x = g.input((1, 8, 8, 4))
    y = g.conv2d(x, 4, 3, name="c1")
    y = g.unary(y, BuiltinOperator.EXP, "exp")
    return g.write(tmp_path / "exp.tflite", [g.conv2d(y, 4, 3, name="c2")])


def test_unsupported_op_is_named_or_skipped_with_a_note(tmp_path: Path) -> None:
    path = _with_exp(tmp_path)
    with pytest.raises(InputError, match=r"unsupported TFLite op EXP \(op 'exp'\).*skip_unsupported=True"):
        read_tflite(path)
    workload = load_workload(str(path), skip_unsupported=True)
    assert workload.notes == ("skipped unsupported TFLite op EXP (op 'exp'): imported as data movement",)
    assert _edges(workload) == {("c1", "exp"), ("exp", "c2")}
    assert workload.total_macs == 2 * 8 * 8 * 4 * 4 * 9


def test_corrupt_and_foreign_files_are_one_line_input_errors(tmp_path: Path) -> None:
    good = write_mobilenet_head(tmp_path / "head.tflite", h=4, w=4, cin=8, blocks=((1, 8),), classes=4)
    truncated = tmp_path / "truncated.tflite"
    truncated.write_bytes(good.read_bytes()[:200])
    onnx_file = write_resnet_style(tmp_path / "r.tflite", image=16, width=4)
    cases = {
        truncated: "corrupt TFLite file",
        onnx_file: "not a TFLite model",
        tmp_path / "none.tflite": "no such file",
    }
    for path, message in cases.items():
        with pytest.raises(InputError, match=message) as info:
            read_tflite(path)
        assert "\n" not in str(info.value) and str(path) in str(info.value)
    with pytest.raises(InputError, match="static shapes"):
        load_workload(str(good), input_shapes={"input": (1, 4, 4, 8)})
