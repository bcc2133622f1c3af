"""Evaluating a heterogeneous co-search design: co-search's evaluation, per distinct system, with the SRAM counted.

On top of :class:`~envs.cosearch.evaluate.CoSearchEvaluator` (the network's latency
and energy on the system from ``archsim.simulate``, its accuracy from the cached
evaluator), this evaluator

* simulates each distinct (network, system) once: designs that differ only in
  ignored knobs (inactive cores, an NPU core's dataflow) share one result;
* counts an NPU core's SRAM arena in the area: on its own the NPU model leaves
  the arena out as system SRAM (``archsim.npu.network.npu_area_mm2``), but here
  it is the core's private on-chip memory, as a systolic core's buffers are,
  which the systolic area already counts;
* reports ``sram_kb``, the on-chip SRAM of all cores and of the system's shared
  buffer (whose area the system simulator already counts), for ``sram<=...``
  specs, and ``n_cores``, the cores the design builds.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from archsim.area import sram_mm2
from archsim.config.system import SystemConfig
from archsim.errors import InputError
from envs.accuracy import CachedEvaluator
from envs.constraints import design_sram_kb
from envs.cosearch.evaluate import CoSearchEvaluator, CoSearchFactory
from envs.cosearch.space import HARDWARE, CoSearchSpace
from envs.evaluate import DesignMetrics, SimulatorEvaluator
from envs.hetero.space import HeteroSystemSpace
from envs.spaces import Point


def hetero_hardware(space: CoSearchSpace) -> HeteroSystemSpace:
    """The heterogeneous system space of a co-search space (InputError naming the hetero spaces otherwise)."""
    if not isinstance(space.hardware, HeteroSystemSpace):
        from envs.hetero.catalog import HETERO_RECIPES

        raise InputError(
            f"space: {space.name} searches hardware {getattr(space.hardware, 'name', None)!r}, not a heterogeneous "
            f"system; allowed: {', '.join(HETERO_RECIPES)} or a co-search space over a HeteroSystemSpace"
        )
    return space.hardware


class HeteroEvaluator(CoSearchEvaluator):
    """Points of a co-search space over a :class:`HeteroSystemSpace` -> metrics, one simulation per distinct system."""

    def __init__(self, space: CoSearchSpace, accuracy: CachedEvaluator) -> None:
        super().__init__(space, accuracy)
        self.system_space = hetero_hardware(space)
        self._by_system: dict[str, DesignMetrics] = {}

    def system_key(self, point: Point) -> str:
        """The design of ``point`` with its ignored knobs at their reference values, as a key."""
        design = self.space.decode(point)
        hardware = {k.name: design[k.name] for k in self.cospace.knobs if k.group == HARDWARE}
        return json.dumps({**design, **self.system_space.canonical(hardware)}, sort_keys=True, default=str)

    def _compute(self, point: Point) -> DesignMetrics:
        key = self.system_key(point)
        if key not in self._by_system:
            self._by_system[key] = self._with_sram(point, super()._compute(point))
        return self._by_system[key]

    def _with_sram(self, point: Point, metrics: DesignMetrics) -> DesignMetrics:
        if not metrics.valid:
            return metrics
        return with_core_sram(self.cospace.hardware_config(self.space.decode(point)), metrics)


def with_core_sram(system: SystemConfig, metrics: DesignMetrics) -> DesignMetrics:
    """``metrics`` of a valid design on ``system`` with its NPU cores' arena SRAM in the area, and ``sram_kb``
    (every core's on-chip SRAM and the shared buffer) and ``n_cores`` in ``extra``."""
    arena_kb = sum(core.cache_kb for core in system.cores if core.family == "npu")
    sram_kb = sum(design_sram_kb(core, {}) or 0.0 for core in system.cores) + system.shared_buffer_kb
    extra = {**metrics.extra, "sram_kb": float(sram_kb), "n_cores": float(system.n_cores)}
    return dataclasses.replace(metrics, area_mm2=metrics.area_mm2 + sram_mm2(arena_kb), extra=extra)


class HeteroSystemEvaluator(SimulatorEvaluator):
    """A :class:`HeteroSystemSpace` alone on a fixed workload (hardware-only search): the system simulator's
    metrics with the core SRAM counted as :func:`with_core_sram` does."""

    def _simulate(self, configs: list[Any]) -> list[DesignMetrics]:
        metrics = super()._simulate(configs)
        return [with_core_sram(c, m) if m.valid else m for c, m in zip(configs, metrics, strict=True)]


def system_evaluator(space: HeteroSystemSpace, workload: str) -> HeteroSystemEvaluator:
    """The default evaluator of a :class:`HeteroSystemSpace` searched alone (the ``space.evaluator`` hook)."""
    from workloads.registry import load_workload

    return HeteroSystemEvaluator(space, load_workload(workload))


@dataclasses.dataclass(frozen=True)
class HeteroFactory(CoSearchFactory):
    """Picklable recipe of a :class:`HeteroEvaluator` (see :class:`CoSearchFactory`)."""

    @property
    def key(self) -> tuple[int, CoSearchSpace, str, str | None]:
        """As co-search's key, with the evaluator kind, so the two never share an evaluator."""
        pid, space, name, storage = super().key
        return pid, space, f"hetero:{name}", storage

    def build(self) -> HeteroEvaluator:
        """A fresh evaluator with its own cache connection."""
        base = super().build()
        return HeteroEvaluator(self.space, base.accuracy)


def default_evaluator(space: CoSearchSpace, workload: str) -> HeteroEvaluator:
    """The proxy trainer on the space's family with an in-memory cache (the framework's ``space.evaluator`` hook)."""
    from envs.accuracy import FamilyProxy, ProxyTrainer
    from workloads.registry import families

    return HeteroFactory(space, ProxyTrainer(FamilyProxy(families()[space.family])))()


__all__ = [
    "HeteroEvaluator",
    "HeteroFactory",
    "HeteroSystemEvaluator",
    "default_evaluator",
    "hetero_hardware",
    "system_evaluator",
    "with_core_sram",
]
