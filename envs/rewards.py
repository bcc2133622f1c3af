"""Rewards as weighted, named terms (HighwayEnv style), every term reported in ``info``.

Objective terms reward a design for beating the space's reference design:
``-log(metric / reference)`` is 0 at the reference, positive when better, and is the
same for every workload size, so weights mean the same thing everywhere. Budget
terms penalise constraint violations (``-(1 + log(metric / budget))`` when over
budget, 0 otherwise: a step for breaking the spec plus a slope for how badly).
An invalid design (config that does not validate, a design that does not fit)
gets only the ``invalid`` term.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from archsim.errors import InputError
from envs.evaluate import METRICS, DesignMetrics


@dataclass(frozen=True)
class Term:
    """A reward term on one metric; ``sense`` is -1 to minimise it, +1 to maximise it."""

    name: str
    metric: str
    sense: int = -1


OBJECTIVES: dict[str, Term] = {
    "latency": Term("latency", "latency_s"),
    "energy": Term("energy", "energy_pj"),
    "edp": Term("edp", "edp_js"),
    "area": Term("area", "area_mm2"),
    "power": Term("power", "power_w"),
    "resources": Term("resources", "resource_pct"),
}
"""Objective name -> term (extend with e.g. accuracy, ``sense=+1``, for co-search)."""

BUDGETS: dict[str, str] = {
    "latency_s": "latency_budget",
    "energy_pj": "energy_budget",
    "area_mm2": "area_budget",
    "power_w": "power_budget",
    "resource_pct": "resource_budget",
}
"""Metric a budget caps -> name of its penalty term."""


@dataclass(frozen=True)
class RewardFunction:
    """Weighted objective terms + budget penalties + the invalid-design penalty.

    Attributes:
        weights: Objective name -> weight (names from :data:`OBJECTIVES`).
        budgets: Metric -> upper bound (metrics from :data:`BUDGETS`).
        reference: Metrics of the reference design that objective terms are relative to.
        penalty_weight: Weight of each budget term.
        invalid_penalty: Reward of an invalid design.
    """

    weights: Mapping[str, float]
    budgets: Mapping[str, float]
    reference: DesignMetrics
    penalty_weight: float = 1.0
    invalid_penalty: float = 10.0
    terms: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        for name, weight in self.weights.items():
            if name not in OBJECTIVES:
                raise InputError(f"objectives: unknown objective {name!r}; allowed: {', '.join(OBJECTIVES)}")
            if not math.isfinite(float(weight)):
                raise InputError(f"objectives: weight of {name} must be a finite number, got {weight!r}")
        for metric, bound in self.budgets.items():
            if metric not in BUDGETS:
                raise InputError(f"budgets: unknown metric {metric!r}; allowed: {', '.join(BUDGETS)}")
            if not float(bound) > 0:
                raise InputError(f"budgets: {metric} must be a number > 0, got {bound!r}")
        if not self.weights:
            raise InputError(f"objectives: give at least one; allowed: {', '.join(OBJECTIVES)}")
        if not self.reference.valid:
            raise InputError(f"the reference design is invalid: {self.reference.error}")
        for metric in self.budgets:
            if metric not in METRICS and metric not in self.reference.extra:
                known = ", ".join(m for m in (*METRICS, *self.reference.extra) if m in BUDGETS)
                raise InputError(f"budgets: this design space reports no {metric}; constraints it takes: {known}")
        names = (*self.weights, *(BUDGETS[m] for m in self.budgets), "invalid")
        object.__setattr__(self, "terms", names)

    def objective_term(self, name: str, metrics: DesignMetrics) -> float:
        """Unweighted value of objective ``name`` (0 at the reference, > 0 when better).

        A metric the family does not model (FPGA area is reported as 0) scores 0.
        """
        term = OBJECTIVES[name]
        value, ref = metrics.get(term.metric), self.reference.get(term.metric)
        if not (value > 0 and ref > 0 and math.isfinite(value) and math.isfinite(ref)):
            return 0.0
        return term.sense * math.log(value / ref)

    def terms_of(self, metrics: DesignMetrics) -> dict[str, float]:
        """Every weighted term by name (their sum is the reward)."""
        terms = dict.fromkeys(self.terms, 0.0)
        if not metrics.valid:
            terms["invalid"] = -self.invalid_penalty
            return terms
        for name, weight in self.weights.items():
            terms[name] = float(weight) * self.objective_term(name, metrics)
        for metric, bound in self.budgets.items():
            value = metrics.get(metric)
            if value > bound:
                terms[BUDGETS[metric]] = -self.penalty_weight * (1.0 + math.log(value / bound))
        return terms

    def penalty(self, terms: Mapping[str, float]) -> float:
        """Sum of the budget and invalid terms (what multi-objective agents add to each objective)."""
        return float(sum(v for k, v in terms.items() if k not in self.weights))

    def reward(self, metrics: DesignMetrics) -> float:
        """The scalar reward of a design."""
        return float(sum(self.terms_of(metrics).values()))
