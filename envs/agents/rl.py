"""Reinforcement-learning agents from stable-baselines3 (PPO, A2C, DQN) learning in the study's env.

The env evaluates designs through the study, so every design the policy tries is a
stored trial, and training stops the moment the budget is spent. Torch runs on one
CPU thread with the agent's seed, so a resumed study replays the same proposals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np

from archsim.errors import InputError
from envs.agents.base import Agent
from envs.agents.params import AT_LEAST_ONE, NON_NEGATIVE, POSITIVE, UNIT, Range
from envs.spaces import DesignSpace

if TYPE_CHECKING:
    from envs.runner import Study

PPO_DEFAULTS: dict[str, Any] = {
    "n_steps": 64,
    "batch_size": 32,
    "n_epochs": 10,
    "learning_rate": 3e-4,
    "gamma": 0.9,
    "ent_coef": 0.01,
}
"""PPO's hyperparameters, short rollouts since designs are expensive (also each ``marl-ppo`` learner's)."""

PPO_RANGES: dict[str, Range] = {
    "n_steps": Range(2),
    "batch_size": Range(2),
    "n_epochs": AT_LEAST_ONE,
    "learning_rate": POSITIVE,
    "gamma": UNIT,
    "ent_coef": NON_NEGATIVE,
}
"""PPO's allowed hyperparameters (SB3 needs rollouts and minibatches of 2 or more)."""

FLAT_ACTION_LIMIT = 100_000
"""Largest space DQN flattens into one Discrete action on a one-design-per-step env."""


class FlatActionWrapper(gym.ActionWrapper[np.ndarray, np.int64, np.ndarray]):
    """One ``Discrete(size)`` action per design (row-major rank), for agents that need a discrete action."""

    def __init__(self, env: gym.Env[np.ndarray, np.ndarray], space: DesignSpace) -> None:
        super().__init__(env)
        self.design_space = space
        self.action_space = gym.spaces.Discrete(space.size)

    def action(self, action: np.int64) -> np.ndarray:
        """The knob indices of rank ``action``."""
        return np.array(self.design_space.point_at(int(action)), dtype=np.int64)


class Sb3Agent(Agent):
    """Builds the env around the study and runs ``learn`` until the budget is spent."""

    algorithm = ""

    def make_model(self, env: gym.Env[Any, Any]) -> Any:
        """The SB3 model for ``env``."""
        import stable_baselines3

        cls = getattr(stable_baselines3, self.algorithm)
        try:
            return cls("MlpPolicy", env, seed=self.seed, device="cpu", verbose=0, **self.params)
        except (TypeError, ValueError) as exc:
            raise InputError(f"agent {self.name}: bad parameter: {str(exc).splitlines()[0]}") from None

    def wrap(self, env: gym.Env[Any, Any], space: DesignSpace) -> gym.Env[Any, Any]:
        """Adapt the env's action space to the algorithm (identity by default)."""
        return env

    def search(self, study: Study, env_id: str, env_kwargs: Mapping[str, Any]) -> None:
        """Train in the env until the study's budget is spent (holding the study alone: a policy learns from
        every result in order, so two processes could not split its proposals)."""
        study.own_alone(self.name)
        import torch
        from stable_baselines3.common.callbacks import BaseCallback

        torch.set_num_threads(1)
        env = gym.make(env_id, **{**env_kwargs, "evaluator": study.as_evaluator()})
        space = env.unwrapped.space  # type: ignore[attr-defined]
        steps_per_design = len(space.knobs) if isinstance(env.action_space, gym.spaces.Discrete) else 1
        model = self.make_model(self.wrap(env, space))

        class StopOnBudget(BaseCallback):
            def _on_step(self) -> bool:
                return not study.done

        # Exactly the budget's steps (plus one design of slack): schedules such as DQN's
        # exploration anneal over the real run; the callback stops at the budget.
        model.learn(total_timesteps=(study.remaining + 1) * steps_per_design, callback=StopOnBudget())
        env.close()


class PpoAgent(Sb3Agent):
    """Proximal policy optimisation; short rollouts, since designs are expensive."""

    name = "ppo"
    algorithm = "PPO"
    defaults = PPO_DEFAULTS
    ranges = PPO_RANGES


class A2cAgent(Sb3Agent):
    """Advantage actor-critic."""

    name = "a2c"
    algorithm = "A2C"
    defaults = {"n_steps": 8, "learning_rate": 7e-4, "gamma": 0.9, "ent_coef": 0.01}  # noqa: RUF012
    ranges = {"n_steps": AT_LEAST_ONE, "learning_rate": POSITIVE, "gamma": UNIT, "ent_coef": NON_NEGATIVE}  # noqa: RUF012


class DqnAgent(Sb3Agent):
    """Deep Q-learning; on a one-design-per-step env each design is one discrete action."""

    name = "dqn"
    algorithm = "DQN"
    defaults = {  # noqa: RUF012
        "learning_rate": 1e-3,
        "buffer_size": 10_000,
        "learning_starts": 50,
        "batch_size": 32,
        "gamma": 0.9,
        "train_freq": 1,
        "target_update_interval": 100,
        "exploration_fraction": 0.3,
    }
    ranges = {  # noqa: RUF012
        "learning_rate": POSITIVE,
        "buffer_size": AT_LEAST_ONE,
        "learning_starts": NON_NEGATIVE,
        "batch_size": AT_LEAST_ONE,
        "gamma": UNIT,
        "train_freq": AT_LEAST_ONE,
        "target_update_interval": AT_LEAST_ONE,
        "exploration_fraction": UNIT,
    }

    def wrap(self, env: gym.Env[Any, Any], space: DesignSpace) -> gym.Env[Any, Any]:
        """Flatten a MultiDiscrete design action into one Discrete action."""
        if isinstance(env.action_space, gym.spaces.Discrete):
            return env
        if space.size > FLAT_ACTION_LIMIT:
            raise InputError.option(
                "agent dqn",
                "--agent dqn",
                f"space {space.name} has {space.size} designs, more than {FLAT_ACTION_LIMIT} "
                "discrete actions; use a ...Seq-v0 env (one knob per step) or another agent",
            )
        return FlatActionWrapper(env, space)
