"""Every registered env, as users make it (real simulator, default workload): both checkers, no warnings."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import envs


def test_registry_is_data_with_family_ids() -> None:
    ids = envs.env_ids()
    assert "archsim/SystolicDSE-v0" in ids and "archsim/SystolicDSESeq-v0" in ids
    assert all(i in gym.registry for i in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("env_id", envs.env_ids())
def test_registered_env_passes_gymnasium_and_sb3_checkers(env_id: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(env_id)
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped, warn=True)


@pytest.mark.parametrize("env_id", envs.env_ids())
def test_registered_env_is_deterministic_under_a_seed(env_id: str) -> None:
    def rollout() -> list[float]:
        env = gym.make(env_id)
        env.reset(seed=11)
        env.action_space.seed(11)
        rewards = []
        for _ in range(12):
            _, reward, terminated, truncated, info = env.step(env.action_space.sample())
            rewards.append(reward)
            if terminated or truncated:
                assert np.isfinite(reward) and "reward_terms" in info
                env.reset()
        return rewards

    assert rollout() == rollout()
