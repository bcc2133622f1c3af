"""The graph-level mapping problem: a workload, a precision and a scratchpad size.

Everything the schedulers need is derived here once: per-op activation operands,
tensor bytes at the chosen precision, which ops must be *streamed* because their
working set exceeds the scratchpad (docs/mapper.md, "Streaming rule"), and the
compulsory off-chip bytes. Weights never occupy the scratchpad: they reach the
array through its own weight path, so they cost their compulsory read only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from workloads.errors import InputError
from workloads.graph import Node, TensorKind, Workload
from workloads.ops import Conv2d, MatMul
from workloads.precision import Precision


@dataclass(frozen=True)
class OpInfo:
    """One op as the mapper sees it: activation operands, weights and how it runs."""

    name: str
    inputs: tuple[str, ...]
    """Activation and graph-input tensors read (each once, in node order)."""
    outputs: tuple[str, ...]
    weights: tuple[str, ...]
    working_bytes: int
    """Bytes of every activation operand together (inputs and outputs)."""
    window_bytes: int
    """Scratchpad bytes the op needs when streamed (one row slice of each operand)."""
    streamed: bool
    """True when ``working_bytes`` exceeds the scratchpad: operands flow through a window."""


def row_slice_bytes(shape: tuple[int, ...], nbytes: int) -> int:
    """Bytes of one row slice of a tensor: the tensor split along its second-last axis.

    NCHW feature maps split into H rows (N*C*W elements each), (batch, tokens,
    features) activations into token rows; rank-2 tensors into their first
    axis; vectors are one slice.
    """
    if len(shape) >= 3:
        rows = shape[-2]
    elif len(shape) == 2:
        rows = shape[0]
    else:
        rows = 1
    return math.ceil(nbytes / rows)


def stream_window_bytes(node: Node, inputs: tuple[str, ...], sizes: dict[str, int], shapes: dict) -> int:
    """Window a streamed op needs: one row slice of every operand, with two exceptions.

    A convolution's input slice covers the filter's effective height (the halo
    needed for one output row); the second operand of an activation-activation
    matmul is needed whole by every output row.
    """
    op = node.op
    total = 0
    for position, tname in enumerate(inputs):
        piece = row_slice_bytes(shapes[tname], sizes[tname])
        if isinstance(op, Conv2d) and position == 0:
            piece = min(sizes[tname], piece * op.eff_kernel_h)
        if isinstance(op, MatMul) and not op.weight_operand and position == 1:
            piece = sizes[tname]
        total += piece
    for tname in node.outputs:
        total += row_slice_bytes(shapes[tname], sizes[tname])
    return total


class MappingProblem:
    """A workload at a precision on a scratchpad of ``scratchpad_bytes``.

    Raises :class:`InputError` when the scratchpad cannot hold even the streaming
    window of some op, naming the op and the bytes it needs.
    """

    def __init__(self, workload: Workload, scratchpad_bytes: int, precision: Precision | None = None) -> None:
        if not isinstance(scratchpad_bytes, int) or scratchpad_bytes <= 0:
            detail = f"scratchpad must be a positive number of bytes, got {scratchpad_bytes}"
            raise InputError.option("scratchpad_bytes", "--scratchpad-kb", detail)
        self.workload = workload.with_precision(precision) if precision is not None else workload
        self.precision = self.workload.precision
        self.scratchpad_bytes = scratchpad_bytes
        wl = self.workload
        self.tensor_bytes: dict[str, int] = {t.name: wl.tensor_bytes(t.name) for t in wl.tensors}
        shapes = {t.name: t.shape for t in wl.tensors}
        ops: list[OpInfo] = []
        for node in wl.nodes:
            acts = tuple(dict.fromkeys(t for t in node.inputs if wl.tensor(t).kind is not TensorKind.WEIGHT))
            weights = tuple(dict.fromkeys(t for t in node.inputs if wl.tensor(t).kind is TensorKind.WEIGHT))
            working = sum(self.tensor_bytes[t] for t in (*acts, *node.outputs))
            window = stream_window_bytes(node, acts, self.tensor_bytes, shapes)
            streamed = working > scratchpad_bytes
            if streamed and window > scratchpad_bytes:
                raise InputError.option(
                    "scratchpad_bytes",
                    "--scratchpad-kb",
                    f"op {node.name!r} needs at least {window} bytes of scratchpad "
                    f"(its streaming window; whole working set {working} bytes), got {scratchpad_bytes}",
                )
            ops.append(OpInfo(node.name, acts, node.outputs, weights, working, window if streamed else 0, streamed))
        self.ops: tuple[OpInfo, ...] = tuple(ops)
        self.producer: dict[str, int] = {t: i for i, op in enumerate(ops) for t in op.outputs}
        consumers: dict[str, list[int]] = {}
        for i, op in enumerate(ops):
            for t in op.inputs:
                consumers.setdefault(t, []).append(i)
        self.consumers: dict[str, tuple[int, ...]] = {t: tuple(c) for t, c in consumers.items()}

    def __len__(self) -> int:
        return len(self.ops)

    @cached_property
    def activations(self) -> tuple[str, ...]:
        """Tensors that may live in the scratchpad: graph inputs read by some op, and op outputs."""
        seen = dict.fromkeys(t for op in self.ops for t in (*op.inputs, *op.outputs))
        return tuple(seen)

    @cached_property
    def graph_inputs(self) -> tuple[str, ...]:
        """Activation tensors no op writes (network inputs), in first-use order."""
        return tuple(t for t in self.activations if t not in self.producer)

    @cached_property
    def graph_outputs(self) -> tuple[str, ...]:
        """Op outputs no op reads (network outputs)."""
        return tuple(t for t in self.producer if t not in self.consumers)

    @cached_property
    def weights(self) -> tuple[str, ...]:
        """Distinct weight tensors read by the ops."""
        return tuple(dict.fromkeys(w for op in self.ops for w in op.weights))

    @cached_property
    def compulsory_bytes(self) -> int:
        """Weights and graph inputs read once, graph outputs written once."""
        tensors = (*self.weights, *self.graph_inputs, *self.graph_outputs)
        return sum(self.tensor_bytes[t] for t in tensors)

    @cached_property
    def predecessors(self) -> tuple[frozenset[int], ...]:
        """Per op, the ops whose outputs it reads and those it must wait for (the workload's ``after``)."""
        index = {op.name: i for i, op in enumerate(self.ops)}
        waits: dict[int, set[int]] = {}
        for first, then in self.workload.after:
            waits.setdefault(index[then], set()).add(index[first])
        return tuple(
            frozenset({self.producer[t] for t in op.inputs if t in self.producer} | waits.get(i, set()))
            for i, op in enumerate(self.ops)
        )

    @cached_property
    def successors(self) -> tuple[frozenset[int], ...]:
        """Per op, the ops that read its outputs."""
        succ: list[set[int]] = [set() for _ in self.ops]
        for i, preds in enumerate(self.predecessors):
            for p in preds:
                succ[p].add(i)
        return tuple(frozenset(s) for s in succ)

    @cached_property
    def peak_working_set(self) -> int:
        """Largest live activation bytes over the workload's own order when nothing is spilled.

        Used to size benchmark scratchpads (25/50/75 % of this figure).
        """
        last_use = {t: max(self.consumers.get(t, ()), default=self.producer.get(t, 0)) for t in self.activations}
        live: set[str] = set()
        peak = 0
        for i, op in enumerate(self.ops):
            live.update(op.inputs)
            live.update(op.outputs)
            peak = max(peak, sum(self.tensor_bytes[t] for t in live))
            live = {t for t in live if last_use[t] > i}
        return peak

    def is_topological(self, order: list[int] | tuple[int, ...]) -> bool:
        """True when ``order`` runs every op once, after all its predecessors."""
        if sorted(order) != list(range(len(self.ops))):
            return False
        position = {op: k for k, op in enumerate(order)}
        return all(position[p] < position[i] for i in order for p in self.predecessors[i])
