"""PettingZoo ``ParallelEnv`` form of archsim's one-design envs: each agent sets one sub-system's knobs.

The wrapped single-agent env (``archsim/SystolicDSE-v0``, ``SystemDSE-v0``, ``CoSearch-v0`` or
any :class:`~envs.dse.DesignEnv` over a space) does the evaluating and scoring, so the
multi-agent form has exactly the same designs, metrics, reward terms and budgets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from archsim.errors import InputError
from envs.dse import DesignEnv
from envs.marl.split import AgentSplit, resolve_split

DEFAULT_ENV_ID = "archsim/SystolicDSE-v0"


class DesignParallelEnv(ParallelEnv[str, np.ndarray, np.ndarray]):
    """Cooperative multi-agent design search: every agent picks its knobs' values at once, one design per step.

    ## Description
    The knobs of a design space are split among agents (:mod:`envs.marl.split`: ``core<i>``,
    ``memory``, ``network``, or an explicit ``{agent: [knob, ...]}``). Each step every live
    agent proposes values for its own knobs; together they make one design, which the wrapped
    one-design env evaluates. One step is one evaluation, as in the single-agent env.

    ## Action Space
    Per agent ``MultiDiscrete``: one value index per owned knob, in the space's knob order.

    ## Observation Space
    Per agent ``Box(-1, 1, (n_own_knobs + n_features,), float32)``: the agent's own knobs of
    the last design scaled to [-1, 1], then the wrapped env's metric features of that design
    (log-ratios of latency, energy, area and power to the reference, validity; co-search adds
    accuracy), which every agent sees. :meth:`state` is the wrapped env's full observation.

    ## Rewards
    Shared (cooperative): every agent gets the wrapped env's reward of the joint design, the
    sum of the named terms in ``info["reward_terms"]`` (:mod:`envs.rewards`).

    ## Starting State
    The space's reference design and its metrics.

    ## Episode End
    Never terminates; every agent truncates after the wrapped env's ``episode_length`` steps,
    after which ``agents`` is empty until :meth:`reset`.

    ## Arguments
    ``env``: the one-design env to split (its ``space`` and ``MultiDiscrete`` action over it);
    ``split``: an :class:`~envs.marl.split.AgentSplit` or ``{agent: [knob, ...]}`` (default:
    the space's known split or the naming convention).

    ## Version History
    * v0: initial version.
    """

    metadata: dict[str, Any] = {"name": "archsim_design_parallel_v0", "render_modes": []}  # noqa: RUF012

    def __init__(self, env: DesignEnv, split: AgentSplit | Mapping[str, Sequence[str]] | None = None) -> None:
        if not isinstance(env, DesignEnv):
            raise InputError(f"multi-agent form: needs a one-design env (DesignEnv), got {type(env).__name__}")
        self.design_env = env
        self.space = env.space
        self.split = resolve_split(self.space, split)
        self.knob_indices = self.split.indices(self.space)
        self.possible_agents: list[str] = list(self.split.agents)
        self.agents: list[str] = []
        width = int(np.prod(env.observation_space.shape))
        self.n_features = width - len(self.space.knobs)
        cards = np.array(self.space.cardinalities, dtype=np.int64)
        self.action_spaces = {agent: spaces.MultiDiscrete(cards[list(idx)]) for agent, idx in self.knob_indices.items()}
        self.observation_spaces = {
            agent: spaces.Box(-1.0, 1.0, (len(idx) + self.n_features,), np.float32)
            for agent, idx in self.knob_indices.items()
        }
        self.state_space = env.observation_space
        self._last = np.zeros(width, dtype=np.float32)

    def observation_space(self, agent: str) -> spaces.Box:
        """Agent's own knobs, then the shared metric features (the same object on every call, as PettingZoo asks)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.MultiDiscrete:
        """One value index per knob the agent owns."""
        return self.action_spaces[agent]

    def _observations(self, full: np.ndarray) -> dict[str, np.ndarray]:
        features = full[len(self.space.knobs) :]
        return {
            agent: np.concatenate([full[list(idx)], features]).astype(np.float32)
            for agent, idx in self.knob_indices.items()
            if agent in self.agents
        }

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Every agent back at the reference design."""
        full, _ = self.design_env.reset(seed=seed, options=options)
        if seed is not None:
            for k, agent in enumerate(self.possible_agents):
                self.action_spaces[agent].seed(seed + k)
        self.agents = list(self.possible_agents)
        self._last = np.asarray(full, dtype=np.float32)
        return self._observations(self._last), {agent: {} for agent in self.agents}

    def joint_action(self, actions: Mapping[str, Any]) -> np.ndarray:
        """The design's knob indices assembled from every agent's part."""
        missing = [agent for agent in self.agents if agent not in actions]
        if missing:
            raise ValueError(f"no action for agent(s) {', '.join(missing)}; every live agent acts each step")
        point = np.zeros(len(self.space.knobs), dtype=np.int64)
        for agent in self.agents:
            part = np.asarray(actions[agent], dtype=np.int64).reshape(-1)
            idx = self.knob_indices[agent]
            if part.shape != (len(idx),):
                raise ValueError(f"agent {agent}: expected {len(idx)} knob indices, got {part.tolist()}")
            point[list(idx)] = part
        return point

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]]:
        """Evaluate the joint design; every agent gets its reward."""
        if not self.agents:
            raise RuntimeError("step() after the episode ended; call reset()")
        full, reward, terminated, truncated, info = self.design_env.step(self.joint_action(actions))
        self._last = np.asarray(full, dtype=np.float32)
        live = list(self.agents)
        observations = self._observations(self._last)
        rewards = dict.fromkeys(live, float(reward))
        terminations = dict.fromkeys(live, bool(terminated))
        truncations = dict.fromkeys(live, bool(truncated))
        infos = {agent: info for agent in live}
        if terminated or truncated:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        """The wrapped env's observation of the last design (all knobs and the metric features)."""
        return self._last.copy()

    def render(self) -> None:
        """These envs do not render."""
        return None

    def close(self) -> None:
        """Close the wrapped env."""
        self.design_env.close()


def parallel_env(
    env_id: str = DEFAULT_ENV_ID,
    split: AgentSplit | Mapping[str, Sequence[str]] | None = None,
    **kwargs: Any,
) -> DesignParallelEnv:
    """The multi-agent form of a registered one-design env (its default kwargs, overridden by ``kwargs``)."""
    import envs  # noqa: F401  (registers the env ids)

    env = gym.make(env_id, **kwargs).unwrapped
    if not isinstance(env, DesignEnv):
        raise InputError(f"env: {env_id} is not a one-design env; multi-agent forms wrap DesignEnv envs")
    return DesignParallelEnv(env, split)


__all__ = ["DesignParallelEnv", "parallel_env"]
