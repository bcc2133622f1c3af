"""Quick per-stack estimates on one core: compute cycles, DRAM bytes, energy and latency.

Used by the fusion search (which stacks, which tile rows) and by the scheduling
model (durations per core). The exact numbers of a finished schedule come from
the system evaluator (``archsim.system``), which shares the core pricing
(:class:`CoreCosts`) but not these shortcuts: here each stack is alone on its
core with the whole DRAM bandwidth and its transfers do not overlap its compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archsim.config.system import SystemConfig
from archsim.system.costs import CoreCosts, core_buffer_bytes, core_pricing
from archsim.system.tiles import TaskOp
from mappers.multicore.stacks import Stack
from workloads.errors import InputError


@dataclass(frozen=True)
class StackEstimate:
    """One stack on one core, run alone."""

    compute_cycles: float
    """System cycles."""
    dram_bytes: int
    energy_pj: float

    def latency(self, dram_bytes_per_cycle: float) -> float:
        """Compute then DRAM traffic at the full bandwidth (no overlap): a pessimistic single-core estimate."""
        return self.compute_cycles + self.dram_bytes / dram_bytes_per_cycle


class Estimator:
    """Prices stacks on the cores of a system (one :class:`CoreCosts` per distinct core config)."""

    def __init__(self, system: SystemConfig, workload: Any) -> None:
        self.system = system
        self.workload = workload
        self._costs: dict[Any, CoreCosts] = {}
        self._of_core: dict[int, CoreCosts] = {}

    def costs(self, core: int) -> CoreCosts:
        """The op pricer of core ``core`` (shared by identical cores)."""
        if core not in self._of_core:
            config, pricing = self.system.cores[core], core_pricing(self.system, core)
            key = (repr(config), pricing)  # repr: a loop-nest config holds dicts and does not hash
            if key not in self._costs:
                self._costs[key] = CoreCosts(self.workload, config, pricing)
            self._of_core[core] = self._costs[key]
        return self._of_core[core]

    def task_ops(self, stack: Stack) -> list[TaskOp]:
        """Every (layer, rows) the stack's tiles run."""
        if stack.tile_rows is None:
            return [TaskOp(n) for n in stack.names]
        return [
            TaskOp(n, stack.rows_in_tile(n, k))
            for k in range(len(stack.bands))
            for n in stack.names
            if stack.rows_in_tile(n, k) > 0
        ]

    def refusal(self, stack: Stack, core: int) -> str | None:
        """Why ``core`` cannot run ``stack`` (the first op it refuses, with its family's reason), or None.

        Judged on whole layers first (priced once per core and layer, however many stacks hold them); a layer
        refused whole in a tiled stack is judged again on its row tiles, which may fit where it does not (an
        NPU whose SRAM holds a band of a feature map but not the map).
        """
        costs = self.costs(core)
        whole = [TaskOp(n) for n in stack.names]
        costs.prepare(whole)
        refused = {op.layer: reason for op in whole if (reason := costs.refusal(op)) is not None}
        if refused and stack.tile_rows is not None:
            tiles = [op for op in self.task_ops(stack) if op.layer in refused]
            costs.prepare(tiles)
            refused = {op.layer: reason for op in tiles if (reason := costs.refusal(op)) is not None}
        layer, reason = next(iter(refused.items()), (None, None))
        return None if layer is None else f"{layer}: {reason}"

    def runnable_cores(self, stack: Stack) -> list[int]:
        """The cores that can run every op of ``stack`` (may be empty)."""
        return [c for c in range(self.system.n_cores) if self.refusal(stack, c) is None]

    def unrunnable(self, stack: Stack) -> InputError:
        """The input error for a stack no core can run, naming each core's reason."""
        why = "; ".join(f"{self.system.core_names[c]}: {self.refusal(stack, c)}" for c in range(self.system.n_cores))
        return InputError(f"system {self.system.name}: no core can run {', '.join(stack.names)} ({why})")

    def stack(self, stack: Stack, core: int) -> StackEstimate:
        """Cycles, DRAM bytes and energy of ``stack`` alone on ``core``.

        Graph inputs and outputs cross DRAM; other inputs and the output do
        unless twice their bytes fit the core's buffer (the data-placement
        rule of :mod:`mappers.multicore.tasks`).
        """
        costs = self.costs(core)
        ops = self.task_ops(stack)
        costs.prepare(ops)
        priced = [costs.cost(op) for op in ops]
        cycles = sum(p.compute_cycles for p in priced) * self.system.core_clock_ratio(core)
        buffer = core_buffer_bytes(self.system.cores[core])
        weights = stack.weight_bytes * (1 if stack.weights_resident(buffer) else len(stack.bands))
        acts = 0
        for t in (*stack.inputs, stack.output):
            nbytes = stack.workload.tensor_bytes(t)
            graph_edge = t not in stack.workload.producers or not stack.workload.consumers[t]
            if graph_edge or 2 * nbytes > buffer:
                acts += nbytes
        dram = weights + acts
        energy = sum(p.energy_pj for p in priced) + dram * self.system.dram_pj_per_byte
        return StackEstimate(cycles, dram, energy)


__all__ = ["Estimator", "StackEstimate"]
