"""Evaluating designs: from a point of a space to the metrics rewards are made of.

An :class:`Evaluator` turns points into :class:`DesignMetrics` and caches them by
point, so an agent that proposes a design twice never simulates it twice.
:class:`SimulatorEvaluator` runs ``archsim.simulate`` on a workload; for families
with a vectorised simulator it evaluates whole batches (or the whole space, once)
in one call, which is what makes env steps cheap.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from archsim.errors import InputError
from envs.spaces import DesignSpace, HardwareSpace, Point

METRICS: tuple[str, ...] = ("latency_s", "energy_pj", "edp_js", "area_mm2", "power_w")
"""Metrics of every evaluated design, in report order."""

VECTORISED: dict[str, str] = {
    "systolic": "envs.vectorised:systolic_metrics",
}
"""Family -> import path of ``fn(workload, configs) -> list[DesignMetrics]`` over many configs at once."""


@dataclass(frozen=True)
class DesignMetrics:
    """What one design costs on the workload, or why it is invalid.

    ``extra`` carries figures other evaluators add (e.g. accuracy in co-search) so that
    reward terms can read them by name through :meth:`get`.
    """

    latency_s: float = math.inf
    energy_pj: float = math.inf
    area_mm2: float = math.inf
    valid: bool = True
    error: str = ""
    extra: Mapping[str, float] = field(default_factory=dict)

    @property
    def edp_js(self) -> float:
        """Energy-delay product in joule-seconds."""
        return self.energy_pj * 1e-12 * self.latency_s

    @property
    def power_w(self) -> float:
        """Average power over one inference."""
        return self.energy_pj * 1e-12 / self.latency_s if self.latency_s > 0 else math.inf

    def get(self, name: str) -> float:
        """A metric by name: one of :data:`METRICS` or a key of ``extra``."""
        if name in METRICS:
            return float(getattr(self, name))
        if name in self.extra:
            return float(self.extra[name])
        raise KeyError(f"unknown metric {name!r}; known: {', '.join((*METRICS, *self.extra))}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data for storage and JSON (invalid designs keep only ``valid`` and ``error``)."""
        data: dict[str, Any] = {"valid": self.valid}
        if self.valid:
            data.update({name: self.get(name) for name in METRICS})
            data.update({k: float(v) for k, v in self.extra.items()})
        else:
            data["error"] = self.error
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DesignMetrics:
        """Inverse of :meth:`to_dict`."""
        if not data.get("valid", True):
            return cls.invalid(str(data.get("error", "")))
        extra = {k: float(v) for k, v in data.items() if k not in (*METRICS, "valid", "error")}
        return cls(float(data["latency_s"]), float(data["energy_pj"]), float(data["area_mm2"]), extra=extra)

    @classmethod
    def invalid(cls, error: str) -> DesignMetrics:
        """An invalid design and the one-line reason."""
        return cls(valid=False, error=error.splitlines()[0] if error else "invalid design")


class Evaluator:
    """Points -> metrics, cached by point. Subclasses implement :meth:`_compute_many`."""

    def __init__(self, space: DesignSpace) -> None:
        self.space = space
        self._cache: dict[Point, DesignMetrics] = {}

    def evaluate(self, point: Sequence[int]) -> DesignMetrics:
        """Metrics of one design."""
        return self.evaluate_many([point])[0]

    def peek(self, point: Sequence[int]) -> DesignMetrics:
        """Metrics of a design outside any search (e.g. the reference design); by default :meth:`evaluate`."""
        return self.evaluate(point)

    def evaluate_many(self, points: Sequence[Sequence[int]]) -> list[DesignMetrics]:
        """Metrics of many designs; the uncached ones are computed in one batch."""
        keys = [tuple(int(i) for i in p) for p in points]
        missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            for key, metrics in zip(missing, self._compute_many(missing), strict=True):
                self._cache[key] = metrics
        return [self._cache[k] for k in keys]

    def compute_many(self, points: Sequence[Sequence[int]]) -> list[DesignMetrics]:
        """Metrics of many designs, bypassing the cache (streams seen once, e.g. sweeps: memory stays flat)."""
        return self._compute_many([tuple(int(i) for i in p) for p in points])

    def _compute_many(self, points: list[Point]) -> list[DesignMetrics]:
        raise NotImplementedError


class FunctionEvaluator(Evaluator):
    """Evaluates each design with a user function of its ``{knob: value}`` design."""

    def __init__(self, space: DesignSpace, fn: Callable[[dict[str, Any]], DesignMetrics]) -> None:
        super().__init__(space)
        self.fn = fn

    def _compute_many(self, points: list[Point]) -> list[DesignMetrics]:
        out = []
        for point in points:
            try:
                out.append(self.fn(self.space.decode(point)))
            except ValueError as exc:
                out.append(DesignMetrics.invalid(str(exc)))
        return out


class SimulatorEvaluator(Evaluator):
    """Runs the family's simulator on a workload; batches go to the vectorised path when there is one."""

    def __init__(self, space: HardwareSpace, workload: Any) -> None:
        super().__init__(space)
        self.hardware = space
        self.workload = workload
        target = VECTORISED.get(space.family)
        self._vectorised: Callable[[Any, list[Any]], list[DesignMetrics]] | None = None
        if target is not None and not _is_llm(workload):  # the vectorised path has no serving metrics
            module, _, attr = target.partition(":")
            try:
                self._vectorised = getattr(importlib.import_module(module), attr)
            except ImportError:
                self._vectorised = None

    def _compute_many(self, points: list[Point]) -> list[DesignMetrics]:
        out: list[DesignMetrics | None] = [None] * len(points)
        configs: list[Any] = []
        slots: list[int] = []
        for j, point in enumerate(points):
            try:
                configs.append(self.hardware.config(point))
                slots.append(j)
            except ValueError as exc:
                out[j] = DesignMetrics.invalid(str(exc))
        if configs:
            for j, metrics in zip(slots, self._simulate(configs), strict=True):
                out[j] = metrics
        return [m for m in out if m is not None]

    def _simulate(self, configs: list[Any]) -> list[DesignMetrics]:
        if self._vectorised is not None and len(configs) > 1:
            return self._vectorised(self.workload, configs)
        return [simulate_one(self.workload, config) for config in configs]

    def precompute(self, chunk: int = 4096) -> None:
        """Evaluate the whole space (in chunks) so that every later step is a cache hit."""
        batch: list[Point] = []
        for point in self.space.points():
            if point not in self._cache:
                batch.append(point)
            if len(batch) >= chunk:
                self.evaluate_many(batch)
                batch = []
        if batch:
            self.evaluate_many(batch)


def simulate_one(workload: Any, config: Any) -> DesignMetrics:
    """One design through ``archsim.simulate``; a ``ValueError`` (does not fit, bad mapping) makes it invalid."""
    from archsim.simulate import simulate

    try:
        metrics = simulate(workload, config)
    except ValueError as exc:
        return DesignMetrics.invalid(str(exc))
    from envs.constraints import design_sram_kb
    from envs.llm import serving_extras

    extra = {**resource_use(metrics.resources), **serving_extras(metrics.extra_total)}
    sram_kb = design_sram_kb(config, metrics.resources)
    if sram_kb is not None:
        extra["sram_kb"] = sram_kb
    return DesignMetrics(metrics.latency_s, metrics.energy_pj, metrics.area_mm2, extra=extra)


def _is_llm(workload: Any) -> bool:
    """True for an LLM workload (its designs are scored on serving figures)."""
    from workloads.llm.workload import llm_spec_of

    return hasattr(workload, "nodes") and llm_spec_of(workload) is not None


def resource_use(resources: Mapping[str, Any]) -> dict[str, float]:
    """``{name}_pct`` per used resource (FPGA DSP, BRAM...) and ``resource_pct``, the largest of them."""
    used = {
        f"{name}_pct": float(entry["pct"])
        for name, entry in resources.items()
        if isinstance(entry, Mapping) and "pct" in entry
    }
    if used:
        used["resource_pct"] = max(used.values())
    return used


@dataclass(frozen=True)
class SharedEvaluatorFactory:
    """Picklable recipe of the default evaluator of (space, workload), shared per process."""

    space: DesignSpace
    workload: str

    def __call__(self) -> Evaluator:
        """This process's evaluator of the pair."""
        return shared_evaluator(self.space, self.workload)


@lru_cache(maxsize=16)
def shared_evaluator(space: DesignSpace, workload_spec: str) -> Evaluator:
    """One default evaluator per (space, workload) per process, so envs and workers share its cache.

    The space's own ``evaluator`` when it names one, else the family's simulator on the workload.
    """
    if space.evaluator:
        module, _, attr = space.evaluator.partition(":")
        return getattr(importlib.import_module(module), attr)(space, workload_spec)
    if not isinstance(space, HardwareSpace):
        raise InputError(f"space {space.name}: no hardware family and no evaluator; give one")
    from workloads.registry import load_workload

    return SimulatorEvaluator(space, load_workload(workload_spec))
