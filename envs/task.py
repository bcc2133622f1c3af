"""A search task: which space, which workload, which reward, and who evaluates designs.

Envs, agents and the search runner all share one :class:`Task`, built once from
constructor arguments and validated here at the edge. :class:`TaskSpec` is its
picklable recipe, so that worker processes and Ray actors rebuild the same task.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archsim.errors import InputError
from envs.catalog import get_space
from envs.evaluate import DesignMetrics, Evaluator, SimulatorEvaluator, shared_evaluator
from envs.rewards import RewardFunction
from envs.spaces import Design, DesignSpace, Point

DEFAULT_OBJECTIVES: dict[str, float] = {"edp": 1.0}


@dataclass(frozen=True)
class TaskSpec:
    """Everything that defines a task's rewards, as plain hashable data."""

    space: DesignSpace
    workload: str
    objectives: tuple[tuple[str, float], ...]
    budgets: tuple[tuple[str, float], ...]
    penalty_weight: float = 1.0
    invalid_penalty: float = 10.0

    @classmethod
    def create(
        cls,
        space: str | DesignSpace,
        workload: str,
        objectives: Mapping[str, float] | None = None,
        budgets: Mapping[str, float] | None = None,
        penalty_weight: float = 1.0,
        invalid_penalty: float = 10.0,
    ) -> TaskSpec:
        """Validate user arguments into a spec."""
        if not isinstance(workload, str) or not workload:
            raise InputError(f"workload: expected a zoo name or a file path, got {workload!r}")
        for name, value in (("penalty_weight", penalty_weight), ("invalid_penalty", invalid_penalty)):
            if not float(value) >= 0:
                raise InputError(f"{name} must be a number >= 0, got {value!r}")
        objectives = dict(DEFAULT_OBJECTIVES if objectives is None else objectives)
        return cls(
            get_space(space),
            workload,
            tuple(sorted((k, float(v)) for k, v in objectives.items())),
            tuple(sorted((k, float(v)) for k, v in (budgets or {}).items())),
            float(penalty_weight),
            float(invalid_penalty),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data identifying the task (stored with a study)."""
        return {
            "space": self.space.name,
            "knobs": {k.name: list(k.values) for k in self.space.knobs},
            "workload": self.workload,
            "objectives": dict(self.objectives),
            "budgets": dict(self.budgets),
            "penalty_weight": self.penalty_weight,
            "invalid_penalty": self.invalid_penalty,
        }


class Task:
    """A spec made live: its evaluator and reward function."""

    def __init__(self, spec: TaskSpec, evaluator: Evaluator | None = None) -> None:
        self.spec = spec
        self.space = spec.space
        if evaluator is None:
            evaluator = shared_evaluator(spec.space, spec.workload)
        self.evaluator = evaluator
        self.reference = evaluator.peek(spec.space.reference)
        self.reward_fn = RewardFunction(
            dict(spec.objectives), dict(spec.budgets), self.reference, spec.penalty_weight, spec.invalid_penalty
        )

    def precompute(self) -> None:
        """Evaluate the whole space now (vectorised where the family allows) so that steps are lookups."""
        if isinstance(self.evaluator, SimulatorEvaluator):
            self.evaluator.precompute()
        else:
            self.evaluator.evaluate_many(list(self.space.points()))

    def design(self, point: Point) -> Design:
        """The ``{knob: value}`` design of a point."""
        return self.space.decode(point)

    def score(self, metrics: DesignMetrics) -> tuple[float, dict[str, float]]:
        """Reward and its named terms."""
        terms = self.reward_fn.terms_of(metrics)
        return float(sum(terms.values())), terms
