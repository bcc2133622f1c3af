"""Every registered env, as users make it (real simulator, default workload): both checkers, no warnings."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import envs
from envs.accuracy import FunctionEvaluator

COSEARCH_ID = "archsim/CoSearch-v0"
HETERO_ID = "archsim/HeteroCoSearch-v0"


def stub_accuracy(choices: dict) -> float:
    """A cheap stand-in for proxy training: wider and more bits score higher."""
    return 0.5 + 0.1 * float(choices["s1_width"]) + 0.01 * int(choices["s1_bits"])


def make(env_id: str, **kwargs: object) -> gym.Env:
    """The env as users make it; co-search with a stand-in accuracy instead of proxy training (seconds, not minutes),
    heterogeneous co-search on its small space."""
    if env_id in (COSEARCH_ID, HETERO_ID):
        kwargs.setdefault("accuracy", FunctionEvaluator(stub_accuracy, "registry-stub"))
    if env_id == HETERO_ID:
        kwargs.setdefault("space", "hetero-2core")  # 1-2 small cores: a system simulation per step stays ~0.1 s
    return gym.make(env_id, **kwargs)


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
    doc = type(make(env_id).unwrapped).__doc__ or ""
    assert all(section in doc for section in SECTIONS)


@pytest.mark.parametrize("env_id", envs.env_ids())
def test_registered_env_passes_gymnasium_and_sb3_checkers(env_id: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = make(env_id)
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped, warn=True)


@pytest.mark.parametrize("env_id", envs.env_ids())
def test_registered_env_is_deterministic_under_a_seed(env_id: str) -> None:
    def rollout() -> list[float]:
        env = make(env_id)
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


def test_cosearch_with_its_default_proxy_trainer_end_to_end() -> None:
    """The real accuracy signal (proxy training on digits) through the registered env: reset and two steps."""
    env = gym.make(COSEARCH_ID)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    space = env.unwrapped.space
    for action in (space.reference, tuple(0 for _ in space.knobs)):
        obs, reward, _, _, info = env.step(np.array(action))
        assert env.observation_space.contains(obs) and np.isfinite(reward)
        assert info["valid"] and 0.0 < info["metrics"]["accuracy"] <= 1.0
        assert reward == pytest.approx(sum(info["reward_terms"].values()))
