"""What both DSE envs share: building the task from constructor arguments, observations of metrics."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from envs.evaluate import DesignMetrics, Evaluator
from envs.spaces import DesignSpace, Point
from envs.task import Task, TaskSpec

OBSERVED_METRICS: tuple[str, ...] = ("latency_s", "energy_pj", "area_mm2", "power_w")
"""Metrics shown to the agent, as squashed log-ratios to the reference design."""

LOG_SCALE = 4.0
"""A log-ratio of +-4 (about x55) maps to tanh(1) = +-0.76 of the observation range."""


class DesignEnvBase(gym.Env[np.ndarray, Any]):
    """Common constructor and helpers of :class:`~envs.dse.DesignEnv` and :class:`~envs.sequential.SequentialEnv`."""

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012 (Gymnasium's convention)

    def __init__(
        self,
        workload: str = "resnet18",
        space: str | DesignSpace = "systolic",
        objectives: Mapping[str, float] | None = None,
        budgets: Mapping[str, float] | None = None,
        penalty_weight: float = 1.0,
        invalid_penalty: float = 10.0,
        evaluator: Evaluator | None = None,
        precompute: bool = False,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"render_mode: these envs do not render, got {render_mode!r}")
        self.render_mode = render_mode
        self.task = Task(
            TaskSpec.create(space, workload, objectives, budgets, penalty_weight, invalid_penalty), evaluator
        )
        if precompute:
            self.task.precompute()
        self.space: DesignSpace = self.task.space

    def metric_features(self, metrics: DesignMetrics) -> np.ndarray:
        """Observed metrics squashed to [-1, 1], then a validity flag (+1 valid, -1 invalid)."""
        out = np.ones(len(OBSERVED_METRICS) + 1, dtype=np.float32)
        if not metrics.valid:
            out[-1] = -1.0
            return out
        ref = self.task.reference
        for j, name in enumerate(OBSERVED_METRICS):
            value, base = metrics.get(name), ref.get(name)
            modelled = value > 0 and base > 0 and math.isfinite(value) and math.isfinite(base)
            out[j] = math.tanh(math.log(value / base) / LOG_SCALE) if modelled else 0.0
        return out

    def step_info(self, point: Point, metrics: DesignMetrics, terms: Mapping[str, float]) -> dict[str, Any]:
        """``info`` of an evaluating step: the design, every metric and every reward term."""
        return {
            "design": self.space.decode(point),
            "metrics": metrics.to_dict(),
            "reward_terms": dict(terms),
            "valid": metrics.valid,
        }
