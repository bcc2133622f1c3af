"""Evaluating a co-search design: the hardware cost of the chosen network plus its accuracy.

The hardware side runs ``archsim.simulate`` on the family's workload for the
network knobs, on the hardware knobs' config with a datapath sized for the
network's bit-widths. The accuracy side asks a cached accuracy evaluator, so each
network is trained at most once whatever hardware it is paired with. A design
whose hardware is invalid is not trained; a network whose accuracy evaluation
fails (raises, NaN) makes the design invalid with that error, and the search goes on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from envs.accuracy import AccuracyEvaluator, CachedEvaluator, MemoryStore, SqlStore, canonical_key, evaluator_name
from envs.constraints import design_sram_kb
from envs.cosearch.precision import datapath_bits, int4_energy_pj
from envs.cosearch.space import CoSearchSpace, with_datapath
from envs.evaluate import DesignMetrics, Evaluator, resource_use
from envs.spaces import Point
from workloads.graph import Workload
from workloads.registry import families


class CoSearchEvaluator(Evaluator):
    """Points of a :class:`CoSearchSpace` -> hardware metrics plus ``accuracy`` and friends in ``extra``.

    Args:
        space: the co-search space.
        accuracy: the (cached) accuracy evaluator of the space's networks.
    """

    def __init__(self, space: CoSearchSpace, accuracy: CachedEvaluator) -> None:
        super().__init__(space)
        self.cospace = space
        self.accuracy = accuracy
        self._workloads: dict[str, Workload] = {}

    def workload(self, choices: Mapping[str, Any]) -> Workload:
        """The family's workload of a network (built once per network)."""
        key = canonical_key(choices)
        if key not in self._workloads:
            self._workloads[key] = families()[self.cospace.family].build(choices)
        return self._workloads[key]

    def _compute_many(self, points: list[Point]) -> list[DesignMetrics]:
        return [self._compute(point) for point in points]

    def _compute(self, point: Point) -> DesignMetrics:
        from archsim.simulate import simulate

        design = self.space.decode(point)
        choices = self.cospace.network_choices(design)
        workload = self.workload(choices)
        bits = datapath_bits(workload)
        try:
            config = with_datapath(self.cospace.hardware_config(design), bits)
            metrics = simulate(workload, config)
        except ValueError as exc:
            return DesignMetrics.invalid(str(exc))
        record = self.accuracy.record(choices)
        if record.accuracy is None:
            return DesignMetrics.invalid(f"accuracy evaluation failed: {record.error}")
        packed = getattr(config, "int4_macs_per_pe", 1) > 1
        energy = int4_energy_pj(metrics, workload, getattr(config, "word_bytes", 0), packed)
        extra = {
            "accuracy": record.accuracy,
            "error_rate": 1.0 - record.accuracy,
            "macs": float(workload.total_macs),
            "datapath_bits": float(bits),
            "accuracy_cached": float(record.cached),
            **resource_use(metrics.resources),
        }
        sram_kb = design_sram_kb(config, metrics.resources)
        if sram_kb is not None:
            extra["sram_kb"] = sram_kb
        return DesignMetrics(metrics.latency_s, energy, metrics.area_mm2, extra=extra)


@dataclass(frozen=True)
class CoSearchFactory:
    """Picklable recipe of a co-search evaluator, rebuilt once per process by workers.

    Attributes:
        space: the co-search space.
        accuracy: the accuracy evaluator (must pickle for process or Ray workers).
        storage: SQLAlchemy URL whose ``archsim_accuracy_cache`` table caches accuracies
            (None: an in-memory cache per process).
    """

    space: CoSearchSpace
    accuracy: AccuracyEvaluator
    storage: str | None = None

    @property
    def key(self) -> tuple[int, CoSearchSpace, str, str | None]:
        """What identifies the evaluator it builds: equal recipes share one per process.

        The process id is part of the key: a forked worker must not reuse its parent's
        evaluator, whose database connections belong to the parent.
        """
        return os.getpid(), self.space, evaluator_name(self.accuracy), self.storage

    def __call__(self) -> CoSearchEvaluator:
        """This process's evaluator for the recipe."""
        if self.key not in _SHARED:
            _SHARED[self.key] = self.build()
        return _SHARED[self.key]

    def build(self) -> CoSearchEvaluator:
        """A fresh evaluator with its own cache connection."""
        store = SqlStore(self.storage) if self.storage else MemoryStore()
        return CoSearchEvaluator(self.space, CachedEvaluator(self.accuracy, store))


def default_evaluator(space: CoSearchSpace, workload: str) -> CoSearchEvaluator:
    """The proxy trainer on the space's family with an in-memory cache (the framework's ``space.evaluator`` hook)."""
    from envs.accuracy import FamilyProxy, ProxyTrainer

    return CoSearchFactory(space, ProxyTrainer(FamilyProxy(families()[space.family])))()


_SHARED: dict[tuple[int, CoSearchSpace, str, str | None], CoSearchEvaluator] = {}
"""Evaluators built in this process, by recipe key."""
