"""ONNX import: MACs, shapes, edges, fusion and weights against values computed here, plus the error cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx.reference import ReferenceEvaluator
from support.onnx_models import OnnxGraphWriter, write_resnet_style
from support.tflite_models import write_fc

from workloads.errors import InputError
from workloads.graph import TensorKind, Workload
from workloads.ops import Activation, Conv2d, MatMul, VectorFn, VectorOp
from workloads.readers.onnx_reader import read_onnx
from workloads.registry import load_workload


def _conv_macs(out_hw: int, cout: int, cin_per_group: int, kernel: int) -> int:
    return out_hw * out_hw * cout * cin_per_group * kernel * kernel


def _edges(workload: Workload) -> set[tuple[str, str]]:
    producers = workload.producers
    return {(producers[t], node.name) for node in workload for t in node.inputs if t in producers}


def _op(workload: Workload, name: str) -> Conv2d | MatMul | VectorOp:
    return next(node.op for node in workload if node.name == name)


RESNET_EDGES = {
    ("stem", "pool"),
    ("pool", "b1c1"),
    ("b1c1", "b1c2"),
    ("pool", "b1add"),
    ("b1c2", "b1add"),
    ("b1add", "b2c1"),
    ("b1add", "b2down"),
    ("b2c1", "b2c2"),
    ("b2down", "b2add"),
    ("b2c2", "b2add"),
    ("b2add", "b3dw"),
    ("b3dw", "b3pw"),
    ("b2add", "b3add"),
    ("b3pw", "b3add"),
    ("b3add", "gap"),
    ("gap", "flatten"),
    ("flatten", "fc"),
    ("fc", "prob"),
}


def _resnet_macs(image: int, width: int, classes: int, batch: int) -> int:
    """The ResNet-style model's MACs from its description (stride-2 stem and pool, then a stride-2 block)."""
    w2 = 2 * width
    stem = (image + 6 - 7) // 2 + 1
    pooled = (stem + 2 - 3) // 2 + 1
    half = (pooled - 1) // 2 + 1
    per_image = (
        _conv_macs(stem, width, 3, 7)
        + 2 * _conv_macs(pooled, width, width, 3)
        + _conv_macs(half, w2, width, 3)
        + _conv_macs(half, w2, w2, 3)
        + _conv_macs(half, w2, width, 1)
        + _conv_macs(half, w2, 1, 3)
        + _conv_macs(half, w2, w2, 1)
        + w2 * classes
    )
    return batch * per_image


def test_resnet_style_graph_imports_with_expected_macs_edges_and_weights(tmp_path: Path) -> None:
    workload = read_onnx(write_resnet_style(tmp_path / "resnet.onnx", image=64, width=16, classes=10))
    assert workload.total_macs == _resnet_macs(64, 16, 10, 1) == 4_589_888
    assert _edges(workload) == RESNET_EDGES
    assert [n.name for n in workload][:3] == ["stem", "pool", "b1c1"]
    assert workload.graph_outputs == ("prob",)
    assert workload.tensor("image").kind is TensorKind.INPUT
    assert workload.tensor("stem.weight").shape == (16, 3, 7, 7)
    assert workload.tensor("b3dw.weight").shape == (32, 1, 3, 3)
    weights = {t.name for t in workload.tensors if t.kind is TensorKind.WEIGHT}
    assert "b3pw.bias" not in weights and {"fc.weight", "fc.bias", "b2down.weight"} <= weights
    assert "flat_shape" not in weights and "clip_lo" not in weights  # shape/bound operands are not edges
    # Activations fuse into the conv or add they alone read; the dilated depthwise keeps its geometry.
    assert _op(workload, "stem").activation is Activation.RELU
    assert _op(workload, "b1add").activation is Activation.RELU
    assert _op(workload, "b2c2").activation is None
    dw = _op(workload, "b3dw")
    assert isinstance(dw, Conv2d) and dw.is_depthwise and dw.dilation_h == 2 and dw.activation is Activation.RELU6
    assert dw.output_shape == (1, 32, 8, 8)
    fc = _op(workload, "fc")
    assert isinstance(fc, MatMul) and (fc.m, fc.n, fc.k, fc.weight_operand) == (1, 10, 32, True)
    assert workload.tensor("stem_relu").shape == (1, 16, 32, 32)
    kinds = {n.name: (n.op.kind, getattr(n.op, "fn", None)) for n in workload}
    assert kinds["pool"] == ("vector", VectorFn.MAXPOOL) and kinds["flatten"] == ("vector", VectorFn.RESHAPE)
    assert kinds["gap"] == ("vector", VectorFn.GLOBAL_AVGPOOL) and kinds["prob"] == ("vector", VectorFn.SOFTMAX)


@settings(max_examples=12, deadline=None)
@given(
    image=st.integers(min_value=16, max_value=80),
    width=st.sampled_from([4, 8, 12]),
    classes=st.integers(min_value=2, max_value=20),
    batch=st.integers(min_value=1, max_value=3),
)
def test_resnet_style_macs_follow_the_geometry(
    tmp_path_factory: pytest.TempPathFactory, image: int, width: int, classes: int, batch: int
) -> None:
    path = write_resnet_style(tmp_path_factory.mktemp("r") / "r.onnx", image, width, classes, batch)
    workload = read_onnx(path)
    assert workload.total_macs == _resnet_macs(image, width, classes, batch)
    assert _edges(workload) == RESNET_EDGES


CONV_CASES = {
    "same_upper_stride2": {"auto_pad": "SAME_UPPER", "stride": 2},
    "same_lower_stride2": {"auto_pad": "SAME_LOWER", "stride": 2},
    "valid_stride2": {"auto_pad": "VALID", "stride": 2},
    "asymmetric_pads": {"pads": [0, 1, 2, 3]},
    "grouped_dilated": {"group": 4, "dilation": 2, "pads": [2, 2, 2, 2]},
}


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_padding_matches_onnx_reference_execution(case: str, tmp_path: Path) -> None:
    """Our Conv2d's output shape equals the shape ONNX's reference runtime actually produces."""
    spec = CONV_CASES[case]
    g = OnnxGraphWriter()
    x = g.input("x", (1, 8, 11, 10))
    group, dilation, stride = spec.get("group", 1), spec.get("dilation", 1), spec.get("stride", 1)
    w = g.weight("w", (12, 8 // group, 3, 3))
    attrs: dict[str, object] = {"strides": [stride, stride], "group": group, "dilations": [dilation, dilation]}
    attrs.update({"auto_pad": spec["auto_pad"]} if "auto_pad" in spec else {"pads": spec["pads"]})
    y = g.node("Conv", [x, w], "conv", **attrs)
    path = g.save(tmp_path / f"{case}.onnx", [y])
    conv = _op(read_onnx(path), "conv")
    real = ReferenceEvaluator(onnx.load(path)).run(None, {"x": np.ones((1, 8, 11, 10), np.float32)})[0]
    assert isinstance(conv, Conv2d)
    assert conv.output_shape == real.shape
    assert conv.macs == real.size * (8 // group) * 9
    if case == "same_lower_stride2":  # the odd padding pixel goes first
        assert (conv.pad_top, conv.pad_bottom, conv.pad_left, conv.pad_right) == (1, 1, 1, 0)
    if case == "asymmetric_pads":
        assert (conv.pad_top, conv.pad_left, conv.pad_bottom, conv.pad_right) == (0, 1, 2, 3)


def test_attention_block_matmuls_layernorm_and_fusion_rules(tmp_path: Path) -> None:
    """x:(2,8,32) -> LN -> q,k,v projections; q @ k^T (activation x activation), softmax, @ v, residual, GELU."""
    g = OnnxGraphWriter()
    x = g.input("x", (2, 8, 32))
    ln = g.node("LayerNormalization", [x, g.weight("ln.g", (32,)), g.weight("ln.b", (32,))], "ln", axis=-1)
    q = g.node("MatMul", [ln, g.weight("wq", (32, 32))], "q")
    k = g.node("MatMul", [ln, g.weight("wk", (32, 32))], "k")
    v = g.node("Add", [g.node("MatMul", [ln, g.weight("wv", (32, 32))], "v_mm"), g.weight("bv", (32,))], "v")
    kt = g.node("Transpose", [k], "kt", perm=[0, 2, 1])
    scores = g.node(
        "Mul", [g.node("MatMul", [q, kt], "scores_mm"), g.const("scale", np.float32(0.17), np.float32)], "scores"
    )
    att = g.node("MatMul", [g.node("Softmax", [scores], "softmax", axis=-1), v], "att")
    res = g.node("Add", [att, x], "res")
    sig = g.node("Sigmoid", [res], "sig")  # swish: the Sigmoid's input has two readers, so it stays separate
    swish = g.node("Mul", [res, sig], "swish")
    out = g.node(
        "Gelu",
        [
            g.node(
                "Gemm",
                [g.node("Reshape", [swish, g.const("s", [16, 32])], "rs"), g.weight("w2", (64, 32))],
                "fc2",
                transB=1,
            )
        ],
        "gelu",
    )
    workload = read_onnx(g.save(tmp_path / "attn.onnx", [out], opset=20))
    ops = {n.name: n.op for n in workload}
    assert ops["q"] == MatMul("q", m=16, n=32, k=32, batch=1, weight_operand=True)
    assert ops["scores_mm"] == MatMul("scores_mm", m=8, n=8, k=32, batch=2, weight_operand=False)
    assert ops["att"] == MatMul("att", m=8, n=32, k=8, batch=2, weight_operand=False)
    assert ops["fc2"] == MatMul("fc2", m=16, n=64, k=32, weight_operand=True, activation=Activation.GELU)
    assert workload.total_macs == 3 * 16 * 32 * 32 + 2 * 2 * 8 * 8 * 32 + 16 * 64 * 32
    assert isinstance(ops["sig"], VectorOp) and ops["sig"].activation is Activation.SIGMOID
    assert ops["ln"].fn is VectorFn.LAYERNORM and ops["kt"].fn is VectorFn.TRANSPOSE
    assert ops["ln"].row == 32 and ops["softmax"].row == 8  # the rows they reduce over
    node = {n.name: n for n in workload}
    assert node["v"].inputs == ("v_mm", "bv") and workload.tensor("bv").kind is TensorKind.WEIGHT
    assert node["scores"].inputs == ("scores_mm", "scale") and workload.tensor("scale").shape == (1,)
    assert node["scores_mm"].inputs == ("q", "kt")
    assert _edges(workload) >= {
        ("ln", "q"),
        ("ln", "k"),
        ("k", "kt"),
        ("kt", "scores_mm"),
        ("res", "sig"),
        ("res", "swish"),
        ("sig", "swish"),
    }


def test_a_softmax_before_opset_13_reduces_everything_after_its_axis(tmp_path: Path) -> None:
    """Opset 11's Softmax coerces its input to 2-D at ``axis`` (default 1): rows of 8 x 8 for (2, 8, 8)."""
    g = OnnxGraphWriter()
    out = g.node("Softmax", [g.input("x", (2, 8, 8))], "softmax")
    op = _op(read_onnx(g.save(tmp_path / "softmax11.onnx", [out], opset=11)), "softmax")
    assert isinstance(op, VectorOp) and op.row == 64


def test_pad_folds_into_its_conv_and_stays_explicit_before_other_ops(tmp_path: Path) -> None:
    g = OnnxGraphWriter()
    x = g.input("x", (1, 4, 9, 9))
    padded = g.node("Pad", [x, g.const("pads", [0, 0, 1, 0, 0, 0, 2, 1])], "pad")
    y = g.node("Conv", [padded, g.weight("w", (4, 4, 3, 3))], "conv", strides=[2, 2])
    z = g.node("Pad", [y, g.const("pads2", [0, 0, 1, 1, 0, 0, 1, 1])], "pad2")
    out = g.node("Add", [z, z], "add")
    workload = read_onnx(g.save(tmp_path / "pad.onnx", [out]))
    conv = _op(workload, "conv")
    assert isinstance(conv, Conv2d)
    assert (conv.pad_top, conv.pad_bottom, conv.pad_left, conv.pad_right) == (1, 2, 0, 1)
    assert conv.output_shape == (1, 4, 5, 4)
    assert [n.name for n in workload] == ["conv", "pad2", "add"]
    assert _op(workload, "pad2").fn is VectorFn.PAD
    assert workload.tensor("pad2").shape == (1, 4, 7, 6)


def _dynamic_model(tmp_path: Path) -> Path:
    g = OnnxGraphWriter()
    x = g.input("pixels", ("N", 3, 32, 32))
    return g.save(tmp_path / "dynamic.onnx", [g.conv(x, 3, 8, 3, "conv")])


def test_dynamic_input_needs_an_input_shape(tmp_path: Path) -> None:
    path = _dynamic_model(tmp_path)
    with pytest.raises(InputError, match=r"input 'pixels' has a dynamic shape \(Nx3x32x32\).*input_shapes=") as info:
        read_onnx(path)
    assert info.value.cli is not None and info.value.cli.endswith("--input-shape pixels=1x3x32x32")
    single = read_onnx(path, input_shapes={"pixels": (1, 3, 32, 32)})
    batch4 = load_workload(str(path), input_shapes={"pixels": (4, 3, 32, 32)})
    assert single.total_macs == _conv_macs(32, 8, 3, 3)
    assert batch4.total_macs == 4 * single.total_macs
    with pytest.raises(InputError, match="not a model input; inputs: \\['pixels'\\]"):
        read_onnx(path, input_shapes={"image": (1, 3, 32, 32)})
    with pytest.raises(InputError, match="rank 3"):
        read_onnx(path, input_shapes={"pixels": (3, 32, 32)})


def test_shape_that_inference_cannot_resolve_asks_for_input_shapes(tmp_path: Path) -> None:
    """A Reshape whose target comes from a graph input cannot be inferred statically."""
    g = OnnxGraphWriter()
    x = g.input("x", (1, 64))
    g.inputs.append(onnx.helper.make_tensor_value_info("target", onnx.TensorProto.INT64, [2]))
    y = g.node("Reshape", [x, "target"], "reshape")
    out = g.node("MatMul", [y, g.weight("w", (8, 4))], "mm")
    model = g.model([out])
    onnx.save(model, tmp_path / "dyn.onnx")
    with pytest.raises(InputError, match=r"tensor 'reshape' has no static shape.*input_shapes"):
        read_onnx(tmp_path / "dyn.onnx")


def _with_cumsum(tmp_path: Path) -> Path:
    g = OnnxGraphWriter()
    x = g.input("x", (1, 4, 8, 8))
    y = g.conv(x, 4, 4, 3, "c1")
    y = g.node("CumSum", [y, g.const("axis", np.int64(1))], "running_sum")
    return g.save(tmp_path / "cumsum.onnx", [g.conv(y, 4, 4, 3, "c2")])


def test_unsupported_op_names_op_and_node_or_is_skipped_with_a_note(tmp_path: Path) -> None:
    path = _with_cumsum(tmp_path)
    with pytest.raises(InputError, match=r"unsupported ONNX op 'CumSum' in node 'running_sum'.*skip_unsupported=True"):
        read_onnx(path)
    workload = load_workload(str(path), skip_unsupported=True)
    assert workload.notes == ("skipped unsupported ONNX op CumSum (node 'running_sum'): imported as data movement",)
    assert [n.name for n in workload] == ["c1", "running_sum", "c2"]
    assert _edges(workload) == {("c1", "running_sum"), ("running_sum", "c2")}
    assert workload.total_macs == 2 * _conv_macs(8, 4, 4, 3)
    assert _op(workload, "running_sum").macs == 0


def test_corrupt_and_foreign_files_are_one_line_input_errors(tmp_path: Path) -> None:
    good = write_resnet_style(tmp_path / "good.onnx", image=16, width=4)
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(good.read_bytes()[:300])
    text = tmp_path / "notes.onnx"
    text.write_text("this is not a model\n")
    tflite = write_fc(tmp_path / "fc.onnx", 16, 4)
    cases = {truncated: "not a valid ONNX model|not an ONNX model", text: "not a valid ONNX model|not an ONNX model"}
    cases[tflite] = "TFLite flatbuffer, not an ONNX model"
    cases[tmp_path / "missing.onnx"] = "no such file"
    for path, message in cases.items():
        with pytest.raises(InputError, match=message) as info:
            read_onnx(path)
        assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_registry_dispatches_onnx_and_rejects_import_options_elsewhere(tmp_path: Path) -> None:
    path = write_resnet_style(tmp_path / "r.onnx", image=32, width=8)
    assert load_workload(str(path)).total_macs == _resnet_macs(32, 8, 10, 1)
    with pytest.raises(InputError, match=r"apply to \.onnx/\.tflite files only"):
        load_workload("model.csv", skip_unsupported=True)


def test_exporter_style_shape_arithmetic_folds_once_the_batch_is_given(tmp_path: Path) -> None:
    """torch.onnx's flatten: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])) with a symbolic batch."""
    g = OnnxGraphWriter()
    x = g.input("x", ("batch", 4, 6, 6))
    y = g.conv(x, 4, 8, 3, "conv")
    shape = g.node("Shape", [y], "shape")
    n = g.node("Gather", [shape, g.const("zero", np.int64(0))], "n", axis=0)
    n = g.node("Unsqueeze", [n, g.const("axes", [0])], "n1")
    target = g.node("Concat", [n, g.const("minus_one", [-1])], "target", axis=0)
    flat = g.node("Reshape", [y, target], "flatten")
    heads = g.node(
        "Div",
        [g.node("Gather", [shape, g.const("one", np.int64(1))], "c", axis=0), g.const("two", np.int64(2))],
        "half",
    )
    split = g.node(
        "Reshape",
        [flat, g.node("Concat", [n, g.node("Unsqueeze", [heads, "axes"], "h1"), g.const("m1", [-1])], "t2", axis=0)],
        "heads",
    )
    out = g.node("MatMul", [split, g.weight("w", (72, 10))], "fc")
    workload = read_onnx(g.save(tmp_path / "flatten.onnx", [out]), input_shapes={"x": (3, 4, 6, 6)})
    assert [node.name for node in workload] == ["conv", "flatten", "heads", "fc"]
    assert workload.tensor("flatten").shape == (3, 288) and workload.tensor("heads").shape == (3, 4, 72)
    assert workload.tensor("fc").shape == (3, 4, 10)
    assert _op(workload, "fc") == MatMul("fc", m=12, n=10, k=72, weight_operand=True)
