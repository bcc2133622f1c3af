"""What a task's ops cost on one core, priced by that core's own family model.

Every distinct (layer, rows) a core runs becomes one node of a small graph of
independent one-op layers, simulated once with activation traffic set to zero
(the system moves activations and weights itself, over its shared channels).
The core's compute cycles (fill and drain included, no DRAM stalls) and its
on-chip energy (everything but the off-chip ``dram`` and ``flash`` components) are kept.
An op the core's family refuses (an input error: an Ethos-U core given fp16, a layer
whose activations outgrow its SRAM) is recorded with the family's reason, so the
mappers place it on another core (:meth:`CoreCosts.refusal`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from archsim.system.tiles import TaskOp, cut_layer, slice_channels
from archsim.traffic import LayerTraffic
from workloads.errors import InputError, cli_text
from workloads.graph import Node, Tensor, TensorKind, Workload

OFF_CHIP_COMPONENTS = ("dram", "flash")
"""Energy components of a family's row that the system's DRAM stands for (an NPU reads weights from flash)."""

ONE_OP_GRAPHS = ("npu",)
"""Families whose ops are priced one graph each: an NPU plans a graph as a whole (weights copied under the op
before, its pass order, its cache), so in a graph of several independent ops an op's cost would depend on
which others are priced beside it."""

OFF_CHIP_SIZES: dict[str, tuple[str, ...]] = {"npu": ("dram_size_kb", "flash_size_kb")}
"""Per family, the capacity fields of a core's own off-chip memories (0 = not stated)."""


def as_system_core(config: Any) -> Any:
    """The core as a system prices it: its own off-chip memories' capacities unstated, as the system's DRAM,
    which holds what they would, is (a core is not refused for the whole model's weights)."""
    fields = OFF_CHIP_SIZES.get(config.family, ())
    return dataclasses.replace(config, **dict.fromkeys(fields, 0.0)) if fields else config


@dataclass(frozen=True)
class OpCost:
    """One (layer, rows) on one core: cycles in the core's clock, on-chip energy, MACs."""

    compute_cycles: int
    energy_pj: float
    macs: int


def _systolic_buffer(config: Any) -> int:
    return int((config.ifmap_sram_kb + config.filter_sram_kb + config.ofmap_sram_kb) * 1024)


def _npu_buffer(config: Any) -> int:
    arena = config.cache_kb if config.cache_kb else (config.sram_size_kb if config.activations_in == "sram" else 0)
    return int(arena * 1024 + config.buffer_banks * config.bank_bytes)


def _fpga_buffer(config: Any) -> int:
    """The board's block RAM a design may use (its utilization cap)."""
    return int(config.board_spec.bram18k * 18 * 1024 / 8 * config.utilization_cap)


def _loopnest_buffer(config: Any) -> int:
    from archsim.system.loopnest_cores import loopnest_buffer_bytes

    return loopnest_buffer_bytes(config)


BUFFER_BYTES: dict[str, Callable[[Any], int]] = {
    "systolic": _systolic_buffer,
    "npu": _npu_buffer,
    "fpga": _fpga_buffer,
    "loopnest": _loopnest_buffer,
}
"""Family -> on-chip bytes a core can keep between and within tasks."""


def core_buffer_bytes(config: Any, override_kb: float = 0.0) -> int:
    """On-chip bytes of a core (``override_kb`` when > 0, else what its family config holds)."""
    if override_kb > 0:
        return int(override_kb * 1024)
    size = BUFFER_BYTES.get(config.family)
    if size is None:
        raise ValueError(f"no on-chip buffer rule for family {config.family!r}; allowed: {', '.join(BUFFER_BYTES)}")
    return size(config)


@functools.lru_cache(maxsize=16)
def fpga_engine(config: Any, workload: Workload) -> Any:
    """An FPGA core's engine (:class:`archsim.fpga.search.Design`): designed once, for every MAC layer of the
    workload, as the FPGA family designs it for a network; the core runs whole layers, row bands and channel
    slices of them on it, and its peak is the engine's Tm x Tn."""
    from archsim.fpga.search import search_design
    from archsim.fpga.towers import network_shapes

    shapes = tuple(s for s in network_shapes(workload).values() if s is not None)
    return search_design(shapes, config).design


@dataclass(frozen=True)
class LoopNestPricing:
    """How a loop-nest core prices a layer: spatial choice (``search`` or ``zigzag``) and partial-sum bits."""

    spatial: str = "search"
    accumulator_bits: int = 0


def core_pricing(system: Any, core: int) -> LoopNestPricing:
    """The loop-nest pricing options of core ``core`` of a :class:`SystemConfig`."""
    return LoopNestPricing(system.loopnest_spatial, system.core_accumulator_bits[core])


class CoreCosts:
    """Prices (layer, rows) pairs on one core, memoised; :meth:`prepare` prices many at once."""

    def __init__(self, workload: Workload, config: Any, pricing: LoopNestPricing = LoopNestPricing()) -> None:
        self.workload = workload
        self.config = config
        self.pricing = pricing
        self._nodes = {node.name: node for node in workload.nodes}
        self._cache: dict[TaskOp, OpCost] = {}
        self._refused: dict[TaskOp, str] = {}

    def prepare(self, task_ops: Iterable[TaskOp]) -> None:
        """Price every not yet priced op (in one simulator call, one per op for :data:`ONE_OP_GRAPHS`); when
        the family refuses the call, each op alone, to record which ones it refuses and why."""
        todo = list(dict.fromkeys(op for op in task_ops if op not in self._cache and op not in self._refused))
        if not todo:
            return
        try:
            self._price(todo)
        except InputError as exc:
            if len(todo) == 1:
                self._refused[todo[0]] = cli_text(exc)
                return
            for task_op in todo:
                self.prepare([task_op])

    def _price(self, todo: list[TaskOp]) -> None:
        from archsim.simulate import simulate

        parts: list[tuple[Node, list[Tensor]]] = []
        for k, task_op in enumerate(todo):
            node = self._nodes[task_op.layer]
            if task_op.rows is None:
                node, own = _standalone(self.workload, node, f"{task_op.layer}#{k}")
            else:
                node, own = cut_layer(self.workload, node, task_op.rows, f"{task_op.layer}#{k}")
            if task_op.channels is not None:
                node, own = slice_channels(node, own, task_op.channels)
            parts.append((node, own))
        nodes = [node for node, _ in parts]
        graph = self._graph([t for _, own in parts for t in own], nodes)
        if self.config.family == "loopnest":
            from archsim.system.loopnest_cores import price_loopnest

            priced = price_loopnest(graph, self.config, self.pricing.spatial, self.pricing.accumulator_bits)
            for task_op, (cycles, energy, macs) in zip(todo, priced, strict=True):
                self._cache[task_op] = OpCost(cycles, energy, macs)
            return
        plan = {node.name: LayerTraffic(0, 0) for node in nodes}
        if self.config.family == "fpga":
            from archsim.fpga.network import engine_layers

            layers = engine_layers(graph, self.config, fpga_engine(self.config, self.workload), plan)
        elif self.config.family in ONE_OP_GRAPHS:
            core = as_system_core(self.config)
            layers = tuple(row for node, own in parts for row in simulate(self._graph(own, [node]), core, plan).layers)
        else:
            layers = simulate(graph, as_system_core(self.config), plan).layers
        rows = {layer.layer: layer for layer in layers}  # by name: a family may run them in its own order
        for task_op, node in zip(todo, nodes, strict=True):
            layer = rows[node.name]
            energy = sum(v for name, v in layer.energy_by_component_pj.items() if name not in OFF_CHIP_COMPONENTS)
            self._cache[task_op] = OpCost(int(layer.compute_cycles), float(energy), int(layer.macs))

    def _graph(self, tensors: list[Tensor], nodes: list[Node]) -> Workload:
        """Independent one-op layers as a workload to price (named as the workload, which a refusal names)."""
        return Workload(self.workload.name, tuple(nodes), tuple(tensors), self.workload.precision)

    def refusal(self, task_op: TaskOp) -> str | None:
        """Why the core cannot run ``task_op`` (its family's input error), or None when it can."""
        self.prepare([task_op])
        return self._refused.get(task_op)

    def cost(self, task_op: TaskOp) -> OpCost:
        """The cost of one op (priced on demand); an op the core refuses is an input error naming the reason."""
        reason = self.refusal(task_op)
        if reason is not None:
            raise InputError(f"core {self.config.name} cannot run {task_op.layer!r}: {reason}")
        return self._cache[task_op]


def _standalone(workload: Workload, node: Node, name: str) -> tuple[Node, list[Tensor]]:
    """``node`` with fresh tensor names, its activation inputs turned into graph inputs."""
    tensors = []
    inputs = []
    for k, tname in enumerate(node.inputs):
        tensor = workload.tensor(tname)
        kind = TensorKind.WEIGHT if tensor.kind is TensorKind.WEIGHT else TensorKind.INPUT
        tensors.append(Tensor(f"{name}:in{k}", tensor.shape, kind, tensor.precision))
        inputs.append(f"{name}:in{k}")
    outputs = []
    for k, tname in enumerate(node.outputs):
        tensor = workload.tensor(tname)
        tensors.append(Tensor(f"{name}:out{k}", tensor.shape, TensorKind.ACTIVATION, tensor.precision))
        outputs.append(f"{name}:out{k}")
    return Node(dataclasses.replace(node.op, name=name), tuple(inputs), tuple(outputs)), tensors


__all__ = ["BUFFER_BYTES", "CoreCosts", "LoopNestPricing", "OpCost", "core_buffer_bytes", "core_pricing"]
