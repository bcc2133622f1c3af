"""Quantised TFLite test models, written with the flatbuffers builder and the ``tflite`` schema bindings.

No downloads: every model is generated from its arguments, deterministically
(weights come from a seeded numpy generator). The int8 models carry what a
TFLite converter would emit and what Arm Vela needs to place them on the NPU:
per-tensor scale/zero point for activations, symmetric per-channel int8
weights (zero point 0), int32 biases with ``scale = input_scale * weight_scale``,
softmax output at scale 1/256 and zero point -128.

Shapes are TFLite's: activations NHWC, conv filters OHWI, depthwise filters
``1 x KH x KW x C``, fully-connected weights ``out x in``.

Use :class:`TfliteGraphWriter` for an arbitrary graph, or the ``write_*``
helpers for the single-layer and MobileNet-head models used by the tests and by
the NPU differential tests (``vela MODEL.tflite --accelerator-config ethos-u55-128``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import flatbuffers
import numpy as np
from tflite.ActivationFunctionType import ActivationFunctionType
from tflite.AddOptions import AddOptionsAddFusedActivationFunction, AddOptionsEnd, AddOptionsStart
from tflite.Buffer import BufferAddData, BufferEnd, BufferStart
from tflite.BuiltinOperator import BuiltinOperator
from tflite.BuiltinOptions import BuiltinOptions
from tflite.ConcatenationOptions import (
    ConcatenationOptionsAddAxis,
    ConcatenationOptionsAddFusedActivationFunction,
    ConcatenationOptionsEnd,
    ConcatenationOptionsStart,
)
from tflite.Conv2DOptions import (
    Conv2DOptionsAddDilationHFactor,
    Conv2DOptionsAddDilationWFactor,
    Conv2DOptionsAddFusedActivationFunction,
    Conv2DOptionsAddPadding,
    Conv2DOptionsAddStrideH,
    Conv2DOptionsAddStrideW,
    Conv2DOptionsEnd,
    Conv2DOptionsStart,
)
from tflite.DepthwiseConv2DOptions import (
    DepthwiseConv2DOptionsAddDepthMultiplier,
    DepthwiseConv2DOptionsAddDilationHFactor,
    DepthwiseConv2DOptionsAddDilationWFactor,
    DepthwiseConv2DOptionsAddFusedActivationFunction,
    DepthwiseConv2DOptionsAddPadding,
    DepthwiseConv2DOptionsAddStrideH,
    DepthwiseConv2DOptionsAddStrideW,
    DepthwiseConv2DOptionsEnd,
    DepthwiseConv2DOptionsStart,
)
from tflite.FullyConnectedOptions import (
    FullyConnectedOptionsAddFusedActivationFunction,
    FullyConnectedOptionsEnd,
    FullyConnectedOptionsStart,
)
from tflite.Model import (
    ModelAddBuffers,
    ModelAddDescription,
    ModelAddOperatorCodes,
    ModelAddSubgraphs,
    ModelAddVersion,
    ModelEnd,
    ModelStart,
)
from tflite.MulOptions import MulOptionsAddFusedActivationFunction, MulOptionsEnd, MulOptionsStart
from tflite.Operator import (
    OperatorAddBuiltinOptions,
    OperatorAddBuiltinOptionsType,
    OperatorAddInputs,
    OperatorAddOpcodeIndex,
    OperatorAddOutputs,
    OperatorEnd,
    OperatorStart,
)
from tflite.OperatorCode import (
    OperatorCodeAddBuiltinCode,
    OperatorCodeAddDeprecatedBuiltinCode,
    OperatorCodeAddVersion,
    OperatorCodeEnd,
    OperatorCodeStart,
)
from tflite.Padding import Padding
from tflite.PadOptions import PadOptionsEnd, PadOptionsStart
from tflite.Pool2DOptions import (
    Pool2DOptionsAddFilterHeight,
    Pool2DOptionsAddFilterWidth,
    Pool2DOptionsAddFusedActivationFunction,
    Pool2DOptionsAddPadding,
    Pool2DOptionsAddStrideH,
    Pool2DOptionsAddStrideW,
    Pool2DOptionsEnd,
    Pool2DOptionsStart,
)
from tflite.QuantizationParameters import (
    QuantizationParametersAddQuantizedDimension,
    QuantizationParametersAddScale,
    QuantizationParametersAddZeroPoint,
    QuantizationParametersEnd,
    QuantizationParametersStart,
)
from tflite.ReducerOptions import ReducerOptionsAddKeepDims, ReducerOptionsEnd, ReducerOptionsStart
from tflite.ReshapeOptions import ReshapeOptionsAddNewShape, ReshapeOptionsEnd, ReshapeOptionsStart
from tflite.SoftmaxOptions import SoftmaxOptionsAddBeta, SoftmaxOptionsEnd, SoftmaxOptionsStart
from tflite.SubGraph import (
    SubGraphAddInputs,
    SubGraphAddName,
    SubGraphAddOperators,
    SubGraphAddOutputs,
    SubGraphAddTensors,
    SubGraphEnd,
    SubGraphStart,
)
from tflite.Tensor import (
    TensorAddBuffer,
    TensorAddName,
    TensorAddQuantization,
    TensorAddShape,
    TensorAddType,
    TensorEnd,
    TensorStart,
)
from tflite.TensorType import TensorType

ACTIVATIONS: dict[str | None, int] = {
    None: ActivationFunctionType.NONE,
    "relu": ActivationFunctionType.RELU,
    "relu6": ActivationFunctionType.RELU6,
    "relu_n1_to_1": ActivationFunctionType.RELU_N1_TO_1,
    "tanh": ActivationFunctionType.TANH,
}
"""Fused activation names accepted by the writer."""


@dataclass(frozen=True)
class DType:
    """Element types of one quantisation scheme: activations, weights, bias."""

    activation: int
    weight: int
    bias: int
    activation_range: tuple[int, int] | None
    per_channel: bool

    @property
    def quantised(self) -> bool:
        """True for integer schemes (which carry scale/zero-point)."""
        return self.activation_range is not None


DTYPES: dict[str, DType] = {
    "int8": DType(TensorType.INT8, TensorType.INT8, TensorType.INT32, (-128, 127), True),
    "int16": DType(TensorType.INT16, TensorType.INT8, TensorType.INT64, (-32768, 32767), True),
    "uint8": DType(TensorType.UINT8, TensorType.UINT8, TensorType.INT32, (0, 255), False),
    "float32": DType(TensorType.FLOAT32, TensorType.FLOAT32, TensorType.FLOAT32, None, False),
}
"""Quantisation schemes: int8 (full-integer), int16 (16x8), uint8 (legacy per-tensor), float32."""

_NUMPY: dict[int, type[np.generic]] = {
    TensorType.INT8: np.int8,
    TensorType.UINT8: np.uint8,
    TensorType.INT16: np.int16,
    TensorType.INT32: np.int32,
    TensorType.INT64: np.int64,
    TensorType.FLOAT32: np.float32,
}


@dataclass
class _Quant:
    scale: list[float]
    zero_point: list[int]
    axis: int = 0


@dataclass
class _Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: int
    data: np.ndarray | None = None
    quant: _Quant | None = None


@dataclass
class _Operator:
    code: int
    inputs: list[int]
    outputs: list[int]
    options_type: int = BuiltinOptions.NONE
    options: dict[str, object] = field(default_factory=dict)


def _out_size(size: int, kernel: int, stride: int, padding: str, dilation: int = 1) -> int:
    """TFLite output size for SAME/VALID padding."""
    if padding == "same":
        return math.ceil(size / stride)
    if padding == "valid":
        return math.ceil((size - dilation * (kernel - 1)) / stride)
    raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")


class TfliteGraphWriter:
    """Accumulates a one-subgraph TFLite model and serialises it.

    Every layer method takes and returns tensor indices; activations are NHWC.
    Activation scales are fixed per kind of op, which keeps every requantisation
    in the range integer kernels (and Vela) accept.
    """

    def __init__(
        self, dtype: str = "int8", seed: int = 0, description: str = "archsim test model", weight_spread: float = 0.0
    ) -> None:
        """``weight_spread`` > 0: int8 weights drawn from a normal distribution of that deviation (clipped), as
        trained weights bunch near zero; 0: uniform over -127..127 (incompressible)."""
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
        self.dtype = DTYPES[dtype]
        self.weight_spread = weight_spread
        self.description = description
        self._rng = np.random.default_rng(seed)
        self.tensors: list[_Tensor] = []
        self.operators: list[_Operator] = []
        self.inputs: list[int] = []
        self._counts: dict[str, int] = {}

    # -- tensors -----------------------------------------------------------
    def _name(self, prefix: str) -> str:
        count = self._counts.get(prefix, 0)
        self._counts[prefix] = count + 1
        return f"{prefix}_{count}"

    def _add(self, tensor: _Tensor) -> int:
        self.tensors.append(tensor)
        return len(self.tensors) - 1

    def shape(self, x: int) -> tuple[int, ...]:
        """Shape of tensor ``x``."""
        return self.tensors[x].shape

    def _activation(self, name: str, shape: tuple[int, ...], scale: float, zero_point: int | None = None) -> int:
        kind = self.dtype
        quant = None
        if kind.quantised:
            low, high = kind.activation_range  # type: ignore[misc]
            if zero_point is None:
                zero_point = 0 if kind.activation == TensorType.INT16 else (low + high + 1) // 2
            if kind.activation == TensorType.INT16:
                zero_point = 0  # 16x8 kernels require symmetric activations
                scale = scale / 256
            quant = _Quant([scale], [zero_point])
        return self._add(_Tensor(name, tuple(shape), kind.activation, None, quant))

    def _like(self, x: int, name: str, shape: tuple[int, ...] | None = None) -> int:
        """An activation with ``x``'s quantisation (ops that must not requantise)."""
        src = self.tensors[x]
        quant = _Quant(list(src.quant.scale), list(src.quant.zero_point)) if src.quant else None
        return self._add(_Tensor(name, tuple(shape or src.shape), src.dtype, None, quant))

    def _weights(self, name: str, shape: tuple[int, ...], axis: int) -> tuple[int, np.ndarray]:
        kind = self.dtype
        channels = shape[axis]
        if not kind.quantised:
            data = self._rng.normal(0.0, 0.1, shape).astype(np.float32)
            return self._add(_Tensor(name, shape, kind.weight, data)), np.ones(channels)
        if kind.weight == TensorType.UINT8:
            data = self._rng.integers(0, 256, shape, dtype=np.int64).astype(np.uint8)
            scales = np.full(1, 0.01)
            quant = _Quant([0.01], [128], 0)
        else:
            if self.weight_spread:
                drawn = np.rint(self._rng.normal(0.0, self.weight_spread, shape))
                data = np.clip(drawn, -127, 127).astype(np.int8)
            else:
                data = self._rng.integers(-127, 128, shape, dtype=np.int64).astype(np.int8)
            scales = 0.004 + 0.004 * self._rng.random(channels)
            quant = _Quant([float(s) for s in scales], [0] * channels, axis)
        return self._add(_Tensor(name, shape, kind.weight, data, quant)), np.broadcast_to(scales, (channels,))

    def _bias(self, name: str, x: int, weight_scales: np.ndarray) -> int:
        kind = self.dtype
        channels = len(weight_scales)
        if not kind.quantised:
            return self._add(_Tensor(name, (channels,), kind.bias, np.zeros(channels, np.float32)))
        in_scale = self.tensors[x].quant.scale[0]  # type: ignore[union-attr]
        scales = [float(in_scale * s) for s in weight_scales]
        data = self._rng.integers(-1000, 1000, channels, dtype=np.int64).astype(_NUMPY[kind.bias])
        quant = _Quant(scales, [0] * channels, 0)
        return self._add(_Tensor(name, (channels,), kind.bias, data, quant))

    def _const_int32(self, name: str, values: list[int] | np.ndarray) -> int:
        data = np.asarray(values, dtype=np.int32)
        return self._add(_Tensor(name, data.shape, TensorType.INT32, data))

    def _op(self, code: int, inputs: list[int], outputs: list[int], options_type: int, **options: object) -> int:
        self.operators.append(_Operator(code, inputs, outputs, options_type, options))
        return outputs[0]

    # -- layers ------------------------------------------------------------
    def input(self, shape: tuple[int, ...], name: str = "input") -> int:
        """Declare a graph input (NHWC for images)."""
        index = self._activation(name, tuple(shape), 0.0078125)
        self.inputs.append(index)
        return index

    def conv2d(
        self,
        x: int,
        out_channels: int,
        kernel: int,
        stride: int = 1,
        padding: str = "same",
        activation: str | None = None,
        dilation: int = 1,
        name: str | None = None,
    ) -> int:
        """CONV_2D with an OHWI filter and a bias."""
        n, h, w, c = self.shape(x)
        name = name or self._name("conv")
        weight, scales = self._weights(f"{name}/weights", (out_channels, kernel, kernel, c), 0)
        bias = self._bias(f"{name}/bias", x, scales)
        oh = _out_size(h, kernel, stride, padding, dilation)
        ow = _out_size(w, kernel, stride, padding, dilation)
        out = self._activation(name, (n, oh, ow, out_channels), 0.0235)
        return self._op(
            BuiltinOperator.CONV_2D,
            [x, weight, bias],
            [out],
            BuiltinOptions.Conv2DOptions,
            padding=padding,
            stride=stride,
            dilation=dilation,
            activation=activation,
        )

    def depthwise(
        self,
        x: int,
        kernel: int,
        stride: int = 1,
        padding: str = "same",
        activation: str | None = None,
        multiplier: int = 1,
        dilation: int = 1,
        name: str | None = None,
    ) -> int:
        """DEPTHWISE_CONV_2D with a ``1 x KH x KW x C*multiplier`` filter."""
        n, h, w, c = self.shape(x)
        name = name or self._name("depthwise")
        cout = c * multiplier
        weight, scales = self._weights(f"{name}/weights", (1, kernel, kernel, cout), 3)
        bias = self._bias(f"{name}/bias", x, scales)
        oh = _out_size(h, kernel, stride, padding, dilation)
        ow = _out_size(w, kernel, stride, padding, dilation)
        out = self._activation(name, (n, oh, ow, cout), 0.0235)
        return self._op(
            BuiltinOperator.DEPTHWISE_CONV_2D,
            [x, weight, bias],
            [out],
            BuiltinOptions.DepthwiseConv2DOptions,
            padding=padding,
            stride=stride,
            dilation=dilation,
            activation=activation,
            multiplier=multiplier,
        )

    def fully_connected(self, x: int, out_features: int, activation: str | None = None, name: str | None = None) -> int:
        """FULLY_CONNECTED over the last axis, with an ``out x in`` weight and a bias."""
        shape = self.shape(x)
        name = name or self._name("fc")
        weight, scales = self._weights(f"{name}/weights", (out_features, shape[-1]), 0)
        bias = self._bias(f"{name}/bias", x, scales)
        rows = math.prod(shape[:-1])
        out = self._activation(name, (rows, out_features), 0.0625)
        return self._op(
            BuiltinOperator.FULLY_CONNECTED,
            [x, weight, bias],
            [out],
            BuiltinOptions.FullyConnectedOptions,
            activation=activation,
        )

    def add(self, a: int, b: int, activation: str | None = None, name: str | None = None) -> int:
        """Elementwise ADD."""
        out = self._activation(name or self._name("add"), self.shape(a), 0.047)
        return self._op(BuiltinOperator.ADD, [a, b], [out], BuiltinOptions.AddOptions, activation=activation)

    def mul(self, a: int, b: int, activation: str | None = None, name: str | None = None) -> int:
        """Elementwise MUL (broadcasting ``b`` over ``a``)."""
        out = self._activation(name or self._name("mul"), self.shape(a), 0.0235)
        return self._op(BuiltinOperator.MUL, [a, b], [out], BuiltinOptions.MulOptions, activation=activation)

    def pool(
        self,
        x: int,
        kind: str,
        kernel: int,
        stride: int,
        padding: str = "valid",
        activation: str | None = None,
        name: str | None = None,
    ) -> int:
        """AVERAGE_POOL_2D (``kind="avg"``) or MAX_POOL_2D (``kind="max"``); keeps the input's quantisation."""
        codes = {"avg": BuiltinOperator.AVERAGE_POOL_2D, "max": BuiltinOperator.MAX_POOL_2D}
        n, h, w, c = self.shape(x)
        shape = (n, _out_size(h, kernel, stride, padding), _out_size(w, kernel, stride, padding), c)
        out = self._like(x, name or self._name(f"{kind}pool"), shape)
        return self._op(
            codes[kind],
            [x],
            [out],
            BuiltinOptions.Pool2DOptions,
            padding=padding,
            stride=stride,
            kernel=kernel,
            activation=activation,
        )

    def mean(self, x: int, axes: tuple[int, ...] = (1, 2), keep_dims: bool = True, name: str | None = None) -> int:
        """MEAN over ``axes`` (global average pooling in converted Keras models)."""
        shape = self.shape(x)
        out_shape = tuple(1 if i in axes else d for i, d in enumerate(shape) if keep_dims or i not in axes)
        axis = self._const_int32(f"{name or 'mean'}/axes_{len(self.tensors)}", list(axes))
        out = self._like(x, name or self._name("mean"), out_shape)
        return self._op(BuiltinOperator.MEAN, [x, axis], [out], BuiltinOptions.ReducerOptions, keep_dims=keep_dims)

    def pad(self, x: int, pads: tuple[tuple[int, int], ...], name: str | None = None) -> int:
        """PAD with constant paddings per axis."""
        shape = tuple(d + lo + hi for d, (lo, hi) in zip(self.shape(x), pads, strict=True))
        paddings = self._const_int32(f"{name or 'pad'}/paddings_{len(self.tensors)}", np.array(pads))
        out = self._like(x, name or self._name("pad"), shape)
        return self._op(BuiltinOperator.PAD, [x, paddings], [out], BuiltinOptions.PadOptions)

    def concat(self, xs: list[int], axis: int = 3, name: str | None = None) -> int:
        """CONCATENATION along ``axis`` (inputs share the first input's quantisation)."""
        shape = list(self.shape(xs[0]))
        shape[axis] = sum(self.shape(x)[axis] for x in xs)
        out = self._like(xs[0], name or self._name("concat"), tuple(shape))
        return self._op(BuiltinOperator.CONCATENATION, xs, [out], BuiltinOptions.ConcatenationOptions, axis=axis)

    def reshape(self, x: int, shape: tuple[int, ...], name: str | None = None) -> int:
        """RESHAPE with a constant shape tensor (and the same shape in the options)."""
        if math.prod(shape) != math.prod(self.shape(x)):
            raise ValueError(f"cannot reshape {self.shape(x)} to {shape}")
        new_shape = self._const_int32(f"{name or 'reshape'}/shape_{len(self.tensors)}", list(shape))
        out = self._like(x, name or self._name("reshape"), tuple(shape))
        return self._op(BuiltinOperator.RESHAPE, [x, new_shape], [out], BuiltinOptions.ReshapeOptions, shape=shape)

    def softmax(self, x: int, name: str | None = None) -> int:
        """SOFTMAX with beta 1; quantised output at scale 1/256, zero point at the type's minimum."""
        out = self._activation(name or self._name("softmax"), self.shape(x), 1 / 256, self._low())
        return self._op(BuiltinOperator.SOFTMAX, [x], [out], BuiltinOptions.SoftmaxOptions, beta=1.0)

    def logistic(self, x: int, name: str | None = None) -> int:
        """LOGISTIC (sigmoid); quantised output at scale 1/256, zero point at the type's minimum."""
        out = self._activation(name or self._name("logistic"), self.shape(x), 1 / 256, self._low())
        return self._op(BuiltinOperator.LOGISTIC, [x], [out], BuiltinOptions.NONE)

    def hard_swish(self, x: int, name: str | None = None) -> int:
        """HARD_SWISH."""
        return self.unary(x, BuiltinOperator.HARD_SWISH, name or self._name("hard_swish"))

    def unary(self, x: int, code: int, name: str) -> int:
        """Any option-less one-input builtin op (``code`` from ``BuiltinOperator``) keeping ``x``'s shape."""
        out = self._activation(name, self.shape(x), 0.0235)
        return self._op(code, [x], [out], BuiltinOptions.NONE)

    def _low(self) -> int:
        return self.dtype.activation_range[0] if self.dtype.activation_range else 0

    # -- serialisation -----------------------------------------------------
    def to_bytes(self, outputs: list[int]) -> bytes:
        """The model as a TFLite flatbuffer with ``outputs`` as the subgraph outputs."""
        return _Serialiser(self).run(outputs)

    def write(self, path: str | Path, outputs: list[int]) -> Path:
        """Write the model to ``path`` and return it."""
        path = Path(path)
        path.write_bytes(self.to_bytes(outputs))
        return path


class _Serialiser:
    """Turns a writer's tensors and operators into flatbuffer tables, children before parents."""

    def __init__(self, graph: TfliteGraphWriter) -> None:
        self.graph = graph
        self.fb = flatbuffers.Builder(1 << 16)
        self.codes: list[int] = []

    def _ints(self, values: list[int] | tuple[int, ...], dtype: type[np.generic] = np.int32) -> int:
        return self.fb.CreateNumpyVector(np.asarray(values, dtype=dtype))

    def _table_vector(self, offsets: list[int]) -> int:
        self.fb.StartVector(4, len(offsets), 4)
        for offset in reversed(offsets):
            self.fb.PrependUOffsetTRelative(offset)
        return self.fb.EndVector()

    def _quant(self, quant: _Quant) -> int:
        scale = self.fb.CreateNumpyVector(np.asarray(quant.scale, dtype=np.float32))
        zero_point = self._ints(quant.zero_point, np.int64)
        QuantizationParametersStart(self.fb)
        QuantizationParametersAddScale(self.fb, scale)
        QuantizationParametersAddZeroPoint(self.fb, zero_point)
        QuantizationParametersAddQuantizedDimension(self.fb, quant.axis)
        return QuantizationParametersEnd(self.fb)

    def _tensor(self, tensor: _Tensor, buffer: int) -> int:
        name = self.fb.CreateString(tensor.name)
        shape = self._ints(tensor.shape)
        quant = self._quant(tensor.quant) if tensor.quant else None
        TensorStart(self.fb)
        TensorAddShape(self.fb, shape)
        TensorAddType(self.fb, tensor.dtype)
        TensorAddBuffer(self.fb, buffer)
        TensorAddName(self.fb, name)
        if quant is not None:
            TensorAddQuantization(self.fb, quant)
        return TensorEnd(self.fb)

    def _buffer(self, data: np.ndarray | None) -> int:
        payload = None
        if data is not None:
            raw = np.ascontiguousarray(data).view(np.uint8).reshape(-1)
            self.fb.StartVector(1, raw.size, 16)
            self.fb.head -= raw.size
            self.fb.Bytes[self.fb.head : self.fb.head + raw.size] = raw.tobytes()
            payload = self.fb.EndVector()
        BufferStart(self.fb)
        if payload is not None:
            BufferAddData(self.fb, payload)
        return BufferEnd(self.fb)

    def _options(self, op: _Operator) -> int | None:
        fb, o = self.fb, op.options
        act = ACTIVATIONS[o.get("activation")]  # type: ignore[index]
        kind = op.options_type
        if kind == BuiltinOptions.NONE:
            return None
        if kind == BuiltinOptions.Conv2DOptions:
            Conv2DOptionsStart(fb)
            Conv2DOptionsAddPadding(fb, _padding(o["padding"]))
            Conv2DOptionsAddStrideW(fb, o["stride"])
            Conv2DOptionsAddStrideH(fb, o["stride"])
            Conv2DOptionsAddDilationWFactor(fb, o["dilation"])
            Conv2DOptionsAddDilationHFactor(fb, o["dilation"])
            Conv2DOptionsAddFusedActivationFunction(fb, act)
            return Conv2DOptionsEnd(fb)
        if kind == BuiltinOptions.DepthwiseConv2DOptions:
            DepthwiseConv2DOptionsStart(fb)
            DepthwiseConv2DOptionsAddPadding(fb, _padding(o["padding"]))
            DepthwiseConv2DOptionsAddStrideW(fb, o["stride"])
            DepthwiseConv2DOptionsAddStrideH(fb, o["stride"])
            DepthwiseConv2DOptionsAddDilationWFactor(fb, o["dilation"])
            DepthwiseConv2DOptionsAddDilationHFactor(fb, o["dilation"])
            DepthwiseConv2DOptionsAddDepthMultiplier(fb, o["multiplier"])
            DepthwiseConv2DOptionsAddFusedActivationFunction(fb, act)
            return DepthwiseConv2DOptionsEnd(fb)
        if kind == BuiltinOptions.FullyConnectedOptions:
            FullyConnectedOptionsStart(fb)
            FullyConnectedOptionsAddFusedActivationFunction(fb, act)
            return FullyConnectedOptionsEnd(fb)
        if kind == BuiltinOptions.Pool2DOptions:
            Pool2DOptionsStart(fb)
            Pool2DOptionsAddPadding(fb, _padding(o["padding"]))
            Pool2DOptionsAddStrideW(fb, o["stride"])
            Pool2DOptionsAddStrideH(fb, o["stride"])
            Pool2DOptionsAddFilterWidth(fb, o["kernel"])
            Pool2DOptionsAddFilterHeight(fb, o["kernel"])
            Pool2DOptionsAddFusedActivationFunction(fb, act)
            return Pool2DOptionsEnd(fb)
        if kind == BuiltinOptions.AddOptions:
            AddOptionsStart(fb)
            AddOptionsAddFusedActivationFunction(fb, act)
            return AddOptionsEnd(fb)
        if kind == BuiltinOptions.MulOptions:
            MulOptionsStart(fb)
            MulOptionsAddFusedActivationFunction(fb, act)
            return MulOptionsEnd(fb)
        if kind == BuiltinOptions.ReducerOptions:
            ReducerOptionsStart(fb)
            ReducerOptionsAddKeepDims(fb, bool(o["keep_dims"]))
            return ReducerOptionsEnd(fb)
        if kind == BuiltinOptions.ConcatenationOptions:
            ConcatenationOptionsStart(fb)
            ConcatenationOptionsAddAxis(fb, o["axis"])
            ConcatenationOptionsAddFusedActivationFunction(fb, act)
            return ConcatenationOptionsEnd(fb)
        if kind == BuiltinOptions.ReshapeOptions:
            new_shape = self._ints(o["shape"])  # type: ignore[arg-type]
            ReshapeOptionsStart(fb)
            ReshapeOptionsAddNewShape(fb, new_shape)
            return ReshapeOptionsEnd(fb)
        if kind == BuiltinOptions.SoftmaxOptions:
            SoftmaxOptionsStart(fb)
            SoftmaxOptionsAddBeta(fb, o["beta"])
            return SoftmaxOptionsEnd(fb)
        if kind == BuiltinOptions.PadOptions:
            PadOptionsStart(fb)
            return PadOptionsEnd(fb)
        raise ValueError(f"no options writer for builtin options type {kind}")

    def _operator(self, op: _Operator) -> int:
        if op.code not in self.codes:
            self.codes.append(op.code)
        inputs = self._ints(op.inputs)
        outputs = self._ints(op.outputs)
        options = self._options(op)
        OperatorStart(self.fb)
        OperatorAddOpcodeIndex(self.fb, self.codes.index(op.code))
        OperatorAddInputs(self.fb, inputs)
        OperatorAddOutputs(self.fb, outputs)
        if options is not None:
            OperatorAddBuiltinOptionsType(self.fb, op.options_type)
            OperatorAddBuiltinOptions(self.fb, options)
        return OperatorEnd(self.fb)

    def _operator_code(self, code: int) -> int:
        OperatorCodeStart(self.fb)
        OperatorCodeAddDeprecatedBuiltinCode(self.fb, min(code, 127))
        OperatorCodeAddBuiltinCode(self.fb, code)
        OperatorCodeAddVersion(self.fb, 1)
        return OperatorCodeEnd(self.fb)

    def run(self, outputs: list[int]) -> bytes:
        graph, fb = self.graph, self.fb
        # Buffer 0 is the empty sentinel; every constant tensor gets its own buffer.
        buffers = [self._buffer(None)]
        tensor_offsets = []
        for tensor in graph.tensors:
            index = 0
            if tensor.data is not None:
                buffers.append(self._buffer(tensor.data))
                index = len(buffers) - 1
            tensor_offsets.append(self._tensor(tensor, index))
        operator_offsets = [self._operator(op) for op in graph.operators]
        tensors = self._table_vector(tensor_offsets)
        operators = self._table_vector(operator_offsets)
        inputs = self._ints(graph.inputs)
        outs = self._ints(outputs)
        name = fb.CreateString("main")
        SubGraphStart(fb)
        SubGraphAddTensors(fb, tensors)
        SubGraphAddInputs(fb, inputs)
        SubGraphAddOutputs(fb, outs)
        SubGraphAddOperators(fb, operators)
        SubGraphAddName(fb, name)
        subgraph = SubGraphEnd(fb)
        codes = self._table_vector([self._operator_code(code) for code in self.codes])
        subgraphs = self._table_vector([subgraph])
        buffer_vector = self._table_vector(buffers)
        description = fb.CreateString(graph.description)
        ModelStart(fb)
        ModelAddVersion(fb, 3)
        ModelAddOperatorCodes(fb, codes)
        ModelAddSubgraphs(fb, subgraphs)
        ModelAddDescription(fb, description)
        ModelAddBuffers(fb, buffer_vector)
        fb.Finish(ModelEnd(fb), file_identifier=b"TFL3")
        return bytes(fb.Output())


def _padding(name: object) -> int:
    return {"same": Padding.SAME, "valid": Padding.VALID}[str(name)]


# -- ready-made models -------------------------------------------------------
def write_conv2d(
    path: str | Path,
    h: int,
    w: int,
    cin: int,
    cout: int,
    kernel: int = 3,
    stride: int = 1,
    padding: str = "same",
    activation: str | None = "relu",
    dtype: str = "int8",
    dilation: int = 1,
) -> Path:
    """A single CONV_2D model, input ``1 x h x w x cin``."""
    g = TfliteGraphWriter(dtype, description=f"conv {kernel}x{kernel} {h}x{w}x{cin}->{cout}")
    x = g.input((1, h, w, cin))
    return g.write(path, [g.conv2d(x, cout, kernel, stride, padding, activation, dilation)])


def write_depthwise(
    path: str | Path,
    h: int,
    w: int,
    channels: int,
    kernel: int = 3,
    stride: int = 1,
    padding: str = "same",
    activation: str | None = "relu6",
    dtype: str = "int8",
    multiplier: int = 1,
) -> Path:
    """A single DEPTHWISE_CONV_2D model, input ``1 x h x w x channels``."""
    g = TfliteGraphWriter(dtype, description=f"depthwise {kernel}x{kernel} {h}x{w}x{channels}")
    x = g.input((1, h, w, channels))
    return g.write(path, [g.depthwise(x, kernel, stride, padding, activation, multiplier)])


def write_fc(
    path: str | Path,
    in_features: int,
    out_features: int,
    activation: str | None = None,
    dtype: str = "int8",
    batch: int = 1,
) -> Path:
    """A single FULLY_CONNECTED model, input ``batch x in_features``."""
    g = TfliteGraphWriter(dtype, description=f"fc {in_features}->{out_features}")
    x = g.input((batch, in_features))
    return g.write(path, [g.fully_connected(x, out_features, activation)])


MOBILENET_HEAD_BLOCKS: tuple[tuple[int, int], ...] = ((2, 1024), (1, 1024))
"""(depthwise stride, pointwise channels) of MobileNetV1-224's last two blocks (Howard et al. 2017, Table 1)."""


def write_mobilenet_head(
    path: str | Path,
    h: int = 14,
    w: int = 14,
    cin: int = 512,
    blocks: tuple[tuple[int, int], ...] = MOBILENET_HEAD_BLOCKS,
    classes: int = 1000,
    dtype: str = "int8",
) -> Path:
    """MobileNetV1-224's tail: dw3x3+pw1x1 blocks (ReLU6), global average pool, FC, softmax.

    The default input is the 14x14x512 feature map of MobileNetV1-224, so the
    blocks run at 14x14 -> 7x7 and the average pool is 7x7 VALID.
    """
    g = TfliteGraphWriter(dtype, description="mobilenet v1 head")
    x = g.input((1, h, w, cin))
    for stride, channels in blocks:
        x = g.depthwise(x, 3, stride, "same", "relu6")
        x = g.conv2d(x, channels, 1, 1, "same", "relu6")
    _, fh, fw, c = g.shape(x)
    if fh != fw:
        raise ValueError(f"the head's average pool needs a square map, got {fh}x{fw}")
    x = g.pool(x, "avg", fh, 1, "valid")
    x = g.reshape(x, (1, c))
    x = g.fully_connected(x, classes)
    return g.write(path, [g.softmax(x)])


# -- whole networks (224x224, int8) -------------------------------------------
MOBILENET_V1_BLOCKS: tuple[tuple[int, int], ...] = (
    (1, 64),
    (2, 128),
    (1, 128),
    (2, 256),
    (1, 256),
    (2, 512),
    (1, 512),
    (1, 512),
    (1, 512),
    (1, 512),
    (1, 512),
    (2, 1024),
    (1, 1024),
)
"""(depthwise stride, pointwise channels) of MobileNetV1-224's 13 separable blocks (Howard et al. 2017, Table 1)."""

MOBILENET_V2_STAGES: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
"""(expansion t, channels c, repeats n, first stride s) of MobileNetV2's bottlenecks (Sandler et al. 2018, Table 2)."""

RESNET18_STAGES: tuple[tuple[int, int], ...] = ((64, 1), (128, 2), (256, 2), (512, 2))
"""(channels, first stride) of ResNet-18's four stages of two basic blocks (He et al. 2016, Table 1)."""


def classifier(g: TfliteGraphWriter, x: int, classes: int = 1000) -> int:
    """Global average pool (a VALID average pool over the whole map), flatten, FC, softmax."""
    _, h, w, c = g.shape(x)
    if h != w:
        raise ValueError(f"the classifier's average pool needs a square map, got {h}x{w}")
    x = g.pool(x, "avg", h, 1, "valid")
    x = g.reshape(x, (1, c))
    return g.softmax(g.fully_connected(x, classes))


def separable_block(g: TfliteGraphWriter, x: int, stride: int, channels: int) -> int:
    """MobileNetV1 block: depthwise 3x3 (ReLU6) then pointwise 1x1 (ReLU6)."""
    x = g.depthwise(x, 3, stride, "same", "relu6")
    return g.conv2d(x, channels, 1, 1, "same", "relu6")


def inverted_residual(g: TfliteGraphWriter, x: int, expansion: int, channels: int, stride: int) -> int:
    """MobileNetV2 bottleneck: 1x1 expand (ReLU6), depthwise 3x3 (ReLU6), 1x1 linear project, residual add."""
    cin = g.shape(x)[3]
    y = g.conv2d(x, cin * expansion, 1, 1, "same", "relu6") if expansion != 1 else x
    y = g.depthwise(y, 3, stride, "same", "relu6")
    y = g.conv2d(y, channels, 1, 1, "same", None)
    return g.add(x, y) if stride == 1 and cin == channels else y


def basic_block(g: TfliteGraphWriter, x: int, channels: int, stride: int) -> int:
    """ResNet basic block: two 3x3 convs, a 1x1 strided projection when the shape changes, add, ReLU."""
    y = g.conv2d(x, channels, 3, stride, "same", "relu")
    y = g.conv2d(y, channels, 3, 1, "same", None)
    shortcut = x if stride == 1 and g.shape(x)[3] == channels else g.conv2d(x, channels, 1, stride, "same", None)
    return g.add(y, shortcut, "relu")


def write_mobilenet_v1(path: str | Path, size: int = 224, classes: int = 1000, dtype: str = "int8") -> Path:
    """MobileNetV1 (width 1.0): 3x3/2 conv to 32 channels, 13 separable blocks, classifier."""
    g = TfliteGraphWriter(dtype, description=f"mobilenet v1 {size}")
    x = g.conv2d(g.input((1, size, size, 3)), 32, 3, 2, "same", "relu6")
    for stride, channels in MOBILENET_V1_BLOCKS:
        x = separable_block(g, x, stride, channels)
    return g.write(path, [classifier(g, x, classes)])


def write_mobilenet_v2(path: str | Path, size: int = 224, classes: int = 1000, dtype: str = "int8") -> Path:
    """MobileNetV2 (width 1.0): 3x3/2 conv to 32 channels, 17 bottlenecks, 1x1 conv to 1280, classifier."""
    g = TfliteGraphWriter(dtype, description=f"mobilenet v2 {size}")
    x = g.conv2d(g.input((1, size, size, 3)), 32, 3, 2, "same", "relu6")
    for expansion, channels, repeats, stride in MOBILENET_V2_STAGES:
        for index in range(repeats):
            x = inverted_residual(g, x, expansion, channels, stride if index == 0 else 1)
    x = g.conv2d(x, 1280, 1, 1, "same", "relu6")
    return g.write(path, [classifier(g, x, classes)])


def write_resnet18(path: str | Path, size: int = 224, classes: int = 1000, dtype: str = "int8") -> Path:
    """ResNet-18: 7x7/2 conv (ReLU), 3x3/2 max pool, four stages of two basic blocks, classifier."""
    g = TfliteGraphWriter(dtype, description=f"resnet18 {size}")
    x = g.conv2d(g.input((1, size, size, 3)), 64, 7, 2, "same", "relu")
    x = g.pool(x, "max", 3, 2, "same")
    for channels, stride in RESNET18_STAGES:
        x = basic_block(g, x, channels, stride)
        x = basic_block(g, x, channels, 1)
    return g.write(path, [classifier(g, x, classes)])
