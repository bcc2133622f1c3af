"""ONNX models into the workload DAG, with shapes from ONNX's own shape inference.

What becomes what (the op list comes from a sweep over the models that ship
in the ``onnx`` package's test data and over torch.onnx exports):

- Conv (1-D and 2-D; groups, dilations, strides, pads, auto_pad) -> :class:`Conv2d`;
  ConvTranspose (2-D) -> the :class:`Conv2d` an accelerator without a native
  transposed conv runs: stride 1 over the zero-inserted input (as Vela lowers
  TransposeConv), so its MACs include the inserted zeros;
  Gemm and MatMul -> :class:`MatMul` (a constant 2-D right operand is a shared
  weight; otherwise an activation x activation batched matmul).
- Elementwise ops with two or more inputs (Add, Sub, Sum, Mean, Max, Min, Where,
  comparisons and logic -> ADD class; Mul, Div, Pow, PRelu -> MUL class);
  Sum/Mean/Max/Min over n inputs cost n - 1 operations per output (Mean one more).
- Unary math (Neg, Abs, Exp, Log, Sqrt, Reciprocal, Erf, Elu, Selu, Softplus, ...)
  -> a one-operation-per-element activation vector op; the Erf-based GELU that
  exporters write (x * 0.5 * (1 + Erf(x / sqrt 2))) becomes one GELU activation.
- pooling, GlobalAveragePool/GlobalMaxPool, Reduce* and ArgMax/ArgMin (window =
  input / output elements), Softmax, LayerNormalization, BatchNormalization (MUL:
  scale and shift), LRN, Instance/Group/Lp normalisation -> vector ops;
- Concat, Reshape/Flatten/Squeeze/Unsqueeze, Transpose, DepthToSpace/SpaceToDepth,
  Slice/Split/Gather*, Resize/Upsample, Expand/Tile, Pad -> zero-arithmetic data movement.
- Relu, Clip, Sigmoid, HardSwish, HardSigmoid, Gelu, Tanh, LeakyRelu fuse into
  the Conv/Gemm/MatMul/elementwise op that produces their input when they are
  its only reader (as TFLite and accelerator compilers do); otherwise they stay
  an activation vector op. Clip becomes relu (no upper bound) or relu6 (a clamp
  costs the same whatever its bounds).
- A Pad whose only reader is a Conv or a pool is folded into that op's padding.
- Identity, Dropout (inference), Cast and CastLike alias their input; Constant,
  ConstantOfShape, Shape, Size and any node whose inputs are all constant are
  folded away (shapes are static here).

Initializers read by an op become WEIGHT tensors (shape-only inputs such as a
Reshape's target shape are not edges). Tensors carry no precision of their own:
the workload's precision (int8 unless given) applies, as for SCALE-Sim CSVs.

Unsupported ops (3-D convs, sequence, string and training ops, CumSum, ...)
raise :class:`InputError` naming the op type and the node; with
``skip_unsupported=True`` each is imported as a zero-arithmetic passthrough and
listed in ``Workload.notes``. Inputs with symbolic dimensions need
``input_shapes`` (``--input-shape NAME=1x3x224x224`` on the command line).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import NodeProto, numpy_helper

from workloads.errors import InputError
from workloads.graph import TensorKind, Workload
from workloads.ops import Activation, Conv2d, MatMul, VectorFn
from workloads.precision import Precision
from workloads.readers._emitter import GraphEmitter, same_pads
from workloads.readers._onnx_shapes import dims_of, first_line, infer_static_shapes

Shape = tuple[int, ...]

ALIASES = frozenset({"Identity", "Dropout", "Cast", "CastLike"})
"""Ops that pass their first input through unchanged (at simulation level; Dropout at inference)."""

SHAPE_OPS = frozenset({"Shape", "Size"})
"""Ops whose output depends only on (static) shapes, so they fold to constants."""

ACTIVATIONS: dict[str, Activation] = {
    "Relu": Activation.RELU,
    "Clip": Activation.RELU6,
    "Sigmoid": Activation.SIGMOID,
    "HardSwish": Activation.HARDSWISH,
    "HardSigmoid": Activation.HARDSIGMOID,
    "Gelu": Activation.GELU,
    "Tanh": Activation.TANH,
    "LeakyRelu": Activation.LEAKY_RELU,
}
"""Activation ops, fused into their producer when it is a MAC or elementwise op they alone read."""

_ADD_CLASS = (
    "Add",
    "Sub",
    "Sum",
    "Mean",
    "Max",
    "Min",
    "Where",
    "Equal",
    "Greater",
    "Less",
    "GreaterOrEqual",
    "LessOrEqual",
    "And",
    "Or",
    "Xor",
    "Mod",
    "BitShift",
    "BitwiseAnd",
    "BitwiseOr",
    "BitwiseXor",
)
ELEMENTWISE: dict[str, VectorFn] = {
    **{op: VectorFn.ADD for op in _ADD_CLASS},
    **{op: VectorFn.MUL for op in ("Mul", "Div", "Pow", "PRelu")},
}
"""Elementwise ops over two or more (broadcast) inputs, by the vector-unit class they cost as."""

VARIADIC = frozenset({"Sum", "Mean", "Max", "Min"})
"""Elementwise ops over any number of inputs: n - 1 operations per output (Mean: one more to scale)."""

UNARY = frozenset(
    [
        "Neg",
        "Abs",
        "Exp",
        "Log",
        "Sqrt",
        "Reciprocal",
        "Erf",
        "Floor",
        "Ceil",
        "Round",
        "Sign",
        "Not",
        "BitwiseNot",
        "IsNaN",
        "IsInf",
        "Sin",
        "Cos",
        "Tan",
        "Asin",
        "Acos",
        "Atan",
        "Sinh",
        "Cosh",
        "Asinh",
        "Acosh",
        "Atanh",
        "Softplus",
        "Softsign",
        "Elu",
        "Selu",
        "Celu",
        "ThresholdedRelu",
        "Shrink",
        "Mish",
    ]
)
"""Unary math: one vector operation per element, no fused activation label."""

REDUCTIONS = frozenset(
    [
        "ReduceMean",
        "ReduceSum",
        "ReduceMax",
        "ReduceMin",
        "ReduceProd",
        "ReduceL1",
        "ReduceL2",
        "ReduceSumSquare",
        "ReduceLogSum",
        "ReduceLogSumExp",
        "ArgMax",
        "ArgMin",
    ]
)
"""Reductions; the window (operations per output) is input elements / output elements."""

_MAX_LIKE = frozenset({"ReduceMax", "ReduceMin", "ArgMax", "ArgMin", "GlobalMaxPool"})

NORMALISATIONS: dict[str, tuple[VectorFn, int]] = {
    "Softmax": (VectorFn.SOFTMAX, 5),
    "LogSoftmax": (VectorFn.SOFTMAX, 5),
    "LayerNormalization": (VectorFn.LAYERNORM, 5),
    "InstanceNormalization": (VectorFn.LAYERNORM, 5),
    "GroupNormalization": (VectorFn.LAYERNORM, 5),
    "MeanVarianceNormalization": (VectorFn.LAYERNORM, 5),
    "LpNormalization": (VectorFn.LAYERNORM, 3),
    "BatchNormalization": (VectorFn.MUL, 2),
}
"""Normalisations: (vector function, operations per output element). LRN is costed from its ``size``."""

DATA_MOVEMENT: dict[str, VectorFn] = {
    "Concat": VectorFn.CONCAT,
    "Reshape": VectorFn.RESHAPE,
    "Flatten": VectorFn.RESHAPE,
    "Squeeze": VectorFn.RESHAPE,
    "Unsqueeze": VectorFn.RESHAPE,
    "Transpose": VectorFn.TRANSPOSE,
    "DepthToSpace": VectorFn.TRANSPOSE,
    "SpaceToDepth": VectorFn.TRANSPOSE,
    "Slice": VectorFn.SLICE,
    "Split": VectorFn.SLICE,
    "Gather": VectorFn.SLICE,
    "GatherElements": VectorFn.SLICE,
    "GatherND": VectorFn.SLICE,
    "Resize": VectorFn.UPSAMPLE,
    "Upsample": VectorFn.UPSAMPLE,
    "Expand": VectorFn.UPSAMPLE,
    "Tile": VectorFn.UPSAMPLE,
}
"""Zero-arithmetic ops; Concat reads all inputs, Gather* their table and computed indices, the rest their first."""

_PAD_FOLDS_INTO = frozenset({"Conv", "MaxPool", "AveragePool"})


def read_onnx(
    path: str | Path,
    precision: Precision | None = None,
    input_shapes: Mapping[str, tuple[int, ...]] | None = None,
    skip_unsupported: bool = False,
) -> Workload:
    """Import an ONNX model file as a Workload (see the module docstring for the op mapping)."""
    path = Path(path)
    model = _load(path)
    graph_inputs = _set_input_shapes(model, path, input_shapes or {})
    shapes = infer_static_shapes(model, str(path))
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    importer = _OnnxImporter(path, model.graph, graph_inputs, shapes, skip_unsupported, opset)
    return importer.run(path.stem, precision or Precision.INT8)


def supported_ops() -> list[str]:
    """ONNX op types the reader imports (besides folded constants)."""
    tables = (_HANDLERS, ACTIVATIONS, ELEMENTWISE, UNARY, REDUCTIONS, NORMALISATIONS, DATA_MOVEMENT, ALIASES)
    return sorted({op for table in tables for op in table} | SHAPE_OPS | {"Constant", "ConstantOfShape"})


# -- loading and shapes -----------------------------------------------------
def _load(path: Path) -> onnx.ModelProto:
    """Parse the file without external weight data (only initializer shapes are needed)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    data = path.read_bytes()
    if data[4:8] == b"TFL3":
        raise InputError(f"{path}: this is a TFLite flatbuffer, not an ONNX model; give it a .tflite suffix")
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf raises several types on bad bytes
        raise InputError(f"{path}: not a valid ONNX model ({type(exc).__name__}: {first_line(exc)})") from None
    if not model.graph.node or not model.opset_import:
        raise InputError(f"{path}: not an ONNX model (no graph nodes or no opset); is the file corrupt?")
    return model


def _set_input_shapes(model: onnx.ModelProto, path: Path, overrides: Mapping[str, tuple[int, ...]]) -> list[str]:
    """Write user shapes into the graph inputs; every input must end up static. Returns the input names."""
    graph = model.graph
    initializers = {t.name for t in graph.initializer}
    inputs = [vi for vi in graph.input if vi.name not in initializers]
    names = [vi.name for vi in inputs]
    for name in overrides:
        if name not in names:
            raise InputError(
                f"{path}: input_shapes names {name!r}, which is not a model input; inputs: {names}",
                cli=f"{path}: --input-shape names {name!r}, which is not a model input; inputs: {names}",
            )
    for vi in inputs:
        dims = dims_of(vi)
        if vi.name in overrides:
            shape = tuple(overrides[vi.name])
            if not shape or any(not isinstance(d, int) or isinstance(d, bool) or d <= 0 for d in shape):
                raise InputError(f"{path}: input_shapes[{vi.name!r}] = {shape!r}; expected positive integers")
            if dims is not None and len(dims) != len(shape):
                raise InputError(
                    f"{path}: input_shapes[{vi.name!r}] has rank {len(shape)}, the model's input has rank "
                    f"{len(dims)} {dims}"
                )
            tensor_shape = vi.type.tensor_type.shape
            tensor_shape.ClearField("dim")
            for d in shape:
                tensor_shape.dim.add().dim_value = d
        elif dims is None or any(not isinstance(d, int) or d <= 0 for d in dims):
            shown = "unknown rank" if dims is None else "x".join(str(d) for d in dims)
            example = (
                "1x3x224x224" if dims is None else "x".join(str(d) if isinstance(d, int) and d else "1" for d in dims)
            )
            head = f"{path}: input {vi.name!r} has a dynamic shape ({shown}); give it with "
            raise InputError(
                head + f"input_shapes={{{vi.name!r}: (...)}}", cli=head + f"--input-shape {vi.name}={example}"
            )
    return names


def _attrs(node: NodeProto) -> dict[str, object]:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _decode(value: object) -> object:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True)
class _Gelu:
    """An exporter's Erf GELU chain: reads ``input``, writes ``output``, spans the nodes ``members``."""

    input: str
    output: str
    members: frozenset[int]


# -- the importer -------------------------------------------------------------
class _OnnxImporter:
    """Walks the ONNX graph once: classify (live / folded / alias), count readers, emit nodes."""

    def __init__(
        self,
        path: Path,
        graph: onnx.GraphProto,
        inputs: list[str],
        shapes: dict[str, tuple[int | None, ...]],
        skip_unsupported: bool,
        opset: int = 0,
    ) -> None:
        self.g = GraphEmitter(path)
        self.opset = opset
        self.graph = graph
        self.inputs = inputs
        self.shapes = shapes
        self.skip = skip_unsupported
        self.initializers = {t.name: t for t in graph.initializer}
        self.constant_nodes: dict[str, NodeProto] = {}
        self.const: set[str] = set(self.initializers)
        self.alias: dict[str, str] = {}
        self.outputs = {vi.name for vi in graph.output}
        self.live: list[int] = []
        self.readers: dict[str, list[int]] = {}
        self.fused: set[int] = set()
        self.folded_pads: dict[int, tuple[int, int, int, int]] = {}
        self.names: dict[int, str] = {}
        self.gelus: dict[str, _Gelu] = {}
        self.gelu_ends: dict[int, _Gelu] = {}

    # -- helpers -------------------------------------------------------------
    def resolve(self, name: str) -> str:
        """Follow aliases (Identity, Dropout, Cast, folded Pads) to the tensor that holds the data."""
        while name in self.alias:
            name = self.alias[name]
        return name

    def where(self, index: int) -> str:
        node = self.graph.node[index]
        return f"node {self.names.get(index) or node.name or index!r} ({node.op_type})"

    def shape(self, name: str, index: int) -> Shape:
        """Static shape of tensor ``name`` as read by node ``index``, or an InputError asking for input shapes."""
        name = self.resolve(name)
        dims = self.shapes.get(name)
        if dims is None or any(d is None for d in dims):
            shown = "unknown" if dims is None else "x".join("?" if d is None else str(d) for d in dims)
            head = f"{self.where(index)}: tensor {name!r} has no static shape ({shown}) after shape inference; "
            inputs = f"(inputs: {', '.join(self.inputs)})"
            raise self.g.error(
                head + f"give the input shapes with input_shapes={{...}} {inputs}",
                cli=head + f"give the input shapes with --input-shape NAME=DIMS {inputs}",
            )
        return tuple(int(d) for d in dims)  # type: ignore[arg-type]

    def data(self, name: str, index: int) -> str:
        """The tensor an op reads, declared as WEIGHT if it is constant."""
        name = self.resolve(name)
        if name in self.const:
            self.g.tensor(name, self.shape(name, index), TensorKind.WEIGHT)
        elif name not in self.g.tensors:
            raise self.g.error(f"{self.where(index)}: reads {name!r}, which no imported node produces")
        return name

    def out(self, name: str, index: int) -> str:
        """Declare an activation written by node ``index``."""
        return self.g.tensor(name, self.shape(name, index), TensorKind.ACTIVATION)

    def value(self, name: str) -> np.ndarray | None:
        """The value of a constant tensor (initializer or Constant node), when the file holds it."""
        name = self.resolve(name)
        if name in self.initializers:
            try:
                return numpy_helper.to_array(self.initializers[name])
            except Exception:  # external data that was not loaded
                return None
        node = self.constant_nodes.get(name)
        if node is None:
            return None
        for attr in node.attribute:
            if attr.name == "value":
                return numpy_helper.to_array(attr.t)
            if attr.name in ("value_int", "value_ints", "value_float", "value_floats"):
                return np.asarray(onnx.helper.get_attribute_value(attr))
        return None

    def fused_output(self, index: int) -> tuple[str, Activation | None]:
        """Output tensor and activation of node ``index``, absorbing a following activation it alone feeds."""
        node = self.graph.node[index]
        out = node.output[0]
        readers = self.readers.get(out, [])
        gelu = self.gelus.get(out)
        if gelu is not None and out not in self.outputs and set(readers) <= gelu.members:
            self.fused.update(gelu.members)
            return gelu.output, Activation.GELU
        if len(readers) == 1 and out not in self.outputs:
            follower = self.graph.node[readers[0]]
            if follower.op_type in ACTIVATIONS:
                self.fused.add(readers[0])
                return follower.output[0], self.activation(follower)
        return out, None

    def activation(self, node: NodeProto) -> Activation:
        """The activation function of an activation node (Clip without an upper bound is relu)."""
        if node.op_type == "Clip":
            attrs = _attrs(node)
            has_max = "max" in attrs or (len(node.input) > 2 and node.input[2] != "")
            return Activation.RELU6 if has_max else Activation.RELU
        return ACTIVATIONS[node.op_type]

    # -- walk ------------------------------------------------------------------
    def run(self, name: str, precision: Precision) -> Workload:
        self._classify()
        for index in self.live:
            node = self.graph.node[index]
            for tensor in node.input:
                if tensor and self.resolve(tensor) not in self.const:
                    self.readers.setdefault(self.resolve(tensor), []).append(index)
        self._find_gelus()
        for tensor in self.inputs:
            self.g.tensor(tensor, self._input_shape(tensor), TensorKind.INPUT)
        for index in self.live:
            if index in self.fused:
                continue
            node = self.graph.node[index]
            self.names[index] = self.g.node_name(node.name, f"{node.op_type}_{index}")
            self._dispatch(index, node)
        return self.g.build(name, precision)

    def _input_shape(self, name: str) -> Shape:
        return tuple(int(d) for d in self.shapes[name])  # type: ignore[arg-type]

    def _classify(self) -> None:
        """Split nodes into folded constants, aliases and live ops, in file (topological) order."""
        for index, node in enumerate(self.graph.node):
            inputs = [t for t in node.input if t]
            all_const = all(self.resolve(t) in self.const for t in inputs)
            if node.op_type == "Constant" or node.op_type in SHAPE_OPS or all_const:
                self.const.update(t for t in node.output if t)
                if node.op_type == "Constant":
                    self.constant_nodes[node.output[0]] = node
            elif node.op_type in ALIASES:
                self.alias[node.output[0]] = self.resolve(node.input[0])
            else:
                self.live.append(index)

    def _find_gelus(self) -> None:
        """Find exporters' Erf GELU chains: Erf(x / sqrt 2) -> Add 1 -> Mul x -> Mul 0.5 (the halving anywhere)."""
        producer = {self.resolve(t): i for i in self.live for t in self.graph.node[i].output if t}
        for index in self.live:
            erf = self.graph.node[index]
            if erf.op_type != "Erf":
                continue
            scale = producer.get(self.resolve(erf.input[0]))
            x = self._scaled_input(scale, {"Div": math.sqrt(2.0), "Mul": math.sqrt(0.5)})
            add = self._sole_reader(erf.output[0])
            if x is None or scale is None or self._sole_reader(self.graph.node[scale].output[0]) != index:
                continue
            if add is None or self._scaled_input(add, {"Add": 1.0}) is None:
                continue
            mul = self._sole_reader(self.graph.node[add].output[0], "Mul")
            if mul is None:
                continue
            other = next(
                (t for t in self.graph.node[mul].input if self.resolve(t) != self.graph.node[add].output[0]), ""
            )
            members = {scale, index, add, mul}
            half = self._sole_reader(self.graph.node[mul].output[0], "Mul")
            if self.resolve(other) == x and half is not None and self._scaled_input(half, {"Mul": 0.5}) is not None:
                members.add(half)
                end = half
            elif (
                producer.get(self.resolve(other)) is not None
                and self._scaled_input(producer[self.resolve(other)], {"Mul": 0.5}) == x
                and self.readers.get(self.resolve(other)) == [mul]
            ):
                members.add(producer[self.resolve(other)])
                end = mul
            else:
                continue
            gelu = _Gelu(x, self.graph.node[end].output[0], frozenset(members))
            self.gelus[x] = gelu
            self.gelu_ends[end] = gelu
            self.fused.update(members - {end})

    def _sole_reader(self, tensor: str, op_type: str | None = None) -> int | None:
        """The one live node reading ``tensor`` (of ``op_type`` when given), if it is not a graph output."""
        readers = self.readers.get(self.resolve(tensor), [])
        if len(readers) != 1 or tensor in self.outputs:
            return None
        return readers[0] if op_type is None or self.graph.node[readers[0]].op_type == op_type else None

    def _scaled_input(self, index: int | None, constants: Mapping[str, float]) -> str | None:
        """The variable input of a binary node ``index`` whose other input is the constant ``constants[op]``."""
        if index is None:
            return None
        node = self.graph.node[index]
        if node.op_type not in constants or len(node.input) != 2:
            return None
        const = [t for t in node.input if self.resolve(t) in self.const]
        variable = [self.resolve(t) for t in node.input if self.resolve(t) not in self.const]
        if len(const) != 1 or len(variable) != 1 or (node.op_type == "Div" and const[0] != node.input[1]):
            return None
        value = self.value(const[0])
        if (
            value is None
            or value.size != 1
            or not math.isclose(float(value.reshape(-1)[0]), constants[node.op_type], rel_tol=1e-3)
        ):
            return None
        return variable[0]

    def _dispatch(self, index: int, node: NodeProto) -> None:
        op = node.op_type
        handler = _HANDLERS.get(op)
        if index in self.gelu_ends:
            self._gelu(index)
        elif handler is not None:
            handler(self, index, node)
        elif op in ACTIVATIONS:
            self._activation_op(index, node)
        elif op in ELEMENTWISE:
            self._elementwise(index, node)
        elif op in UNARY:
            self._unary(index, node)
        elif op in REDUCTIONS:
            self._reduce(index, node)
        elif op in NORMALISATIONS:
            self._normalisation(index, node)
        elif op in DATA_MOVEMENT:
            self._data_movement(index, node)
        else:
            self._unsupported(index, node)

    # -- op handlers -------------------------------------------------------------
    def _conv(self, index: int, node: NodeProto) -> None:
        name = self.names[index]
        x_shape = self.shape(node.input[0], index)
        w_shape = self.shape(node.input[1], index)
        rank = len(x_shape) - 2
        if rank not in (1, 2) or len(w_shape) != rank + 2:
            raise self.g.error(
                f"{self.where(index)}: only 1-D and 2-D convolutions are supported; input shape {x_shape}"
            )
        attrs = _attrs(node)
        groups = int(attrs.get("group", 1))  # type: ignore[call-overload]
        if groups >= 1 and x_shape[1] != w_shape[1] * groups:
            raise self.g.error(
                f"{self.where(index)}: input {node.input[0]!r} has {x_shape[1]} channels but weight "
                f"{node.input[1]!r} {tuple(w_shape)} x group {groups} expects {w_shape[1] * groups}"
            )
        strides = list(attrs.get("strides", [1] * rank))
        dilations = list(attrs.get("dilations", [1] * rank))
        kernel = list(w_shape[2:])
        pads = self._spatial_pads(index, attrs, list(x_shape[2:]), kernel, strides, dilations)
        folded = self.folded_pads.get(index, (0, 0, 0, 0))
        if rank == 1:  # a 1-D conv is a 2-D conv over a height of 1
            x_shape, kernel = (*x_shape[:2], 1, x_shape[2]), [1, *kernel]
            strides, dilations, pads = [1, *strides], [1, *dilations], [(0, 0), *pads]
        inputs = [self.data(t, index) for t in node.input if t]
        out, activation = self.fused_output(index)
        try:
            op = Conv2d(
                name=name,
                in_channels=x_shape[1],
                out_channels=w_shape[0],
                in_h=x_shape[2],
                in_w=x_shape[3],
                kernel_h=kernel[0],
                kernel_w=kernel[1],
                stride_h=int(strides[0]),
                stride_w=int(strides[1]),
                pad_top=pads[0][0] + folded[0],
                pad_bottom=pads[0][1] + folded[1],
                pad_left=pads[1][0] + folded[2],
                pad_right=pads[1][1] + folded[3],
                dilation_h=int(dilations[0]),
                dilation_w=int(dilations[1]),
                groups=groups,
                batch=x_shape[0],
                activation=activation,
            )
        except ValueError as exc:
            raise self.g.error(f"{self.where(index)}: {exc}") from None
        out_shape = self.shape(node.output[0], index)
        if math.prod(op.output_shape) != math.prod(out_shape) or op.output_shape[:2] != out_shape[:2]:
            raise self.g.error(
                f"{self.where(index)}: computed output {op.output_shape} disagrees with the file's {out_shape}"
            )
        self.g.emit(op, inputs, [self.out(out, index)])

    def _conv_transpose(self, index: int, node: NodeProto) -> None:
        """A transposed conv as the stride-1 conv over its zero-inserted input, padded to the file's output size."""
        x_shape = self.shape(node.input[0], index)
        w_shape = self.shape(node.input[1], index)
        out_shape = self.shape(node.output[0], index)
        rank = len(x_shape) - 2
        if rank not in (1, 2) or len(w_shape) != rank + 2:
            raise self.g.error(
                f"{self.where(index)}: only 1-D and 2-D transposed convolutions are supported; input shape {x_shape}"
            )
        attrs = _attrs(node)
        strides = [int(v) for v in attrs.get("strides", [1] * rank)]  # type: ignore[attr-defined]
        dilations = [int(v) for v in attrs.get("dilations", [1] * rank)]  # type: ignore[attr-defined]
        begin_pads = [int(v) for v in attrs.get("pads", [0] * 2 * rank)][:rank]  # type: ignore[attr-defined]
        groups = int(attrs.get("group", 1))  # type: ignore[call-overload]
        inserted, pads = [], []
        for axis in range(rank):
            size = (x_shape[2 + axis] - 1) * strides[axis] + 1
            reach = dilations[axis] * (w_shape[2 + axis] - 1)
            total = out_shape[2 + axis] - size + reach
            if total < 0:
                raise self.g.error(f"{self.where(index)}: output {out_shape} is smaller than the kernel allows")
            before = min(max(reach - begin_pads[axis], 0), total)
            inserted.append(size)
            pads.append((before, total - before))
        kernel = list(w_shape[2:])
        if rank == 1:
            inserted, kernel, dilations, pads = [1, *inserted], [1, *kernel], [1, *dilations], [(0, 0), *pads]
        inputs = [self.data(t, index) for t in node.input if t]
        out, activation = self.fused_output(index)
        try:
            op = Conv2d(
                name=self.names[index],
                in_channels=x_shape[1],
                out_channels=w_shape[1] * groups,
                in_h=inserted[0],
                in_w=inserted[1],
                kernel_h=kernel[0],
                kernel_w=kernel[1],
                pad_top=pads[0][0],
                pad_bottom=pads[0][1],
                pad_left=pads[1][0],
                pad_right=pads[1][1],
                dilation_h=dilations[0],
                dilation_w=dilations[1],
                groups=groups,
                batch=x_shape[0],
                activation=activation,
            )
        except ValueError as exc:
            raise self.g.error(f"{self.where(index)}: {exc}") from None
        self.g.emit(op, inputs, [self.out(out, index)])

    def _spatial_pads(
        self,
        index: int,
        attrs: dict[str, object],
        sizes: list[int],
        kernel: list[int],
        strides: list[int],
        dilations: list[int],
    ) -> list[tuple[int, int]]:
        """(before, after) per spatial axis from ``pads`` or ``auto_pad``."""
        auto_pad = _decode(attrs.get("auto_pad", "NOTSET"))
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            upper = auto_pad == "SAME_UPPER"
            return [
                same_pads(s, k, st, d, upper) for s, k, st, d in zip(sizes, kernel, strides, dilations, strict=True)
            ]
        if auto_pad == "VALID":
            return [(0, 0)] * len(sizes)
        if auto_pad != "NOTSET":
            raise self.g.error(
                f"{self.where(index)}: auto_pad {auto_pad!r}; allowed: NOTSET, SAME_UPPER, SAME_LOWER, VALID"
            )
        pads = [int(p) for p in attrs.get("pads", [0] * 2 * len(sizes))]  # type: ignore[attr-defined]
        n = len(sizes)
        return [(pads[i], pads[i + n]) for i in range(n)]

    def _gemm(self, index: int, node: NodeProto) -> None:
        attrs = _attrs(node)
        a_shape = self.shape(node.input[0], index)
        b_shape = self.shape(node.input[1], index)
        m, k = reversed(a_shape) if attrs.get("transA", 0) else a_shape
        n = b_shape[0] if attrs.get("transB", 0) else b_shape[1]
        weight = self.resolve(node.input[1]) in self.const
        self._matmul_op(index, node, m=m, n=n, k=k, batch=1, weight_operand=weight)

    def _matmul(self, index: int, node: NodeProto) -> None:
        a_shape = self.shape(node.input[0], index)
        b_shape = self.shape(node.input[1], index)
        k = a_shape[-1]
        n = b_shape[-1] if len(b_shape) > 1 else 1
        if self.resolve(node.input[1]) in self.const and len(b_shape) == 2:
            # x @ W: every row of every batch meets the same weight.
            self._matmul_op(index, node, m=math.prod(a_shape[:-1]), n=n, k=k, batch=1, weight_operand=True)
            return
        m = a_shape[-2] if len(a_shape) > 1 else 1
        batch_shape = np.broadcast_shapes(tuple(a_shape[:-2]), tuple(b_shape[:-2]))
        self._matmul_op(index, node, m=m, n=n, k=k, batch=math.prod(batch_shape), weight_operand=False)

    def _matmul_op(self, index: int, node: NodeProto, m: int, n: int, k: int, batch: int, weight_operand: bool) -> None:
        inputs = [self.data(t, index) for t in node.input if t]
        out, activation = self.fused_output(index)
        try:
            op = MatMul(
                self.names[index], m=m, n=n, k=k, batch=batch, weight_operand=weight_operand, activation=activation
            )
        except ValueError as exc:
            raise self.g.error(f"{self.where(index)}: {exc}") from None
        self.g.emit(op, inputs, [self.out(out, index)])

    def _elementwise(self, index: int, node: NodeProto) -> None:
        inputs = [self.data(t, index) for t in node.input if t]
        out, activation = self.fused_output(index)
        ops = max(len(inputs) - 1, 1) + (node.op_type == "Mean") if node.op_type in VARIADIC else 1
        self.g.vector(self.names[index], ELEMENTWISE[node.op_type], inputs, [self.out(out, index)], ops, activation)

    def _unary(self, index: int, node: NodeProto) -> None:
        inputs = [self.data(node.input[0], index)]
        self.g.vector(self.names[index], VectorFn.ACTIVATION, inputs, [self.out(node.output[0], index)], 1)

    def _gelu(self, index: int) -> None:
        gelu = self.gelu_ends[index]
        inputs = [self.data(gelu.input, index)]
        outputs = [self.out(gelu.output, index)]
        self.g.vector(self.names[index], VectorFn.ACTIVATION, inputs, outputs, 1, Activation.GELU)

    def _activation_op(self, index: int, node: NodeProto) -> None:
        inputs = [self.data(node.input[0], index)]
        outputs = [self.out(node.output[0], index)]
        self.g.vector(self.names[index], VectorFn.ACTIVATION, inputs, outputs, 1, self.activation(node))

    def _pool(self, index: int, node: NodeProto) -> None:
        attrs = _attrs(node)
        kernel = [int(k) for k in attrs.get("kernel_shape", [1])]  # type: ignore[attr-defined]
        strides = [int(s) for s in attrs.get("strides", [1] * len(kernel))]  # type: ignore[attr-defined]
        fn = VectorFn.MAXPOOL if node.op_type == "MaxPool" else VectorFn.AVGPOOL
        outputs = [self.out(t, index) for t in node.output if t]
        planar = len(kernel) == 2 and len(strides) == 2
        window, stride = ((kernel[0], kernel[1]), (strides[0], strides[1])) if planar else (None, None)
        inputs = [self.data(node.input[0], index)]
        self.g.vector(self.names[index], fn, inputs, outputs, math.prod(kernel), window=window, stride=stride)

    def _global_pool(self, index: int, node: NodeProto) -> None:
        x = self.data(node.input[0], index)
        window = math.prod(self.shape(x, index)[2:])
        fn = VectorFn.GLOBAL_AVGPOOL if node.op_type == "GlobalAveragePool" else VectorFn.MAXPOOL
        self.g.vector(self.names[index], fn, [x], [self.out(node.output[0], index)], window)

    def _reduce(self, index: int, node: NodeProto) -> None:
        """A reduction over some axes: max-like ones are max pools, the others (global) average pools."""
        x = self.data(node.input[0], index)
        x_shape = self.shape(x, index)
        out = self.out(node.output[0], index)
        out_shape = self.g.tensors[out].shape
        window = max(math.prod(x_shape) // math.prod(out_shape), 1)
        spatial = len(x_shape) == 4 and math.prod(out_shape) == x_shape[0] * x_shape[1]
        fn = VectorFn.MAXPOOL if node.op_type in _MAX_LIKE else VectorFn.GLOBAL_AVGPOOL if spatial else VectorFn.AVGPOOL
        self.g.vector(self.names[index], fn, [x], [out], window)

    def _normalisation(self, index: int, node: NodeProto) -> None:
        inputs = [self.data(t, index) for t in node.input if t]
        outputs = [self.out(t, index) for t in node.output[:1] if t]
        fn, ops = NORMALISATIONS[node.op_type]
        self.g.vector(self.names[index], fn, inputs, outputs, ops, row=self._row(index, node))

    def _row(self, index: int, node: NodeProto) -> int:
        """The row a Softmax/LogSoftmax/LayerNormalization reduces over (0 for other normalisations).

        LayerNormalization normalises ``shape[axis:]`` (axis -1 by default); a softmax from
        opset 13 on reduces ``shape[axis]`` (axis -1), before it ``shape[axis:]`` (axis 1).
        """
        layernorm = node.op_type == "LayerNormalization"
        if not layernorm and node.op_type not in ("Softmax", "LogSoftmax"):
            return 0
        shape = self.shape(node.input[0], index)
        per_axis = not layernorm and self.opset >= 13
        axis = int(_attrs(node).get("axis", -1 if layernorm or per_axis else 1)) % len(shape)  # type: ignore[call-overload]
        return shape[axis] if per_axis else math.prod(shape[axis:])

    def _lrn(self, index: int, node: NodeProto) -> None:
        """Local response normalisation: a sum of ``size`` squares across channels, then scale, power, divide."""
        size = int(_attrs(node).get("size", 1))  # type: ignore[call-overload]
        inputs = [self.data(node.input[0], index)]
        self.g.vector(self.names[index], VectorFn.LAYERNORM, inputs, [self.out(node.output[0], index)], size + 3)

    def _data_movement(self, index: int, node: NodeProto) -> None:
        if node.op_type == "Concat":
            tensors = list(node.input)
        elif node.op_type.startswith("Gather"):  # a table, and its indices when they are computed
            tensors = [node.input[0]] + [t for t in node.input[1:] if self.resolve(t) not in self.const]
        else:
            tensors = list(node.input[:1])
        inputs = [self.data(t, index) for t in tensors if t]
        outputs = [self.out(t, index) for t in node.output if t]
        self.g.vector(self.names[index], DATA_MOVEMENT[node.op_type], inputs, outputs, 0)

    def _pad(self, index: int, node: NodeProto) -> None:
        """Fold into the Conv/pool that alone reads the padded tensor; otherwise a PAD data movement."""
        out = node.output[0]
        readers = self.readers.get(out, [])
        pads = self._pad_amounts(node)
        x_shape = self.shape(node.input[0], index)
        if (
            pads is not None
            and len(x_shape) == 4
            and len(readers) == 1
            and out not in self.outputs
            and self.graph.node[readers[0]].op_type in _PAD_FOLDS_INTO
            and self.graph.node[readers[0]].input[0] == out
            and _decode(_attrs(node).get("mode", "constant")) == "constant"
            and not any(pads[i] or pads[i + 4] for i in (0, 1))
        ):
            self.folded_pads[readers[0]] = (pads[2], pads[6], pads[3], pads[7])
            self.alias[out] = self.resolve(node.input[0])
            return
        inputs = [self.data(node.input[0], index)]
        self.g.vector(self.names[index], VectorFn.PAD, inputs, [self.out(out, index)], 0)

    def _pad_amounts(self, node: NodeProto) -> list[int] | None:
        attrs = _attrs(node)
        if "pads" in attrs:
            return [int(p) for p in attrs["pads"]]  # type: ignore[attr-defined]
        if len(node.input) > 3 and node.input[3]:  # explicit axes: keep as data movement
            return None
        value = self.value(node.input[1]) if len(node.input) > 1 and node.input[1] else None
        return None if value is None else [int(p) for p in value.reshape(-1)]

    def _unsupported(self, index: int, node: NodeProto) -> None:
        name = self.names[index]
        if not self.skip:
            head = f"unsupported ONNX op {node.op_type!r} in node {name!r}; supported: {', '.join(supported_ops())}; "
            raise self.g.error(
                head + "pass skip_unsupported=True to import it as data movement",
                cli=head + "add --skip-unsupported to import it as data movement",
            )
        inputs = [self.data(t, index) for t in node.input if t and self.resolve(t) not in self.const]
        outputs = []
        for tensor in (t for t in node.output if t):
            dims = self.shapes.get(tensor)
            if (dims is None or None in dims) and inputs:
                self.shapes[tensor] = self.g.tensors[inputs[0]].shape  # unknown op: assume it keeps the shape
            outputs.append(self.out(tensor, index))
        self.g.vector(name, VectorFn.RESHAPE, inputs, outputs, 0)
        self.g.notes.append(f"skipped unsupported ONNX op {node.op_type} (node {name!r}): imported as data movement")


_HANDLERS: dict[str, Callable[[_OnnxImporter, int, NodeProto], None]] = {
    "Conv": _OnnxImporter._conv,
    "Gemm": _OnnxImporter._gemm,
    "MatMul": _OnnxImporter._matmul,
    "MaxPool": _OnnxImporter._pool,
    "AveragePool": _OnnxImporter._pool,
    "GlobalAveragePool": _OnnxImporter._global_pool,
    "GlobalMaxPool": _OnnxImporter._global_pool,
    "LRN": _OnnxImporter._lrn,
    "ConvTranspose": _OnnxImporter._conv_transpose,
    "Pad": _OnnxImporter._pad,
}
"""Op type -> handler, for ops whose handling is not one of the table-driven families above."""
