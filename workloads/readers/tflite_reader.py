"""TFLite models into the workload DAG, read with the ``tflite`` package's flatbuffer schema bindings.

What becomes what (main subgraph only):

- CONV_2D, DEPTHWISE_CONV_2D -> :class:`Conv2d` (TF SAME/VALID padding, strides,
  dilation; groups = input channels / filter channels); FULLY_CONNECTED and
  BATCH_MATMUL -> :class:`MatMul`. The op's fused activation (RELU, RELU6,
  RELU_N1_TO_1 as a clamp, TANH) becomes its ``activation``.
- ADD/SUB -> ADD, MUL/DIV -> MUL (with their fused activation), AVERAGE_POOL_2D,
  MAX_POOL_2D, MEAN, SOFTMAX, standalone activations (RELU, RELU6, LOGISTIC,
  HARD_SWISH, TANH, LEAKY_RELU, GELU), QUANTIZE/DEQUANTIZE (a requantising
  multiply) -> vector ops; RESHAPE/SQUEEZE/EXPAND_DIMS, TRANSPOSE, CONCATENATION,
  SLICE/STRIDED_SLICE/SPLIT/GATHER, RESIZE_*, PAD -> zero-arithmetic data
  movement. A PAD whose only reader is a conv or pool folds into its padding.

Shapes are converted to the IR's layout: 4-D activations NHWC -> NCHW, conv
filters OHWI -> OIHW, depthwise filters ``1 x KH x KW x C`` -> ``C x 1 x KH x KW``.
Tensors with a data buffer are WEIGHT tensors. Each tensor's element type sets
its precision (int8/uint8 -> int8, int16, float16, float32; int32/int64 biases
have no IR precision and count at the workload's); the workload's precision is
the most common activation type. An explicit ``precision`` overrides all of it.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tflite.ActivationFunctionType import ActivationFunctionType
from tflite.AddOptions import AddOptions
from tflite.BatchMatMulOptions import BatchMatMulOptions
from tflite.BuiltinOperator import BuiltinOperator as Op
from tflite.ConcatenationOptions import ConcatenationOptions
from tflite.Conv2DOptions import Conv2DOptions
from tflite.DepthwiseConv2DOptions import DepthwiseConv2DOptions
from tflite.DivOptions import DivOptions
from tflite.FullyConnectedOptions import FullyConnectedOptions
from tflite.Model import Model
from tflite.MulOptions import MulOptions
from tflite.Padding import Padding
from tflite.Pool2DOptions import Pool2DOptions
from tflite.SubOptions import SubOptions
from tflite.TensorType import TensorType
from tflite.utils import BUILTIN_OPCODE2NAME

from workloads.errors import InputError
from workloads.graph import TensorKind, Workload
from workloads.ops import Activation, Conv2d, MatMul, VectorFn
from workloads.precision import Precision
from workloads.readers._emitter import GraphEmitter, same_pads

PRECISIONS: dict[int, Precision] = {
    TensorType.INT8: Precision.INT8,
    TensorType.UINT8: Precision.INT8,
    TensorType.INT16: Precision.INT16,
    TensorType.FLOAT16: Precision.FP16,
    TensorType.FLOAT32: Precision.FP32,
    TensorType.INT4: Precision.INT4,
}
"""TFLite element type -> IR precision (types missing here, e.g. int32 biases, take the workload's)."""

FUSED: dict[int, Activation | None] = {
    ActivationFunctionType.NONE: None,
    ActivationFunctionType.RELU: Activation.RELU,
    ActivationFunctionType.RELU6: Activation.RELU6,
    ActivationFunctionType.RELU_N1_TO_1: Activation.RELU6,
    ActivationFunctionType.TANH: Activation.TANH,
}
"""Fused activation function -> IR activation (RELU_N1_TO_1 is a clamp, costed as relu6)."""

STANDALONE: dict[int, Activation] = {
    Op.RELU: Activation.RELU,
    Op.RELU6: Activation.RELU6,
    Op.RELU_N1_TO_1: Activation.RELU6,
    Op.LOGISTIC: Activation.SIGMOID,
    Op.HARD_SWISH: Activation.HARDSWISH,
    Op.TANH: Activation.TANH,
    Op.LEAKY_RELU: Activation.LEAKY_RELU,
    Op.GELU: Activation.GELU,
}

ELEMENTWISE: dict[int, tuple[VectorFn, type | None]] = {
    Op.ADD: (VectorFn.ADD, AddOptions),
    Op.SUB: (VectorFn.ADD, SubOptions),
    Op.MUL: (VectorFn.MUL, MulOptions),
    Op.DIV: (VectorFn.MUL, DivOptions),
    Op.QUANTIZE: (VectorFn.MUL, None),
    Op.DEQUANTIZE: (VectorFn.MUL, None),
}
"""Elementwise ops -> vector function and the options table holding their fused activation."""

DATA_MOVEMENT: dict[int, VectorFn] = {
    Op.RESHAPE: VectorFn.RESHAPE,
    Op.SQUEEZE: VectorFn.RESHAPE,
    Op.EXPAND_DIMS: VectorFn.RESHAPE,
    Op.TRANSPOSE: VectorFn.TRANSPOSE,
    Op.CONCATENATION: VectorFn.CONCAT,
    Op.SLICE: VectorFn.SLICE,
    Op.STRIDED_SLICE: VectorFn.SLICE,
    Op.SPLIT: VectorFn.SLICE,
    Op.SPLIT_V: VectorFn.SLICE,
    Op.GATHER: VectorFn.SLICE,
    Op.RESIZE_BILINEAR: VectorFn.UPSAMPLE,
    Op.RESIZE_NEAREST_NEIGHBOR: VectorFn.UPSAMPLE,
}
"""Zero-arithmetic ops; CONCATENATION and GATHER read every input as data, the rest only their data input."""

_DATA_INPUT = {Op.SPLIT: 1}
"""Ops whose data is not input 0 (SPLIT's input 0 is the axis)."""

_POOLS = {Op.AVERAGE_POOL_2D: VectorFn.AVGPOOL, Op.MAX_POOL_2D: VectorFn.MAXPOOL}
_PAD_FOLDS_INTO = {Op.CONV_2D, Op.DEPTHWISE_CONV_2D, *_POOLS}


def read_tflite(
    path: str | Path,
    precision: Precision | None = None,
    input_shapes: dict[str, tuple[int, ...]] | None = None,
    skip_unsupported: bool = False,
) -> Workload:
    """Import a TFLite model file as a Workload (see the module docstring for the op mapping)."""
    path = Path(path)
    if input_shapes:
        raise InputError(
            f"{path}: TFLite files have static shapes; input_shapes applies to ONNX models only",
            cli=f"{path}: TFLite files have static shapes; --input-shape applies to ONNX models only",
        )
    model = _decode(path)
    try:
        return _TfliteImporter(path, model, precision, skip_unsupported).run()
    except (IndexError, TypeError, struct.error) as exc:  # flatbuffers reads an op's options lazily
        raise InputError(f"{path}: corrupt TFLite file ({type(exc).__name__} while importing its operators)") from None


def supported_ops() -> list[str]:
    """TFLite builtin op names the reader imports."""
    codes = {*_HANDLERS, *STANDALONE, *ELEMENTWISE, *DATA_MOVEMENT, *_POOLS, Op.PAD, Op.PADV2}
    return sorted(BUILTIN_OPCODE2NAME[c] for c in codes)


# -- decoding -------------------------------------------------------------------
@dataclass(frozen=True)
class _Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: int
    data: bytes | None
    zero_points: tuple[int, ...] = ()


@dataclass
class _Operator:
    code: int
    custom: str
    inputs: list[int]
    outputs: list[int]
    options: object = None
    options_table: tuple[bytes, int] | None = field(default=None, repr=False)

    @property
    def op_name(self) -> str:
        return self.custom or BUILTIN_OPCODE2NAME.get(self.code, f"builtin {self.code}")

    def options_as(self, cls: type) -> object | None:
        """This op's builtin options parsed as ``cls`` (None when the file has none)."""
        if self.options_table is None:
            return None
        table = cls()
        table.Init(*self.options_table)
        return table


@dataclass
class _Model:
    description: str
    tensors: list[_Tensor]
    operators: list[_Operator]
    inputs: list[int]
    outputs: list[int]


def _decode(path: Path) -> _Model:
    """Read the flatbuffer into plain records; any decoding failure is a corrupt file."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    data = path.read_bytes()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise InputError(f"{path}: not a TFLite model (no 'TFL3' flatbuffer identifier)")
    try:
        return _decode_model(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    except Exception as exc:  # flatbuffers raises IndexError, struct.error... on bad offsets
        raise InputError(f"{path}: corrupt TFLite file ({type(exc).__name__} while decoding)") from None


def _decode_model(data: bytes) -> _Model:
    model = Model.GetRootAs(data, 0)
    if model.SubgraphsLength() < 1:
        raise InputError("the model has no subgraph")
    codes = []
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        custom = code.CustomCode()
        codes.append((max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), custom.decode() if custom else ""))
    buffers = []
    for i in range(model.BuffersLength()):
        buffer = model.Buffers(i)
        buffers.append(buffer.DataAsNumpy().tobytes() if buffer.DataLength() else None)
    graph = model.Subgraphs(0)
    tensors = []
    for i in range(graph.TensorsLength()):
        tensor = graph.Tensors(i)
        shape = tuple(int(d) for d in tensor.ShapeAsNumpy()) if tensor.ShapeLength() else ()
        index = tensor.Buffer()
        payload = buffers[index] if 0 < index < len(buffers) else None
        quant = tensor.Quantization()
        zero_points = tuple(int(z) for z in quant.ZeroPointAsNumpy()) if quant and quant.ZeroPointLength() else ()
        tensors.append(_Tensor(tensor.Name().decode(errors="replace"), shape, tensor.Type(), payload, zero_points))
    operators = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code, custom = codes[op.OpcodeIndex()]
        options = op.BuiltinOptions()
        table = (options.Bytes, options.Pos) if options is not None else None
        inputs = [int(t) for t in op.InputsAsNumpy()] if op.InputsLength() else []
        outputs = [int(t) for t in op.OutputsAsNumpy()] if op.OutputsLength() else []
        operators.append(_Operator(code, custom, inputs, outputs, options_table=table))
    inputs = [int(t) for t in graph.InputsAsNumpy()] if graph.InputsLength() else []
    outputs = [int(t) for t in graph.OutputsAsNumpy()] if graph.OutputsLength() else []
    referenced = [*inputs, *outputs, *(t for op in operators for t in (*op.inputs, *op.outputs))]
    bad = next((t for t in referenced if not -1 <= t < len(tensors)), None)
    if bad is not None:
        raise InputError(f"tensor index {bad} is out of range (the subgraph has {len(tensors)} tensors)")
    description = model.Description()
    return _Model(description.decode(errors="replace") if description else "", tensors, operators, inputs, outputs)


def _nchw(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[0], shape[3], shape[1], shape[2]) if len(shape) == 4 else shape


# -- the importer -------------------------------------------------------------------
class _TfliteImporter:
    """Declares tensors in the IR layout and emits one node per TFLite operator."""

    def __init__(self, path: Path, model: _Model, precision: Precision | None, skip_unsupported: bool) -> None:
        self.g = GraphEmitter(path)
        self.model = model
        self.precision = precision
        self.skip = skip_unsupported
        self.names = self._tensor_names()
        self.readers: dict[int, list[int]] = {}
        for index, op in enumerate(model.operators):
            for t in op.inputs:
                if t >= 0:
                    self.readers.setdefault(t, []).append(index)
        self.alias: dict[int, int] = {}
        self.folded_pads: dict[int, tuple[int, int, int, int]] = {}

    def _tensor_names(self) -> list[str]:
        seen: Counter[str] = Counter(t.name for t in self.model.tensors)
        return [
            t.name if seen[t.name] == 1 and t.name else f"{t.name or 'tensor'}#{i}"
            for i, t in enumerate(self.model.tensors)
        ]

    # -- tensors ----------------------------------------------------------------
    def resolve(self, index: int) -> int:
        while index in self.alias:
            index = self.alias[index]
        return index

    def tensor(self, index: int, shape: tuple[int, ...] | None = None) -> str:
        """Declare tensor ``index`` (layout-converted unless ``shape`` is given) and return its IR name."""
        index = self.resolve(index)
        record = self.model.tensors[index]
        kind = TensorKind.WEIGHT if record.data is not None else TensorKind.ACTIVATION
        if index in self.model.inputs:
            kind = TensorKind.INPUT
        precision = None if self.precision else PRECISIONS.get(record.dtype)
        return self.g.tensor(self.names[index], shape or _nchw(record.shape), kind, precision)

    def shape(self, index: int) -> tuple[int, ...]:
        """The file's (NHWC) shape of tensor ``index``."""
        return self.model.tensors[self.resolve(index)].shape

    def is_const(self, index: int) -> bool:
        return self.model.tensors[self.resolve(index)].data is not None

    def keep_weights(self, index: int, name: str, axis: int) -> None:
        """Keep an 8-bit weight tensor's values less its zero point (per channel along ``axis``) under ``name``."""
        record = self.model.tensors[self.resolve(index)]
        dtype = {TensorType.INT8: np.int8, TensorType.UINT8: np.uint8}.get(record.dtype)
        if record.data is None or dtype is None or len(record.data) != math.prod(record.shape):
            return
        values = np.frombuffer(record.data, dtype=dtype).astype(np.int16).reshape(record.shape)
        zero = np.asarray(record.zero_points or (0,), dtype=np.int16)
        if zero.size > 1 and zero.size == record.shape[axis]:
            zero = zero.reshape([-1 if d == axis else 1 for d in range(len(record.shape))])
        elif zero.size > 1:
            return
        self.g.weight_values[name] = values - zero

    def values(self, index: int) -> np.ndarray | None:
        """An int32 constant's values (shapes, axes, paddings)."""
        record = self.model.tensors[self.resolve(index)]
        if record.data is None or record.dtype not in (TensorType.INT32, TensorType.INT64):
            return None
        dtype = np.int32 if record.dtype == TensorType.INT32 else np.int64
        return np.frombuffer(record.data, dtype=dtype)

    # -- walk ---------------------------------------------------------------------
    def run(self) -> Workload:
        for index in self.model.inputs:
            self.tensor(index)
        for index, op in enumerate(self.model.operators):
            outputs = [t for t in op.outputs if t >= 0]
            name = self.g.node_name(self.names[outputs[0]] if outputs else "", f"{op.op_name.lower()}_{index}")
            handler = _HANDLERS.get(op.code) if not op.custom else None
            if handler is not None:
                handler(self, index, name, op)
            elif op.custom:
                self._unsupported(name, op)
            elif op.code in STANDALONE:
                self._activation(name, op)
            elif op.code in ELEMENTWISE:
                self._elementwise(name, op)
            elif op.code in DATA_MOVEMENT:
                self._data_movement(name, op)
            elif op.code in _POOLS:
                self._pool(index, name, op)
            else:
                self._unsupported(name, op)
        return self.g.build(Path(self.g.where).stem, self.precision or self._dominant_precision())

    def _dominant_precision(self) -> Precision:
        counts = Counter(PRECISIONS[t.dtype] for t in self.model.tensors if t.data is None and t.dtype in PRECISIONS)
        return counts.most_common(1)[0][0] if counts else Precision.INT8

    def error(self, name: str, op: _Operator, message: str) -> InputError:
        return self.g.error(f"op {name!r} ({op.op_name}): {message}")

    # -- handlers --------------------------------------------------------------------
    def _conv(self, index: int, name: str, op: _Operator) -> None:
        depthwise = op.code == Op.DEPTHWISE_CONV_2D
        options = op.options_as(DepthwiseConv2DOptions if depthwise else Conv2DOptions)
        x_shape, w_shape = self.shape(op.inputs[0]), self.shape(op.inputs[1])
        if len(x_shape) != 4 or len(w_shape) != 4:
            raise self.error(name, op, f"expected 4-D input and filter, got {x_shape} and {w_shape}")
        n, h, w, c = x_shape
        if depthwise:
            _, kh, kw, cout = w_shape
            groups = c
            weight_shape = (cout, 1, kh, kw)
        else:
            cout, kh, kw, cin = w_shape
            groups = c // cin if cin and c % cin == 0 else 0
            weight_shape = (cout, cin, kh, kw)
        sh, sw = (options.StrideH(), options.StrideW()) if options else (1, 1)
        dh, dw = (options.DilationHFactor(), options.DilationWFactor()) if options else (1, 1)
        if options is not None and options.Padding() == Padding.SAME:
            (pt, pb), (pl, pr) = same_pads(h, kh, sh, dh), same_pads(w, kw, sw, dw)
        else:
            pt = pb = pl = pr = 0
        ft, fb, fl, fr = self.folded_pads.get(index, (0, 0, 0, 0))
        try:
            conv = Conv2d(
                name=name,
                in_channels=c,
                out_channels=cout,
                in_h=h,
                in_w=w,
                kernel_h=kh,
                kernel_w=kw,
                stride_h=sh,
                stride_w=sw,
                pad_top=pt + ft,
                pad_bottom=pb + fb,
                pad_left=pl + fl,
                pad_right=pr + fr,
                dilation_h=dh,
                dilation_w=dw,
                groups=groups,
                batch=n,
                activation=self._fused(name, op, options),
            )
        except ValueError as exc:
            raise self.error(name, op, str(exc)) from None
        out = op.outputs[0]
        if _nchw(self.shape(out)) != conv.output_shape:
            raise self.error(
                name, op, f"computed output {conv.output_shape} disagrees with the file's NCHW {_nchw(self.shape(out))}"
            )
        inputs = [self.tensor(op.inputs[0]), self.tensor(op.inputs[1], weight_shape)]
        inputs += [self.tensor(t) for t in op.inputs[2:] if t >= 0]
        self.keep_weights(op.inputs[1], inputs[1], 3 if depthwise else 0)
        self.g.emit(conv, inputs, [self.tensor(out)])

    def _fully_connected(self, index: int, name: str, op: _Operator) -> None:
        x_shape, w_shape = self.shape(op.inputs[0]), self.shape(op.inputs[1])
        k = w_shape[-1]
        if len(w_shape) != 2 or math.prod(x_shape) % k:
            raise self.error(name, op, f"input {x_shape} does not fit the weights {w_shape}")
        options = op.options_as(FullyConnectedOptions)
        self._matmul(name, op, math.prod(x_shape) // k, w_shape[0], k, 1, self.is_const(op.inputs[1]), options)

    def _batch_matmul(self, index: int, name: str, op: _Operator) -> None:
        a_shape, b_shape = self.shape(op.inputs[0]), self.shape(op.inputs[1])
        options = op.options_as(BatchMatMulOptions)
        adj_x = bool(options and options.AdjX())
        adj_y = bool(options and options.AdjY())
        m, k = (a_shape[-1], a_shape[-2]) if adj_x else (a_shape[-2], a_shape[-1])
        n = b_shape[-2] if adj_y else b_shape[-1]
        batch = math.prod(np.broadcast_shapes(a_shape[:-2], b_shape[:-2]))
        self._matmul(name, op, m, n, k, batch, False, None)

    def _matmul(
        self, name: str, op: _Operator, m: int, n: int, k: int, batch: int, weight: bool, options: object | None
    ) -> None:
        try:
            matmul = MatMul(
                name, m=m, n=n, k=k, batch=batch, weight_operand=weight, activation=self._fused(name, op, options)
            )
        except ValueError as exc:
            raise self.error(name, op, str(exc)) from None
        inputs = [self.tensor(t) for t in op.inputs if t >= 0]
        if weight:
            self.keep_weights(op.inputs[1], inputs[1], 0)
        self.g.emit(matmul, inputs, [self.tensor(op.outputs[0])])

    def _fused(self, name: str, op: _Operator, options: object | None) -> Activation | None:
        if options is None:
            return None
        code = options.FusedActivationFunction()  # type: ignore[attr-defined]
        if code not in FUSED:
            raise self.error(
                name, op, f"fused activation {code} is not supported; supported: NONE, RELU, RELU6, RELU_N1_TO_1, TANH"
            )
        return FUSED[code]

    def _elementwise(self, name: str, op: _Operator) -> None:
        fn, options_type = ELEMENTWISE[op.code]
        options = op.options_as(options_type) if options_type else None
        inputs = [self.tensor(t) for t in op.inputs if t >= 0]
        outputs = [self.tensor(op.outputs[0])]
        self.g.vector(name, fn, inputs, outputs, 1, self._fused(name, op, options))

    def _activation(self, name: str, op: _Operator) -> None:
        inputs, outputs = [self.tensor(op.inputs[0])], [self.tensor(op.outputs[0])]
        self.g.vector(name, VectorFn.ACTIVATION, inputs, outputs, 1, STANDALONE[op.code])

    def _pool(self, index: int, name: str, op: _Operator) -> None:
        options = op.options_as(Pool2DOptions)
        window = (options.FilterHeight(), options.FilterWidth()) if options else (1, 1)
        stride = (options.StrideH(), options.StrideW()) if options else (1, 1)
        inputs, outputs = [self.tensor(op.inputs[0])], [self.tensor(op.outputs[0])]
        fused = self._fused(name, op, options)
        self.g.vector(name, _POOLS[op.code], inputs, outputs, math.prod(window), fused, window=window, stride=stride)

    def _mean(self, index: int, name: str, op: _Operator) -> None:
        x_shape, out_shape = self.shape(op.inputs[0]), self.shape(op.outputs[0])
        axes = self.values(op.inputs[1])
        spatial = len(x_shape) == 4 and axes is not None and sorted(int(a) % 4 for a in axes) == [1, 2]
        window = math.prod(x_shape) // max(math.prod(out_shape), 1)
        fn = VectorFn.GLOBAL_AVGPOOL if spatial else VectorFn.AVGPOOL
        self.g.vector(name, fn, [self.tensor(op.inputs[0])], [self.tensor(op.outputs[0])], window)

    def _softmax(self, index: int, name: str, op: _Operator) -> None:
        shape = self.shape(op.inputs[0])
        row = shape[-1] if shape else 0  # TFLite's SOFTMAX reduces the last axis
        self.g.vector(name, VectorFn.SOFTMAX, [self.tensor(op.inputs[0])], [self.tensor(op.outputs[0])], 5, row=row)

    def _data_movement(self, name: str, op: _Operator) -> None:
        if op.code in (Op.CONCATENATION, Op.GATHER):
            inputs = [self.tensor(t) for t in op.inputs if t >= 0]
        else:
            inputs = [self.tensor(op.inputs[_DATA_INPUT.get(op.code, 0)])]
        outputs = [self.tensor(t) for t in op.outputs if t >= 0]
        options = op.options_as(ConcatenationOptions) if op.code == Op.CONCATENATION else None
        self.g.vector(name, DATA_MOVEMENT[op.code], inputs, outputs, 0, self._fused(name, op, options))

    def _pad(self, index: int, name: str, op: _Operator) -> None:
        """Fold into the conv/pool that alone reads the padded tensor; otherwise a PAD data movement."""
        out = op.outputs[0]
        readers = self.readers.get(out, [])
        pads = self.values(op.inputs[1])
        if (
            pads is not None
            and pads.size == 8
            and len(readers) == 1
            and out not in self.model.outputs
            and self.model.operators[readers[0]].code in _PAD_FOLDS_INTO
            and self.model.operators[readers[0]].inputs[0] == out
            and not pads[[0, 1, 6, 7]].any()
        ):
            self.folded_pads[readers[0]] = (int(pads[2]), int(pads[3]), int(pads[4]), int(pads[5]))
            self.alias[out] = self.resolve(op.inputs[0])
            return
        self.g.vector(name, VectorFn.PAD, [self.tensor(op.inputs[0])], [self.tensor(out)], 0)

    def _unsupported(self, name: str, op: _Operator) -> None:
        if not self.skip:
            head = f"unsupported TFLite op {op.op_name} (op {name!r}); supported: {', '.join(supported_ops())}; "
            raise self.g.error(
                head + "pass skip_unsupported=True to import it as data movement",
                cli=head + "add --skip-unsupported to import it as data movement",
            )
        inputs = [self.tensor(t) for t in op.inputs if t >= 0 and not self.is_const(t)]
        outputs = [self.tensor(t) for t in op.outputs if t >= 0]
        self.g.vector(name, VectorFn.RESHAPE, inputs, outputs, 0)
        self.g.notes.append(f"skipped unsupported TFLite op {op.op_name} (op {name!r}): imported as data movement")


_HANDLERS: dict[int, Callable[[_TfliteImporter, int, str, _Operator], None]] = {
    Op.CONV_2D: _TfliteImporter._conv,
    Op.DEPTHWISE_CONV_2D: _TfliteImporter._conv,
    Op.FULLY_CONNECTED: _TfliteImporter._fully_connected,
    Op.BATCH_MATMUL: _TfliteImporter._batch_matmul,
    Op.MEAN: _TfliteImporter._mean,
    Op.SOFTMAX: _TfliteImporter._softmax,
    Op.LOG_SOFTMAX: _TfliteImporter._softmax,
    Op.PAD: _TfliteImporter._pad,
    Op.PADV2: _TfliteImporter._pad,
}
"""Builtin op code -> handler, for ops whose handling is not one of the table-driven families above."""
