"""Ops that real exported models carry import with no flag; messages speak the caller's language."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import onnx
import pytest
from support.onnx_models import OnnxGraphWriter, write_exported_ops

from archsim.cli import main
from workloads.errors import InputError
from workloads.ops import Activation, Conv2d, VectorFn, VectorOp
from workloads.readers.onnx_reader import read_onnx

ONNX_TEST_MODELS = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def _independent_macs(path: Path) -> int:
    """Conv/Gemm/MatMul MACs from ONNX's own shape inference: output elements x reduction length."""
    model = onnx.shape_inference.infer_shapes(onnx.load(path))
    graph = model.graph
    shapes = {
        vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim]
        for vi in (*graph.input, *graph.value_info, *graph.output)
    }
    shapes.update({t.name: list(t.dims) for t in graph.initializer})
    total = 0
    for node in graph.node:
        if node.op_type == "Conv":
            total += math.prod(shapes[node.output[0]]) * math.prod(shapes[node.input[1]][1:])
        elif node.op_type in ("Gemm", "MatMul"):
            transposed = any(a.name == "transA" and a.i for a in node.attribute)
            a_shape = shapes[node.input[0]]
            total += math.prod(shapes[node.output[0]]) * (a_shape[-2] if transposed else a_shape[-1])
    return total


def test_every_model_of_the_onnx_package_imports_with_no_flag_and_independent_macs() -> None:
    paths = sorted(ONNX_TEST_MODELS.glob("*.onnx"))
    assert len(paths) == 9  # alexnet, densenet121, inception v1/v2, resnet50, shufflenet, squeezenet, vgg19, zfnet512
    for path in paths:
        workload = read_onnx(path)
        assert workload.notes == (), path.name
        assert workload.total_macs == _independent_macs(path) > 0, path.name


def _node(workload, name: str):
    return next(node for node in workload if node.name == name)


def test_exporter_ops_import_with_their_costs_and_the_erf_gelu_fuses(tmp_path: Path) -> None:
    workload = read_onnx(write_exported_ops(tmp_path / "exported.onnx", image=16, width=8))
    assert workload.notes == ()
    names = [node.name for node in workload]
    # Dropout, Identity and Cast alias; Constant/ConstantOfShape fold; the five GELU nodes are one activation.
    assert names == [
        "c1",
        "lrn",
        "c2",
        "sum",
        "neg",
        "max3",
        "min3",
        "mean2",
        "positive",
        "where",
        "expand",
        "up",
        "pool",
        "fc",
    ]
    ops = {node.name: node.op for node in workload}
    assert _node(workload, "c2").inputs[0] == "lrn"
    lrn = ops["lrn"]
    assert isinstance(lrn, VectorOp) and lrn.fn is VectorFn.LAYERNORM and lrn.ops_per_output == 5 + 3
    assert [ops[n].ops_per_output for n in ("sum", "max3", "min3", "mean2")] == [1, 2, 2, 2]  # n-1 (+1 for Mean)
    assert _node(workload, "where").inputs == ("positive", "mean2", "neg")
    assert ops["expand"].fn is VectorFn.UPSAMPLE and ops["neg"].fn is VectorFn.ACTIVATION
    up = ops["up"]  # 8x8 -> 16x16: stride-1 conv over the 15x15 zero-inserted input, padded 2 each side
    assert isinstance(up, Conv2d) and (up.in_h, up.pad_top, up.pad_bottom, up.out_h) == (15, 2, 2, 16)
    assert up.macs == 16 * 16 * 4 * 8 * 4 * 4
    assert ops["pool"].fn is VectorFn.GLOBAL_AVGPOOL and ops["pool"].ops_per_output == 16 * 16
    assert ops["fc"].activation is Activation.GELU and _node(workload, "fc").outputs == ("gelu",)
    conv_macs = 8 * 8 * 8 * 3 * 9 + 8 * 8 * 8 * 8
    assert workload.total_macs == conv_macs + up.macs + 4 * 12


@pytest.mark.parametrize("variant", ["divisor_two", "sqrt2_over_x", "scaled_read_twice"])
def test_erf_chains_that_are_not_gelu_stay_separate_ops(tmp_path: Path, variant: str) -> None:
    g = OnnxGraphWriter()
    x = g.input("x", (1, 8))
    divisor = g.const("d", np.float32(2.0 if variant == "divisor_two" else np.sqrt(2.0)), np.float32)
    scaled = g.node("Div", [divisor, x] if variant == "sqrt2_over_x" else [x, divisor], "div")
    erf = g.node("Erf", [scaled], "erf")
    plus = g.node("Add", [erf, g.const("one", np.float32(1.0), np.float32)], "add")
    both = g.node("Mul", [x, plus], "mul")
    out = g.node("Mul", [both, g.const("h", np.float32(0.5), np.float32)], "half")
    outputs = [out, g.node("Relu", [scaled], "other")] if variant == "scaled_read_twice" else [out]
    workload = read_onnx(g.save(tmp_path / "not_gelu.onnx", outputs))
    assert {"div", "erf", "add", "mul", "half"} <= {node.name for node in workload}
    assert all(node.op.activation is not Activation.GELU for node in workload)


def _with_cumsum(tmp_path: Path) -> Path:
    g = OnnxGraphWriter()
    x = g.input("x", (1, 4))
    return g.save(tmp_path / "cumsum.onnx", [g.node("CumSum", [x, g.const("axis", np.int64(1))], "running_sum")])


def test_unsupported_op_message_uses_api_words_in_python_and_flags_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _with_cumsum(tmp_path)
    with pytest.raises(InputError) as info:
        read_onnx(path)
    assert "skip_unsupported=True" in str(info.value) and "--skip-unsupported" not in str(info.value)
    assert main(["simulate", "-w", str(path), "-a", "google"]) == 2
    err = capsys.readouterr().err
    assert "--skip-unsupported" in err and "skip_unsupported=True" not in err and str(path) in err
    assert main(["simulate", "-w", str(path), "-a", "google", "--skip-unsupported", "-f", "json"]) == 0
