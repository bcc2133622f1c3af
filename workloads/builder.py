"""A small graph builder used by the zoo, the parametric families and the importers.

Activations of conv nets are NCHW; of transformers (batch, tokens, features).
Every method returns the name of the tensor it produced.
"""

from __future__ import annotations

import math

from workloads.graph import Node, Tensor, TensorKind, Workload
from workloads.ops import Activation, Conv2d, MatMul, Op, VectorFn, VectorOp
from workloads.precision import Precision

Padding = int | str | tuple[int, int, int, int]


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow SAME padding (before, after) for one spatial axis."""
    out = math.ceil(size / stride)
    eff = dilation * (kernel - 1) + 1
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


class GraphBuilder:
    """Accumulates tensors and nodes, then freezes them into a :class:`Workload`."""

    def __init__(self, name: str, precision: Precision = Precision.INT8, source: str = "") -> None:
        self.name = name
        self.precision = precision
        self.source = source
        self._tensors: dict[str, Tensor] = {}
        self._nodes: list[Node] = []
        self._counts: dict[str, int] = {}

    # -- bookkeeping -------------------------------------------------------
    def _fresh(self, prefix: str) -> str:
        count = self._counts.get(prefix, 0) + 1
        self._counts[prefix] = count
        return f"{prefix}{count}"

    def _tensor(self, name: str, shape: tuple[int, ...], kind: TensorKind, precision: Precision | None) -> str:
        if name in self._tensors:
            raise ValueError(f"{self.name}: tensor {name!r} defined twice")
        self._tensors[name] = Tensor(name, tuple(int(d) for d in shape), kind, precision)
        return name

    def _emit(self, op: Op, inputs: list[str], out_shape: tuple[int, ...], precision: Precision | None) -> str:
        out = self._tensor(f"{op.name}:out", out_shape, TensorKind.ACTIVATION, precision)
        self._nodes.append(Node(op, tuple(inputs), (out,)))
        return out

    def shape(self, x: str) -> tuple[int, ...]:
        """Shape of tensor ``x``."""
        return self._tensors[x].shape

    def precision_of(self, x: str) -> Precision | None:
        """Precision override of tensor ``x`` (None: the workload default)."""
        return self._tensors[x].precision

    # -- sources -----------------------------------------------------------
    def input(self, shape: tuple[int, ...], name: str = "input", precision: Precision | None = None) -> str:
        """Declare a graph input."""
        return self._tensor(name, shape, TensorKind.INPUT, precision)

    # -- MAC ops -----------------------------------------------------------
    def conv(
        self,
        x: str,
        out_channels: int,
        kernel: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: Padding = "same",
        groups: int = 1,
        dilation: int = 1,
        activation: Activation | None = None,
        name: str | None = None,
        precision: Precision | None = None,
        ceil_mode: bool = False,
    ) -> str:
        """2-D convolution; ``padding`` is ``"same"``, ``"valid"``, an int, or (top, bottom, left, right)."""
        n, c, h, w = self.shape(x)
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        sh, sw = (stride, stride) if isinstance(stride, int) else stride
        if padding == "same":
            pads = (*same_padding(h, kh, sh, dilation), *same_padding(w, kw, sw, dilation))
        elif padding == "valid":
            pads = (0, 0, 0, 0)
        elif isinstance(padding, int):
            pads = (padding,) * 4
        else:
            pads = tuple(padding)  # type: ignore[assignment]
        op = Conv2d(
            name=name or self._fresh("conv"),
            in_channels=c,
            out_channels=out_channels,
            in_h=h,
            in_w=w,
            kernel_h=kh,
            kernel_w=kw,
            stride_h=sh,
            stride_w=sw,
            pad_top=pads[0],
            pad_bottom=pads[1],
            pad_left=pads[2],
            pad_right=pads[3],
            dilation_h=dilation,
            dilation_w=dilation,
            groups=groups,
            batch=n,
            ceil_mode=ceil_mode,
            activation=activation,
        )
        weight = self._tensor(f"{op.name}:w", op.weight_shape, TensorKind.WEIGHT, precision)
        return self._emit(op, [x, weight], op.output_shape, precision or self.precision_of(x))

    def depthwise(
        self,
        x: str,
        kernel: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: Padding = "same",
        activation: Activation | None = None,
        name: str | None = None,
        precision: Precision | None = None,
    ) -> str:
        """Depthwise convolution (one filter per channel)."""
        channels = self.shape(x)[1]
        return self.conv(
            x, channels, kernel, stride, padding, channels, 1, activation, name or self._fresh("dwconv"), precision
        )

    def linear(
        self,
        x: str,
        out_features: int,
        activation: Activation | None = None,
        name: str | None = None,
        precision: Precision | None = None,
    ) -> str:
        """Fully connected layer over the last axis: (..., k) -> (..., out_features)."""
        shape = self.shape(x)
        k = shape[-1]
        m = math.prod(shape[:-1])
        op = MatMul(name or self._fresh("fc"), m=m, n=out_features, k=k, activation=activation)
        weight = self._tensor(f"{op.name}:w", op.weight_shape, TensorKind.WEIGHT, precision)
        return self._emit(op, [x, weight], (*shape[:-1], out_features), precision or self.precision_of(x))

    def matmul(self, a: str, b: str, name: str | None = None, transpose_b: bool = False) -> str:
        """Activation x activation batched matmul: a (batch.., m, k) @ b (batch.., k, n)."""
        sa, sb = self.shape(a), self.shape(b)
        m, k = sa[-2], sa[-1]
        kb, n = (sb[-1], sb[-2]) if transpose_b else (sb[-2], sb[-1])
        if k != kb or math.prod(sa[:-2]) != math.prod(sb[:-2]):
            raise ValueError(f"{self.name}: matmul shapes {sa} and {sb} do not agree")
        batch = math.prod(sa[:-2])
        op = MatMul(name or self._fresh("matmul"), m=m, n=n, k=k, batch=batch, weight_operand=False)
        return self._emit(op, [a, b], (*sa[:-2], m, n), self.precision_of(a))

    # -- vector ops --------------------------------------------------------
    def _vector(
        self,
        fn: VectorFn,
        inputs: list[str],
        out_shape: tuple[int, ...],
        ops_per_output: int,
        name: str | None,
        activation: Activation | None = None,
        row: int = 0,
        window: tuple[int, int] | None = None,
        stride: tuple[int, int] | None = None,
    ) -> str:
        in_elements = sum(self._tensors[t].numel for t in inputs)
        op = VectorOp(
            name=name or self._fresh(fn.value),
            fn=fn,
            input_elements=in_elements,
            output_elements=math.prod(out_shape),
            ops_per_output=ops_per_output,
            num_inputs=len(inputs),
            activation=activation,
            row=row,
            window=window,
            stride=stride,
        )
        return self._emit(op, inputs, out_shape, self.precision_of(inputs[0]))

    def add(self, a: str, b: str, name: str | None = None, activation: Activation | None = None) -> str:
        """Elementwise add (residual connection)."""
        return self._vector(VectorFn.ADD, [a, b], self.shape(a), 1, name, activation)

    def mul(self, a: str, b: str, name: str | None = None) -> str:
        """Elementwise (broadcast) multiply, e.g. squeeze-and-excitation scaling."""
        big = a if math.prod(self.shape(a)) >= math.prod(self.shape(b)) else b
        return self._vector(VectorFn.MUL, [a, b], self.shape(big), 1, name)

    def activation(self, x: str, fn: Activation, name: str | None = None) -> str:
        """A standalone activation function."""
        return self._vector(VectorFn.ACTIVATION, [x], self.shape(x), 1, name or self._fresh(fn.value), fn)

    def pool(
        self,
        x: str,
        kind: VectorFn,
        kernel: int,
        stride: int,
        padding: Padding = "valid",
        name: str | None = None,
        ceil_mode: bool = False,
    ) -> str:
        """Max or average pooling over NCHW."""
        n, c, h, w = self.shape(x)
        if padding == "same":
            pt, pb = same_padding(h, kernel, stride)
            pl, pr = same_padding(w, kernel, stride)
        elif padding == "valid":
            pt = pb = pl = pr = 0
        elif isinstance(padding, int):
            pt = pb = pl = pr = padding
        else:
            pt, pb, pl, pr = padding  # type: ignore[misc]
        rounding = math.ceil if ceil_mode else math.floor
        oh = rounding((h + pt + pb - kernel) / stride) + 1
        ow = rounding((w + pl + pr - kernel) / stride) + 1
        if oh <= 0 or ow <= 0:
            raise ValueError(f"{self.name}: pooling window {kernel} larger than input {h}x{w}")
        return self._vector(
            kind, [x], (n, c, oh, ow), kernel * kernel, name, window=(kernel, kernel), stride=(stride, stride)
        )

    def global_avgpool(self, x: str, name: str | None = None) -> str:
        """Average over the spatial axes: (n, c, h, w) -> (n, c)."""
        n, c, h, w = self.shape(x)
        return self._vector(VectorFn.GLOBAL_AVGPOOL, [x], (n, c), h * w, name)

    def softmax(self, x: str, name: str | None = None) -> str:
        """Softmax over the last axis (exp, sum, divide: about 5 ops per element)."""
        return self._vector(VectorFn.SOFTMAX, [x], self.shape(x), 5, name, row=self.shape(x)[-1])

    def layernorm(self, x: str, name: str | None = None) -> str:
        """Layer normalisation over the last axis (mean, variance, scale, shift: about 5 ops per element)."""
        return self._vector(VectorFn.LAYERNORM, [x], self.shape(x), 5, name, row=self.shape(x)[-1])

    def concat(self, xs: list[str], axis: int = 1, name: str | None = None) -> str:
        """Concatenate along ``axis`` (pure data movement)."""
        shapes = [self.shape(x) for x in xs]
        out = list(shapes[0])
        out[axis] = sum(s[axis] for s in shapes)
        return self._vector(VectorFn.CONCAT, xs, tuple(out), 0, name)

    def reshape(self, x: str, shape: tuple[int, ...], name: str | None = None) -> str:
        """Reshape/flatten (zero arithmetic)."""
        if math.prod(shape) != math.prod(self.shape(x)):
            raise ValueError(f"{self.name}: cannot reshape {self.shape(x)} to {shape}")
        return self._vector(VectorFn.RESHAPE, [x], shape, 0, name)

    def transpose(self, x: str, perm: tuple[int, ...], name: str | None = None) -> str:
        """Permute axes (data movement)."""
        shape = self.shape(x)
        return self._vector(VectorFn.TRANSPOSE, [x], tuple(shape[p] for p in perm), 0, name)

    def slice(self, x: str, axis: int, start: int, stop: int, name: str | None = None) -> str:
        """Take ``start:stop`` along ``axis`` (data movement), e.g. the class token or a split."""
        shape = list(self.shape(x))
        if not 0 <= start < stop <= shape[axis]:
            raise ValueError(f"{self.name}: slice {start}:{stop} out of range for axis {axis} of {tuple(shape)}")
        shape[axis] = stop - start
        return self._vector(VectorFn.SLICE, [x], tuple(shape), 0, name)

    def upsample(self, x: str, factor: int, name: str | None = None) -> str:
        """Nearest-neighbour upsampling of NCHW by an integer ``factor`` (data movement)."""
        n, c, h, w = self.shape(x)
        return self._vector(VectorFn.UPSAMPLE, [x], (n, c, h * factor, w * factor), 0, name)

    def weight(self, shape: tuple[int, ...], name: str, precision: Precision | None = None) -> str:
        """Declare a learned tensor read by a vector op (a class token, a position embedding)."""
        return self._tensor(name, shape, TensorKind.WEIGHT, precision)

    def squeeze_excite(
        self,
        x: str,
        squeeze_channels: int,
        inner: Activation,
        gate: Activation,
        prefix: str,
    ) -> str:
        """Squeeze-and-excitation (Hu et al., CVPR 2018): pool, FC + ``inner``, FC + ``gate``, scale ``x``.

        The two FCs are the 1x1 convs of the reference implementations, as matmuls
        on the pooled (batch, channels) vector; ``prefix`` names the four nodes.
        """
        channels = self.shape(x)[1]
        pooled = self.global_avgpool(x, name=f"{prefix}.pool")
        reduced = self.linear(pooled, squeeze_channels, activation=inner, name=f"{prefix}.fc1")
        scale = self.linear(reduced, channels, activation=gate, name=f"{prefix}.fc2")
        return self.mul(x, scale, name=f"{prefix}.scale")

    # -- result ------------------------------------------------------------
    def build(self) -> Workload:
        """Freeze into a validated :class:`Workload`."""
        return Workload(self.name, tuple(self._nodes), tuple(self._tensors.values()), self.precision, self.source)
