"""Independent PPO: one stable-baselines3 PPO per agent, each over its own observation and action.

Why independent rather than one shared-parameter policy: the agents own different knobs
(a core's array and dataflow, the memory system's buffers and bandwidths), so their action
spaces differ in length and cardinalities; a shared network would need padded, masked
actions and an agent id in every observation. Independent learners keep each policy the
size of its own sub-problem, which is the decentralised setting of multi-agent DSE.

SB3 drives one env per model, so the joint rollout is collected here: every step each
model samples its agent's action from its own policy, the parallel env evaluates the
joint design, and each model stores (its observation, its action, the shared reward) in
its own rollout buffer; every ``n_steps`` each model runs its usual PPO update
(``PPO.train``). Truncated episodes are bootstrapped with the value of the last
observation, as SB3's own rollout collection does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from archsim.errors import InputError
from envs.agents.rl import PPO_DEFAULTS
from envs.marl.env import DesignParallelEnv


class AgentSpaces(gym.Env[np.ndarray, np.ndarray]):
    """An agent's observation and action spaces, for building its PPO; the joint loop steps the real env."""

    def __init__(self, observation_space: gym.Space[Any], action_space: gym.Space[Any]) -> None:
        self.observation_space = observation_space
        self.action_space = action_space

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Not stepped on its own: the joint rollout in :class:`IndependentPpo` drives the parallel env."""
        raise RuntimeError("AgentSpaces only carries spaces; IndependentPpo steps the parallel env")

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Not stepped on its own (see :meth:`reset`)."""
        raise RuntimeError("AgentSpaces only carries spaces; IndependentPpo steps the parallel env")


class IndependentPpo:
    """One PPO learner per agent of a :class:`DesignParallelEnv`, trained together on the shared reward.

    Deterministic given ``seed``: models are built in agent order (agent ``k`` seeded ``seed + k``),
    torch runs on one thread, and the env is reset with ``seed``.
    """

    def __init__(self, env: DesignParallelEnv, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        import torch
        from stable_baselines3 import PPO
        from stable_baselines3.common.logger import Logger

        torch.set_num_threads(1)
        self.env = env
        self.seed = int(seed)
        self.params = {**PPO_DEFAULTS, **(params or {})}
        self.models: dict[str, Any] = {}
        for k, agent in enumerate(env.possible_agents):
            spaces = AgentSpaces(env.observation_space(agent), env.action_space(agent))
            try:
                model = PPO("MlpPolicy", spaces, seed=self.seed + k, device="cpu", verbose=0, **self.params)
            except (TypeError, ValueError) as exc:
                raise InputError(f"agent marl-ppo: bad parameter: {str(exc).splitlines()[0]}") from None
            model.set_logger(Logger(None, []))
            self.models[agent] = model
        self.n_steps = int(self.params["n_steps"])
        self.gamma = float(self.params["gamma"])
        self.steps = 0

    def _act(self, observations: Mapping[str, np.ndarray]) -> dict[str, tuple[np.ndarray, Any, Any]]:
        """Per agent: sampled action, value estimate and log-probability from its own policy."""
        import torch
        from stable_baselines3.common.utils import obs_as_tensor

        out = {}
        with torch.no_grad():
            for agent, model in self.models.items():
                actions, values, log_probs = model.policy(obs_as_tensor(observations[agent][None], model.device))
                out[agent] = (actions.cpu().numpy(), values, log_probs)
        return out

    def _value(self, agent: str, observation: np.ndarray) -> float:
        import torch
        from stable_baselines3.common.utils import obs_as_tensor

        model = self.models[agent]
        with torch.no_grad():
            return float(model.policy.predict_values(obs_as_tensor(observation[None], model.device))[0, 0])

    def learn(self, total_steps: int, should_stop: Callable[[], bool] = lambda: False) -> int:
        """Train for ``total_steps`` joint steps (one evaluated design each) or until ``should_stop()``.

        Returns the number of joint steps taken. A PPO update runs after every full rollout of
        ``n_steps``; a rollout cut short by the stop is not used for an update.
        """
        import torch

        observations, _ = self.env.reset(seed=self.seed)
        episode_start = True
        while self.steps < total_steps:
            for model in self.models.values():
                model.rollout_buffer.reset()
            for _ in range(self.n_steps):
                if self.steps >= total_steps or should_stop():
                    return self.steps
                acted = self._act(observations)
                new_obs, rewards, terminations, truncations, _ = self.env.step(
                    {agent: actions[0] for agent, (actions, _, _) in acted.items()}
                )
                self.steps += 1
                for agent, (actions, values, log_probs) in acted.items():
                    reward = rewards[agent]
                    if truncations[agent] and not terminations[agent]:
                        reward += self.gamma * self._value(agent, new_obs[agent])
                    self.models[agent].rollout_buffer.add(
                        observations[agent][None],
                        actions,
                        np.array([reward], dtype=np.float32),
                        np.array([episode_start]),
                        values,
                        log_probs,
                    )
                episode_start = not self.env.agents
                observations = self.env.reset()[0] if episode_start else new_obs
            for agent, model in self.models.items():
                with torch.no_grad():
                    last = model.policy.predict_values(torch.as_tensor(observations[agent][None], device=model.device))
                model.rollout_buffer.compute_returns_and_advantage(last_values=last, dones=np.array([episode_start]))
                model.num_timesteps = self.steps
                model._update_current_progress_remaining(self.steps, total_steps)  # schedules, as SB3's learn
                model.train()
        return self.steps

    def predict(self, observations: Mapping[str, np.ndarray], deterministic: bool = True) -> dict[str, np.ndarray]:
        """Every agent's action for its observation (the mode of its policy when ``deterministic``)."""
        return {
            agent: model.predict(observations[agent], deterministic=deterministic)[0]
            for agent, model in self.models.items()
        }


__all__ = ["AgentSpaces", "IndependentPpo"]
