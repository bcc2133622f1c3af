"""Maskable PPO (sb3-contrib) on ``archsim/SocSchedule-v0``, and how any decider does on a set of episodes.

sb3-contrib and torch load only here, when an agent is trained. Torch runs on one
thread with the seed, so the same seed trains the same policy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from archsim.errors import InputError
from envs.agents.params import AT_LEAST_ONE, NON_NEGATIVE, UNIT, Range, check_params
from envs.agents.rl import PPO_RANGES as DESIGN_PPO_RANGES
from envs.soc.env import SocScheduleEnv
from mappers.soc.policies import make_baseline, run_policy

POLICIES = ("pairs", "mlp")
"""Actors: ``pairs`` scores each (task, core) pair with one shared network (envs.soc.policy); ``mlp`` is SB3's."""

PPO_DEFAULTS: dict[str, Any] = {
    "policy": "pairs",
    "n_steps": 1024,
    "batch_size": 128,
    "n_epochs": 5,
    "learning_rate": 3e-4,
    "gamma": 1.0,
    "gae_lambda": 0.95,
    "ent_coef": 0.01,
    "imitation_episodes": 0,
    "imitation_epochs": 30,
    "imitation_expert": "heft",
}
"""Maskable PPO hyperparameters (gamma 1: the episode return is minus the schedule's cost, undiscounted).

``imitation_episodes`` > 0 first copies ``imitation_expert`` (heft or greedy) on that many episodes
for ``imitation_epochs`` epochs (``envs.soc.imitation``), DeepSoCS's pretraining; PPO then fine-tunes
for the remaining ``timesteps`` (0: imitation only).
"""

PPO_RANGES: dict[str, Range] = {
    **DESIGN_PPO_RANGES,
    "gae_lambda": UNIT,
    "imitation_episodes": NON_NEGATIVE,
    "imitation_epochs": AT_LEAST_ONE,
}
"""Allowed values of the numeric hyperparameters (the design agents' PPO ranges, and the ones only this PPO has)."""

IMITATION_SEEDS = 5_000_000
"""Episodes of the demonstrations of training seed ``s`` start at ``IMITATION_SEEDS + 100_000 * s``
(apart from the benchmark's and tests' evaluation episodes)."""

EpisodeHook = Callable[[dict[str, float]], bool]
"""Called with each finished training episode's summary (and ``return``); False stops training."""


def train_maskable_ppo(
    env_kwargs: Mapping[str, Any],
    timesteps: int,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    on_episode: EpisodeHook | None = None,
) -> Any:
    """A MaskablePPO policy trained for ``timesteps`` env steps (episodes reseeded from ``seed``), after
    imitation of HEFT when ``params`` ask for it (the fit's statistics in ``model.imitation``)."""
    import torch
    from sb3_contrib import MaskablePPO

    check_params("ppo", params or {}, PPO_DEFAULTS, PPO_RANGES)
    settings = {**PPO_DEFAULTS, **(params or {})}
    policy = settings.pop("policy")
    imitation_episodes = int(settings.pop("imitation_episodes"))
    imitation_epochs = int(settings.pop("imitation_epochs"))
    imitation_expert = str(settings.pop("imitation_expert"))
    if policy not in POLICIES:
        raise InputError(f"agent ppo: policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    torch.set_num_threads(1)
    env = SocScheduleEnv(**env_kwargs)
    env.reset(seed=seed)
    if policy == "pairs":
        from envs.soc.policy import PairScoringPolicy

        settings["policy_kwargs"] = {"slots": env.slots, "cores": env.n_cores}
        model = MaskablePPO(PairScoringPolicy, env, seed=seed, device="cpu", verbose=0, **settings)
    else:
        model = MaskablePPO("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **settings)

    if imitation_episodes > 0:
        from envs.soc.imitation import demonstrations, pretrain

        first = IMITATION_SEEDS + 100_000 * seed
        try:
            data = demonstrations(env_kwargs, range(first, first + imitation_episodes), imitation_expert)
        except ValueError as exc:
            raise InputError(f"agent ppo: imitation_expert: {exc}") from None
        model.imitation = pretrain(model, data, epochs=imitation_epochs, seed=seed)

    keep_training(model, timesteps, on_episode)
    return model


def keep_training(model: Any, timesteps: int, on_episode: EpisodeHook | None = None) -> Any:
    """``timesteps`` more PPO env steps for ``model`` (e.g. fine-tuning after imitation); 0: nothing."""
    from stable_baselines3.common.callbacks import BaseCallback

    class Episodes(BaseCallback):
        """Reports each finished episode; stops when the hook says so."""

        def _on_step(self) -> bool:
            info = self.locals["infos"][0]
            if self.locals["dones"][0] and on_episode is not None and "slr" in info:
                return bool(
                    on_episode(
                        {
                            **{k: v for k, v in info.items() if k != "reward_terms"},
                            "return": float(info["episode"]["r"]) if "episode" in info else np.nan,
                        }
                    )
                )
            return True

    if timesteps > 0:
        model.learn(total_timesteps=timesteps, callback=Episodes())
    return model


def evaluate_model(model: Any, env_kwargs: Mapping[str, Any], seeds: Sequence[int]) -> list[dict[str, float]]:
    """The trained policy (deterministic, masked) on the episodes of ``seeds``: each episode's summary.

    The episodes run side by side and the policy decides for all unfinished ones in one batched
    forward pass per step (the same actions as one episode at a time, far fewer torch calls).
    """
    envs = [SocScheduleEnv(**env_kwargs) for _ in seeds]
    obs = [env.reset(seed=int(seed))[0] for env, seed in zip(envs, seeds, strict=True)]
    out: list[dict[str, float] | None] = [None] * len(envs)
    live = list(range(len(envs)))
    while live:
        masks = np.stack([envs[k].action_masks() for k in live])
        actions, _ = model.predict(np.stack([obs[k] for k in live]), action_masks=masks, deterministic=True)
        still = []
        for k, action in zip(live, actions, strict=True):
            obs[k], _, done, _, _ = envs[k].step(np.int64(action))
            if done:
                out[k] = envs[k].summary()
            else:
                still.append(k)
        live = still
    return [summary for summary in out if summary is not None]


def evaluate_baseline(name: str, env_kwargs: Mapping[str, Any], seeds: Sequence[int]) -> list[dict[str, float]]:
    """Baseline ``name`` (``mappers.soc.policies.BASELINES``) on the episodes of ``seeds``."""
    env = SocScheduleEnv(**env_kwargs)
    out = []
    for seed in seeds:
        env.reset(seed=int(seed))
        assert env.dispatcher is not None
        run_policy(env.dispatcher, make_baseline(name, int(seed)))
        out.append(env.summary())
    return out


def steps_per_second(env_kwargs: Mapping[str, Any], steps: int = 2000, seed: int = 0) -> float:
    """Env steps per second under uniformly random valid actions (one process)."""
    env = SocScheduleEnv(**env_kwargs)
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    began = time.perf_counter()
    for _ in range(steps):
        _, _, done, _, _ = env.step(np.int64(rng.choice(np.flatnonzero(env.action_masks()))))
        if done:
            env.reset()
    return steps / (time.perf_counter() - began)


__all__ = [
    "PPO_DEFAULTS",
    "evaluate_baseline",
    "evaluate_model",
    "keep_training",
    "steps_per_second",
    "train_maskable_ppo",
]
