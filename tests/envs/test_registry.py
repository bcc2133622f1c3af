"""Every registered env, as users make it (real simulator, default workload): both checkers, no warnings."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import envs

SECTIONS = (
    "## Description",
    "## Action Space",
    "## Observation Space",
    "## Rewards",
    "## Starting State",
    "## Episode End",
    "## Arguments",
    "## Version History",
)


def test_registry_is_data_with_family_ids() -> None:
    ids = envs.env_ids()
    for family in ("Systolic", "Fpga", "Npu"):
        assert f"archsim/{family}DSE-v0" in ids and f"archsim/{family}DSESeq-v0" in ids
    assert all(i in gym.registry for i in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("env_id", envs.env_ids())
def test_registered_env_docstring_has_gymnasium_sections(env_id: str) -> None:
    doc = type(gym.make(env_id).unwrapped).__doc__ or ""
    assert all(section in doc for section in SECTIONS)


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


def test_fpga_design_that_does_not_fit_is_penalised_with_the_reason() -> None:
    env = gym.make("archsim/FpgaDSE-v0", invalid_penalty=4.0)
    env.reset(seed=0)
    space = env.unwrapped.space
    action = np.array(space.encode({"board": "pynqz2", "tm": 256, "tn": 32, "precision": "fp32"}))
    _, reward, _, _, info = env.step(action)
    assert reward == -4.0 and not info["valid"] and "does not fit pynqz2" in info["metrics"]["error"]


def test_fpga_resource_use_is_a_metric_and_an_objective() -> None:
    env = gym.make("archsim/FpgaDSE-v0", objectives={"latency": 1.0, "resources": 0.5})
    env.reset(seed=0)
    space = env.unwrapped.space
    _, reward, _, _, info = env.step(np.array(space.encode({"board": "zcu102", "tm": 32, "tn": 4})))
    assert 0 < info["metrics"]["dsp_pct"] <= info["metrics"]["resource_pct"] <= 100
    assert info["reward_terms"]["resources"] > 0  # fewer DSPs than the 64x8 reference
    assert reward == sum(info["reward_terms"].values())
