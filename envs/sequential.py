"""One step = one knob (ConfuciuX style); the design is evaluated once every knob is set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces

from envs.base import OBSERVED_METRICS, DesignEnvBase
from envs.evaluate import Evaluator
from envs.spaces import DesignSpace


class SequentialEnv(DesignEnvBase):
    """Set the knobs of a design one by one, then get the whole design's reward.

    ## Description
    The ConfuciuX formulation of design-space exploration: an episode builds one
    design, one knob per step in the space's knob order; the last step evaluates it on
    the workload. Registered as ``archsim/SystolicDSESeq-v0``, ``archsim/FpgaDSESeq-v0``
    and ``archsim/NpuDSESeq-v0``.

    ## Action Space
    ``Discrete(max_cardinality)``: action ``a`` picks value ``floor(a * n / max_cardinality)``
    of the current knob with ``n`` values, so every action is valid for every knob and
    every value is reachable.

    ## Observation Space
    ``Box(-1, 1, (2 * n_knobs + 5,), float32)``: the knobs chosen so far scaled to
    [-1, 1] (unset knobs at their reference value), a one-hot of the knob to set next
    (all zeros once done), and the evaluated design's metric features (zeros before the
    last step): ``tanh(log(m / m_ref) / 4)`` of latency, energy, area, power, then +1/-1 validity.

    ## Rewards
    0 for every step but the last; the last gives the design's reward, the sum of the
    named terms in ``info["reward_terms"]`` (same terms as ``archsim/SystolicDSE-v0``:
    weighted objectives relative to the reference design, budget penalties, and
    ``-invalid_penalty`` for an invalid design).

    ## Starting State
    Every knob at the space's reference value, the first knob to set next.

    ## Episode End
    Terminates after ``n_knobs`` steps, when the design is complete and evaluated.

    ## Arguments
    ``workload``, ``space``, ``objectives``, ``budgets``, ``penalty_weight``,
    ``invalid_penalty``, ``evaluator``, ``precompute``: as for ``archsim/SystolicDSE-v0``.

    ## Version History
    * v0: initial version.
    """

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
        super().__init__(
            workload, space, objectives, budgets, penalty_weight, invalid_penalty, evaluator, precompute, render_mode
        )
        self.max_cardinality = max(self.space.cardinalities)
        self.action_space = spaces.Discrete(self.max_cardinality)
        width = 2 * len(self.space.knobs) + len(OBSERVED_METRICS) + 1
        self.observation_space = spaces.Box(-1.0, 1.0, (width,), np.float32)
        self._point = list(self.space.reference)
        self._position = 0

    def value_index(self, action: int, knob_position: int) -> int:
        """Index of the value that ``action`` picks for the knob at ``knob_position``."""
        return int(action) * self.space.cardinalities[knob_position] // self.max_cardinality

    def _observation(self, features: np.ndarray) -> np.ndarray:
        one_hot = np.zeros(len(self.space.knobs), dtype=np.float32)
        if self._position < len(one_hot):
            one_hot[self._position] = 1.0
        return np.concatenate([self.space.normalise(self._point), one_hot, features]).astype(np.float32)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new design at the reference values."""
        super().reset(seed=seed)
        self._point = list(self.space.reference)
        self._position = 0
        return self._observation(np.zeros(len(OBSERVED_METRICS) + 1, dtype=np.float32)), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Set the current knob; evaluate the design after the last one."""
        a = int(np.asarray(action).reshape(()))
        if not 0 <= a < self.max_cardinality:
            raise ValueError(f"action {a} not in [0, {self.max_cardinality - 1}]")
        self._point[self._position] = self.value_index(a, self._position)
        self._position += 1
        if self._position < len(self.space.knobs):
            features = np.zeros(len(OBSERVED_METRICS) + 1, dtype=np.float32)
            return self._observation(features), 0.0, False, False, {"knob": self.space.knobs[self._position - 1].name}
        point = tuple(self._point)
        metrics = self.task.evaluator.evaluate(point)
        reward, terms = self.task.score(metrics)
        return (
            self._observation(self.metric_features(metrics)),
            reward,
            True,
            False,
            self.step_info(point, metrics, terms),
        )
