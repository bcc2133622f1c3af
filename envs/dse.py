"""One step = one whole design (ArchGym style)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces

from envs.base import OBSERVED_METRICS, DesignEnvBase
from envs.evaluate import Evaluator
from envs.spaces import DesignSpace


class DesignEnv(DesignEnvBase):
    """Propose a complete hardware design each step and get its cost on a workload.

    ## Description
    Design-space exploration in the style of ArchGym: the agent proposes one design
    (a value for every knob of a named design space) per step; archsim simulates the
    workload on it and returns a reward made of weighted, named terms. Registered as
    ``archsim/SystolicDSE-v0``, ``archsim/FpgaDSE-v0`` and ``archsim/NpuDSE-v0``,
    which differ only in their default design space.

    ## Action Space
    ``MultiDiscrete(cardinalities)``: one value index per knob, in the space's knob
    order (``env.unwrapped.space.names``); ``space.decode(action)`` gives the design.

    ## Observation Space
    ``Box(-1, 1, (n_knobs + 5,), float32)``: the last design's knob indices scaled to
    [-1, 1], then ``tanh(log(m / m_ref) / 4)`` of latency, energy, area and power
    relative to the space's reference design, then +1 (valid) or -1 (invalid).

    ## Rewards
    Sum of the terms in ``info["reward_terms"]``: ``weight * -log(metric / reference)``
    per objective (latency, energy, edp, area, power); ``-penalty_weight * (1 + log(m / budget))``
    per exceeded budget (latency_s, energy_pj, area_mm2, power_w); ``-invalid_penalty``
    for a design that fails validation or does not fit, instead of an exception.

    ## Starting State
    The space's reference design and its metrics (deterministic; the seed only seeds
    the action space).

    ## Episode End
    Never terminates (no design ends the search); truncates after ``episode_length`` steps.

    ## Arguments
    ``workload`` (zoo name or file), ``space`` (name or DesignSpace), ``objectives``
    ({name: weight}, default ``{"edp": 1}``), ``budgets`` ({metric: bound}),
    ``penalty_weight``, ``invalid_penalty``, ``episode_length`` (default 32),
    ``evaluator`` (replaces the simulator, e.g. a study's storage), ``precompute``
    (evaluate the whole space at construction: every step becomes a lookup).

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
        episode_length: int = 32,
        evaluator: Evaluator | None = None,
        precompute: bool = False,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            workload, space, objectives, budgets, penalty_weight, invalid_penalty, evaluator, precompute, render_mode
        )
        if not isinstance(episode_length, int) or episode_length <= 0:
            raise ValueError(f"episode_length must be a positive integer, got {episode_length!r}")
        self.episode_length = episode_length
        self.action_space = self.space.action_space()
        width = len(self.space.knobs) + len(OBSERVED_METRICS) + 1
        self.observation_space = spaces.Box(-1.0, 1.0, (width,), np.float32)
        self._steps = 0

    def _observation(self, point: tuple[int, ...], features: np.ndarray) -> np.ndarray:
        return np.concatenate([self.space.normalise(point), features]).astype(np.float32)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start at the reference design."""
        super().reset(seed=seed)
        self._steps = 0
        point = self.space.reference
        return self._observation(point, self.metric_features(self.task.reference)), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Evaluate the proposed design."""
        point = self.space.check_point(np.asarray(action).reshape(-1))
        metrics = self.task.evaluator.evaluate(point)
        reward, terms = self.task.score(metrics)
        self._steps += 1
        observation = self._observation(point, self.metric_features(metrics))
        return observation, reward, False, self._steps >= self.episode_length, self.step_info(point, metrics, terms)
