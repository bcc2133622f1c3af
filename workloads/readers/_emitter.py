"""Shared plumbing of the model-file readers: collect tensors and nodes, then freeze a Workload.

The ONNX and TFLite readers keep the file's own tensor names, so edges of the
imported DAG can be traced back to the model; node names are made unique here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workloads.builder import same_padding
from workloads.errors import InputError
from workloads.graph import Node, Tensor, TensorKind, Workload
from workloads.ops import Activation, Op, VectorFn, VectorOp
from workloads.precision import Precision


def same_pads(size: int, kernel: int, stride: int, dilation: int = 1, extra_at_end: bool = True) -> tuple[int, int]:
    """SAME padding (before, after) of one axis; the odd pixel goes after (TF, ONNX SAME_UPPER) or before."""
    before, after = same_padding(size, kernel, stride, dilation)
    return (before, after) if extra_at_end else (after, before)


class GraphEmitter:
    """Accumulates a workload's tensors and nodes under the file's names.

    ``where`` (the file path) prefixes every error so that messages stay one
    line naming the file, the node and what is wrong.
    """

    def __init__(self, where: Path) -> None:
        self.where = where
        self.tensors: dict[str, Tensor] = {}
        self.nodes: list[Node] = []
        self.notes: list[str] = []
        self.weight_values: dict[str, Any] = {}
        """Weight values kept by the reader (see ``Workload.weight_values``)."""
        self._names: set[str] = set()

    def error(self, message: str, cli: str | None = None) -> InputError:
        """An InputError prefixed with the file (``cli``: the same message in command-line words)."""
        return InputError(f"{self.where}: {message}", None if cli is None else f"{self.where}: {cli}")

    def node_name(self, name: str, fallback: str) -> str:
        """A unique op name: the file's node name, or ``fallback`` when it is empty, de-duplicated."""
        base = name or fallback
        candidate, count = base, 1
        while candidate in self._names:
            count += 1
            candidate = f"{base}_{count}"
        self._names.add(candidate)
        return candidate

    def tensor(self, name: str, shape: tuple[int, ...], kind: TensorKind, precision: Precision | None = None) -> str:
        """Declare ``name`` once (scalars become shape ``(1,)``); later declarations return it unchanged."""
        if name not in self.tensors:
            dims = tuple(int(d) for d in shape) or (1,)
            if any(d <= 0 for d in dims):
                raise self.error(f"tensor {name!r} has shape {dims}; every dimension must be positive")
            self.tensors[name] = Tensor(name, dims, kind, precision)
        return name

    def emit(self, op: Op, inputs: list[str], outputs: list[str]) -> None:
        """Append a node; its tensors must be declared already."""
        self.nodes.append(Node(op, tuple(inputs), tuple(outputs)))

    def vector(
        self,
        name: str,
        fn: VectorFn,
        inputs: list[str],
        outputs: list[str],
        ops_per_output: int,
        activation: Activation | None = None,
        row: int = 0,
        window: tuple[int, int] | None = None,
        stride: tuple[int, int] | None = None,
    ) -> None:
        """Emit a vector-unit op whose element counts come from its declared tensors (``row``: a
        softmax's or norm's row length when known; ``window``/``stride``: a pooling op's)."""
        op = VectorOp(
            name=name,
            fn=fn,
            input_elements=max(sum(self.tensors[t].numel for t in inputs), 1),
            output_elements=sum(self.tensors[t].numel for t in outputs),
            ops_per_output=ops_per_output,
            num_inputs=max(len(inputs), 1),
            activation=activation,
            row=row,
            window=window,
            stride=stride,
        )
        self.emit(op, inputs, outputs)

    def build(self, name: str, precision: Precision) -> Workload:
        """Freeze into a validated Workload; a malformed graph becomes an InputError."""
        if not self.nodes:
            raise self.error("the model has no operators to simulate")
        used = {t for node in self.nodes for t in (*node.inputs, *node.outputs)}
        tensors = tuple(t for t in self.tensors.values() if t.name in used)
        try:
            kept = {t.name: self.weight_values[t.name] for t in tensors if t.name in self.weight_values}
            return Workload(name, tuple(self.nodes), tensors, precision, str(self.where), tuple(self.notes), (), kept)
        except InputError:
            raise
        except ValueError as exc:
            raise self.error(str(exc)) from None
