"""The workload DAG: nodes bind ops to the tensors they read and write."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from workloads.ops import Op
from workloads.precision import Precision


class TensorKind(StrEnum):
    """Role of a tensor in the graph."""

    INPUT = "input"
    WEIGHT = "weight"
    ACTIVATION = "activation"


@dataclass(frozen=True)
class Tensor:
    """A named tensor; ``precision`` overrides the workload's default when set."""

    name: str
    shape: tuple[int, ...]
    kind: TensorKind
    precision: Precision | None = None

    def __post_init__(self) -> None:
        if not self.shape or any(not isinstance(d, int) or d <= 0 for d in self.shape):
            raise ValueError(f"tensor {self.name!r}: shape must be positive integers, got {self.shape!r}")

    @property
    def numel(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)

    def nbytes(self, default: Precision) -> int:
        """Bytes at this tensor's precision (or ``default``), rounded up to whole bytes."""
        precision = self.precision or default
        return math.ceil(self.numel * precision.bits / 8)


@dataclass(frozen=True)
class Node:
    """One op of the graph with the names of its input and output tensors.

    ``inputs`` lists activations/graph inputs first, then weights.
    """

    op: Op
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @property
    def name(self) -> str:
        """The op's name."""
        return self.op.name


@dataclass(frozen=True)
class Workload:
    """A DAG of nodes stored in topological order, with its tensors.

    Construction validates the graph once: unique names, every tensor known,
    every activation produced before it is read and by exactly one node.
    """

    name: str
    nodes: tuple[Node, ...]
    tensors: tuple[Tensor, ...]
    precision: Precision = Precision.INT8
    source: str = ""
    notes: tuple[str, ...] = ()
    """One-line remarks for the user from the import (e.g. ops skipped as unsupported)."""
    after: tuple[tuple[str, str], ...] = ()
    """``(first, then)`` op-name pairs: ``then`` starts only once ``first`` is done, though no tensor passes
    between them (a request's decode step waits for its prompt's first token). Schedulers that may reorder
    or overlap ops honour them as they honour a tensor."""
    weight_values: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Integer values of quantised weight tensors, by name, as the model file stores them less their zero point
    (convolutions OHWI, depthwise 1HWC, fully connected OI). Imported models carry them; an NPU whose weights are
    compressed costs their encoded bytes from them. Empty for built-in networks (shapes only)."""
    _index: dict[str, Tensor] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Tensor] = {}
        for tensor in self.tensors:
            if tensor.name in index:
                raise ValueError(f"workload {self.name!r}: tensor {tensor.name!r} defined twice")
            index[tensor.name] = tensor
        object.__setattr__(self, "_index", index)
        if not self.nodes:
            raise ValueError(f"workload {self.name!r} has no ops")
        produced: set[str] = set()
        names: set[str] = set()
        for node in self.nodes:
            if node.name in names:
                raise ValueError(f"workload {self.name!r}: op name {node.name!r} used twice")
            names.add(node.name)
            for tname in node.inputs:
                tensor = index.get(tname)
                if tensor is None:
                    raise ValueError(f"workload {self.name!r}: op {node.name!r} reads unknown tensor {tname!r}")
                if tensor.kind is TensorKind.ACTIVATION and tname not in produced:
                    raise ValueError(
                        f"workload {self.name!r}: op {node.name!r} reads {tname!r} before any op writes it "
                        "(nodes must be in topological order)"
                    )
            for tname in node.outputs:
                tensor = index.get(tname)
                if tensor is None:
                    raise ValueError(f"workload {self.name!r}: op {node.name!r} writes unknown tensor {tname!r}")
                if tensor.kind is not TensorKind.ACTIVATION:
                    raise ValueError(f"workload {self.name!r}: op {node.name!r} writes {tensor.kind} tensor {tname!r}")
                if tname in produced:
                    raise ValueError(f"workload {self.name!r}: tensor {tname!r} written by two ops")
                produced.add(tname)
        position = {node.name: i for i, node in enumerate(self.nodes)} if self.after else {}
        for first, then in self.after:
            unknown = [name for name in (first, then) if name not in position]
            if unknown:
                raise ValueError(f"workload {self.name!r}: 'after' names unknown ops {unknown}")
            if position[first] >= position[then]:
                raise ValueError(
                    f"workload {self.name!r}: 'after' puts {then!r} after {first!r}, which comes later "
                    "(nodes must be in topological order)"
                )

    def tensor(self, name: str) -> Tensor:
        """The tensor called ``name``."""
        return self._index[name]

    @property
    def ops(self) -> tuple[Op, ...]:
        """The ops in topological order."""
        return tuple(node.op for node in self.nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    @cached_property
    def _nodes_by_name(self) -> Mapping[str, Node]:
        return {node.name: node for node in self.nodes}

    def node(self, name: str) -> Node:
        """The op called ``name``."""
        return self._nodes_by_name[name]

    @cached_property
    def producers(self) -> Mapping[str, str]:
        """Tensor name -> name of the op that writes it."""
        return {t: node.name for node in self.nodes for t in node.outputs}

    @cached_property
    def consumers(self) -> Mapping[str, tuple[str, ...]]:
        """Tensor name -> names of the ops that read it, in schedule order."""
        readers: dict[str, list[str]] = {t.name: [] for t in self.tensors}
        for node in self.nodes:
            for tname in node.inputs:
                readers[tname].append(node.name)
        return {name: tuple(ops) for name, ops in readers.items()}

    @cached_property
    def graph_outputs(self) -> tuple[str, ...]:
        """Activations that no op reads: the network's outputs."""
        return tuple(t for t in self.producers if not self.consumers[t])

    def tensor_role(self, name: str) -> str:
        """``input``, ``weight``, ``activation`` or ``output`` (an activation nobody reads)."""
        tensor = self._index[name]
        if tensor.kind is TensorKind.ACTIVATION and not self.consumers[name]:
            return "output"
        return tensor.kind.value

    def tensor_bytes(self, name: str, precision: Precision | None = None) -> int:
        """Bytes of a tensor at ``precision`` (default: the tensor's or the workload's own)."""
        tensor = self._index[name]
        if precision is not None:
            return math.ceil(tensor.numel * precision.bits / 8)
        return tensor.nbytes(self.precision)

    @property
    def total_macs(self) -> int:
        """MACs of the whole workload."""
        return sum(op.macs for op in self.ops)

    def with_precision(self, precision: Precision) -> Workload:
        """The same graph at another default precision."""
        return Workload(self.name, self.nodes, self.tensors, precision, self.source, self.notes, self.after)
