"""ONNX test models built with ``onnx.helper`` (no downloads), deterministic from their arguments.

:func:`write_resnet_style` is a branchy ResNet-like classifier (stem, max-pool,
an identity block, a projection block, a depthwise block, head); the other
writers make single-op or tiny models for targeted tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
Dim = int | str


class OnnxGraphWriter:
    """Accumulates nodes and float32 initializers (seeded), then saves a model."""

    def __init__(self, seed: int = 0) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self._rng = np.random.default_rng(seed)

    def input(self, name: str, shape: Sequence[Dim]) -> str:
        """A float32 graph input; string dims are symbolic."""
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
        return name

    def weight(self, name: str, shape: Sequence[int]) -> str:
        """A random float32 initializer."""
        data = self._rng.normal(0.0, 0.05, tuple(shape)).astype(np.float32)
        self.initializers.append(numpy_helper.from_array(data, name))
        return name

    def const(self, name: str, values: Sequence[int] | np.ndarray, dtype: type = np.int64) -> str:
        """A small initializer (shapes, axes, pads)."""
        self.initializers.append(numpy_helper.from_array(np.asarray(values, dtype=dtype), name))
        return name

    def node(self, op_type: str, inputs: Sequence[str], name: str, outputs: int = 1, **attrs: object) -> str:
        """Append a node named ``name`` writing ``name`` (and ``name:1``... for extra outputs); returns the first."""
        names = [name] + [f"{name}:{i}" for i in range(1, outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=name, **attrs))
        return name

    def conv(
        self,
        x: str,
        cin: int,
        cout: int,
        kernel: int,
        name: str,
        stride: int = 1,
        pad: int | None = None,
        group: int = 1,
        dilation: int = 1,
        bias: bool = True,
        auto_pad: str | None = None,
    ) -> str:
        """Conv with OIHW weights; ``pad`` defaults to 'same' for odd kernels at stride 1."""
        w = self.weight(f"{name}.weight", (cout, cin // group, kernel, kernel))
        inputs = [x, w] + ([self.weight(f"{name}.bias", (cout,))] if bias else [])
        attrs: dict[str, object] = {"strides": [stride, stride], "group": group, "dilations": [dilation, dilation]}
        if auto_pad:
            attrs["auto_pad"] = auto_pad
        else:
            p = dilation * (kernel - 1) // 2 if pad is None else pad
            attrs["pads"] = [p, p, p, p]
        return self.node("Conv", inputs, name, kernel_shape=[kernel, kernel], **attrs)

    def model(self, outputs: Sequence[str], opset: int = OPSET) -> onnx.ModelProto:
        """The model with ``outputs`` as graph outputs, typed by ONNX shape inference (no other value_info)."""
        graph = helper.make_graph(self.nodes, "test", self.inputs, [], self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="archsim-tests")
        inferred = {vi.name: vi for vi in onnx.shape_inference.infer_shapes(model).graph.value_info}
        for name in outputs:
            value_info = inferred.get(name) or helper.make_tensor_value_info(name, TensorProto.FLOAT, None)
            model.graph.output.append(value_info)
        return model

    def save(self, path: str | Path, outputs: Sequence[str], opset: int = OPSET) -> Path:
        """Check and write the model."""
        model = self.model(outputs, opset)
        onnx.checker.check_model(model)
        path = Path(path)
        onnx.save(model, path)
        return path


def write_resnet_style(path: str | Path, image: int = 64, width: int = 16, classes: int = 10, batch: int = 1) -> Path:
    """A branchy ResNet-style classifier; node names are stable so tests can list edges.

    stem: conv7x7/2 + Relu -> maxpool3x3/2 (pads 1)
    b1 (identity shortcut): conv3x3 + Relu, conv3x3, Add(stem path, b1c2), Relu
    b2 (projection shortcut): conv3x3/2 + Relu, conv3x3 (auto_pad SAME_UPPER), conv1x1/2 shortcut, Add, Relu
    b3 (depthwise, dilated): conv3x3 dw dil 2 + Clip(0, 6), conv1x1 (no bias), Add(b2 output, b3pw), Relu
    head: GlobalAveragePool, Reshape(Constant [N, -1]), Identity, Gemm(transB) to classes, Softmax
    """
    g = OnnxGraphWriter()
    w2 = 2 * width
    x = g.input("image", (batch, 3, image, image))
    x = g.node("Relu", [g.conv(x, 3, width, 7, "stem", stride=2, pad=3)], "stem_relu")
    x = g.node("MaxPool", [x], "pool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    y = g.node("Relu", [g.conv(x, width, width, 3, "b1c1")], "b1c1_relu")
    y = g.conv(y, width, width, 3, "b1c2")
    x = g.node("Relu", [g.node("Add", [x, y], "b1add")], "b1relu")
    y = g.node("Relu", [g.conv(x, width, w2, 3, "b2c1", stride=2)], "b2c1_relu")
    y = g.conv(y, w2, w2, 3, "b2c2", auto_pad="SAME_UPPER")
    s = g.conv(x, width, w2, 1, "b2down", stride=2, pad=0)
    x = g.node("Relu", [g.node("Add", [s, y], "b2add")], "b2relu")
    lo, hi = g.const("clip_lo", np.float32(0.0), np.float32), g.const("clip_hi", np.float32(6.0), np.float32)
    y = g.node("Clip", [g.conv(x, w2, w2, 3, "b3dw", group=w2, dilation=2), lo, hi], "b3clip")
    y = g.conv(y, w2, w2, 1, "b3pw", pad=0, bias=False)
    x = g.node("Relu", [g.node("Add", [x, y], "b3add")], "b3relu")
    x = g.node("GlobalAveragePool", [x], "gap")
    shape = g.node(
        "Constant", [], "flat_shape", value=numpy_helper.from_array(np.array([batch, -1], np.int64), "flat_shape")
    )
    x = g.node("Reshape", [x, shape], "flatten")
    x = g.node("Identity", [x], "flatten_id")
    fc = g.node("Gemm", [x, g.weight("fc.weight", (classes, w2)), g.weight("fc.bias", (classes,))], "fc", transB=1)
    return g.save(path, [g.node("Softmax", [fc], "prob", axis=-1)])


def write_exported_ops(path: str | Path, image: int = 16, width: int = 8) -> Path:
    """A small CNN + MLP carrying the ops real exporters write besides the core ones.

    conv 3x3 -> LRN(size 5) -> Dropout(ratio input, inference) -> Identity -> Cast
    -> Sum(branch, conv 1x1) -> Max/Min/Mean of three tensors -> Where(Greater(x, 0), x, -x)
    -> Expand over ConstantOfShape's shape -> ConvTranspose 4x4/2 (pads 1) back to ``image``
    -> ReduceSum over H, W -> Gemm -> exporter's Erf GELU (x * 0.5 * (1 + Erf(x / sqrt 2))).
    """
    g = OnnxGraphWriter()
    x = g.input("image", (1, 3, image, image))
    x = g.conv(x, 3, width, 3, "c1", stride=2)
    x = g.node("LRN", [x], "lrn", size=5, alpha=1e-4, beta=0.75, bias=1.0)
    ratio = g.const("ratio", np.float32(0.5), np.float32)
    x = g.node("Dropout", [x, ratio], "drop")
    x = g.node("Identity", [x], "ident")
    x = g.node("Cast", [x], "cast", to=TensorProto.FLOAT)
    y = g.conv(x, width, width, 1, "c2", pad=0)
    x = g.node("Sum", [x, y], "sum")
    neg = g.node("Neg", [x], "neg")
    hi = g.node("Max", [x, y, neg], "max3")
    lo = g.node("Min", [x, y, neg], "min3")
    x = g.node("Mean", [hi, lo], "mean2")
    zero = g.const("zero", np.float32(0.0), np.float32)
    x = g.node("Where", [g.node("Greater", [x, zero], "positive"), x, neg], "where")
    shape = g.node(
        "ConstantOfShape",
        [g.const("rank", [4])],
        "ones_shape",
        value=numpy_helper.from_array(np.array([1], np.int64)),
    )
    x = g.node("Expand", [x, shape], "expand")
    w = g.weight("up.weight", (width, width // 2, 4, 4))
    x = g.node("ConvTranspose", [x, w], "up", strides=[2, 2], pads=[1, 1, 1, 1], kernel_shape=[4, 4])
    x = g.node("ReduceSum", [x, g.const("hw", [2, 3])], "pool", keepdims=0)
    x = g.node("Gemm", [x, g.weight("fc.weight", (width // 2, 12))], "fc")
    scaled = g.node("Div", [x, g.const("sqrt2", np.float32(np.sqrt(2.0)), np.float32)], "gelu_div")
    erf = g.node("Erf", [scaled], "gelu_erf")
    plus = g.node("Add", [erf, g.const("one", np.float32(1.0), np.float32)], "gelu_add")
    both = g.node("Mul", [x, plus], "gelu_mul")
    return g.save(path, [g.node("Mul", [both, g.const("half", np.float32(0.5), np.float32)], "gelu")])
