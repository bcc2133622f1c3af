"""Choosing fused stacks and their tile rows: dynamic programming over the layer order.

Layers are cut into consecutive stacks (in the workload's topological order);
each stack of two or more layers runs in bands of ``tile_rows`` output rows
(:class:`Stack`). The search minimises, over every cut and every candidate tile
height (the stack's output rows divided by 1, 2, 4, ... down to 2 rows, at most
``max_tiles`` tiles), a first-order EDP surrogate: ``energy / E0 + latency / L0``
summed over stacks, where E0 and L0 are layer-by-layer's totals (at that point
d(EDP)/EDP = dE/E + dL/L). ``objective="energy"`` or ``"latency"`` keeps one term.
Estimates are per stack on its reference core (the one with the smallest
buffer of those that can run it, so a stack that fits there fits on every core
that may run it; a candidate no core can run is skipped, and a layer no core
runs whole is covered only by tiled stacks). With ``pipeline_cores`` S > 1
(the ``pipeline`` scheduler) a stack of T tiles is priced as pipelined over S
cores: compute ``C (T + S - 1) / (S T)`` for its one-core compute ``C``, S the
smaller of the cores and its layers (perfectly balanced segments).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archsim.config.system import SystemConfig
from archsim.system.costs import core_buffer_bytes
from archsim.system.tiles import output_rows
from mappers.multicore.estimate import Estimator, StackEstimate
from mappers.multicore.stacks import Stack, fusable_range
from workloads.graph import Workload

OBJECTIVES = ("edp", "energy", "latency")


@dataclass(frozen=True)
class FusionPlan:
    """Stacks covering the workload in order, and the estimate the search minimised."""

    stacks: tuple[Stack, ...]
    objective: str
    estimated_dram_bytes: int
    estimated_energy_pj: float
    estimated_cycles: float


def layer_by_layer(workload: Workload) -> tuple[Stack, ...]:
    """Every layer its own stack, run whole."""
    return tuple(Stack(workload, (node,), None) for node in workload.nodes)


def reference_core(system: SystemConfig, estimator: Estimator, stack: Stack) -> int | None:
    """The core with the smallest on-chip buffer of those that can run ``stack`` (None if none can)."""
    cores = estimator.runnable_cores(stack)
    return min(cores, key=lambda c: (core_buffer_bytes(system.cores[c]), c)) if cores else None


def _layer_estimates(system: SystemConfig, est: Estimator, stacks: Sequence[Stack]) -> list[StackEstimate]:
    """Each stack priced on its reference core (an input error for a stack no core can run)."""
    estimates = _estimates_or_none(system, est, stacks)
    for stack, estimate in zip(stacks, estimates, strict=True):
        if estimate is None:
            raise est.unrunnable(stack)
    return [e for e in estimates if e is not None]


def _estimates_or_none(system: SystemConfig, est: Estimator, stacks: Sequence[Stack]) -> list[StackEstimate | None]:
    """Each stack priced on its reference core, None for a stack no core can run."""
    out: list[StackEstimate | None] = []
    for stack in stacks:
        core = reference_core(system, est, stack)
        out.append(None if core is None else est.stack(stack, core))
    return out


def _tile_candidates(rows: int, max_tiles: int) -> list[int]:
    out = []
    tiles = 2
    while tiles <= max_tiles and -(-rows // tiles) >= 2:
        out.append(-(-rows // tiles))
        tiles *= 2
    return out


def search_fusion(
    workload: Workload,
    system: SystemConfig,
    objective: str = "edp",
    max_layers: int = 10,
    max_tiles: int = 16,
    estimator: Estimator | None = None,
    pipeline_cores: int = 1,
) -> FusionPlan:
    """The stacks and tile rows minimising ``objective`` (see the module docstring)."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    est = estimator or Estimator(system, workload)
    bw = system.dram_bytes_per_cycle
    nodes = workload.nodes
    singles = layer_by_layer(workload)
    base = _estimates_or_none(system, est, singles)  # None: a layer no core runs whole (only its tiles may fit)
    energy0 = sum(e.energy_pj for e in base if e is not None) or 1.0
    latency0 = sum(e.latency(bw) for e in base if e is not None) or 1.0

    def score(energy: float, latency: float) -> float:
        if objective == "energy":
            return energy / energy0
        if objective == "latency":
            return latency / latency0
        return energy / energy0 + latency / latency0

    n = len(nodes)
    best: list[float] = [0.0] + [float("inf")] * n
    choice: list[Stack | None] = [None] * (n + 1)
    for end in range(1, n + 1):
        whole = base[end - 1]
        if whole is not None:
            best[end] = best[end - 1] + score(whole.energy_pj, whole.latency(bw))
            choice[end] = singles[end - 1]
        for start in range(max(0, end - max_layers), end - 1):
            group = tuple(nodes[start:end])
            if not fusable_range(workload, group):
                continue
            rows = output_rows(workload, group[-1]) or 1
            for tile in _tile_candidates(rows, max_tiles):
                stack = Stack(workload, group, tile)
                core = reference_core(system, est, stack)
                if core is None or not stack.fits(core_buffer_bytes(system.cores[core])):
                    continue
                e = est.stack(stack, core)
                total = best[start] + score(e.energy_pj, _pipelined_latency(e, stack, bw, pipeline_cores))
                if total < best[end]:
                    best[end], choice[end] = total, stack
    if n and best[n] == float("inf"):  # some layer runs on no core, whole or in any fused stack's tiles
        raise est.unrunnable(next(s for s, e in zip(singles, base, strict=True) if e is None))
    stacks: list[Stack] = []
    end = n
    while end > 0:
        stack = choice[end]
        assert stack is not None  # a finite prefix has a last stack
        stacks.append(stack)
        end -= len(stack.nodes)
    stacks.reverse()
    return _plan(tuple(stacks), objective, est, bw)


def _pipelined_latency(estimate: StackEstimate, stack: Stack, bw: float, cores: int) -> float:
    """The stack's latency estimate when its tiles flow through ``cores`` cores (see the module docstring)."""
    segments = max(1, min(cores, len(stack.nodes)))
    tiles = len(stack.bands)
    compute = estimate.compute_cycles * (tiles + segments - 1) / (segments * tiles)
    return compute + estimate.dram_bytes / bw


def _plan(stacks: Sequence[Stack], objective: str, est: Estimator, bw: float) -> FusionPlan:
    estimates = _layer_estimates(est.system, est, stacks)
    return FusionPlan(
        stacks=tuple(stacks),
        objective=objective,
        estimated_dram_bytes=sum(e.dram_bytes for e in estimates),
        estimated_energy_pj=sum(e.energy_pj for e in estimates),
        estimated_cycles=sum(e.latency(bw) for e in estimates),
    )


def no_fusion(workload: Workload, system: SystemConfig, estimator: Estimator | None = None) -> FusionPlan:
    """The layer-by-layer plan, with its estimate."""
    est = estimator or Estimator(system, workload)
    return _plan(layer_by_layer(workload), "none", est, system.dram_bytes_per_cycle)


__all__ = ["OBJECTIVES", "FusionPlan", "layer_by_layer", "no_fusion", "reference_core", "search_fusion"]
