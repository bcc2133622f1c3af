"""The DSE envs on a stand-in evaluator: API checks, determinism, rewards in info, invalid designs."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env
from toy import TOY_SPACE, toy_env_kwargs, toy_evaluator

import envs
from archsim.errors import InputError


def make(env_id: str, **kwargs: object) -> gym.Env:
    """Any registered env on a stand-in space and evaluator (a toy co-search space for co-search envs)."""
    return gym.make(env_id, **toy_env_kwargs(env_id), **kwargs)


@pytest.mark.parametrize("env_id", envs.env_ids())
def test_both_env_checkers_pass_without_warnings(env_id: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = make(env_id, budgets={"area_mm2": 2.0})
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped, warn=True)


def rollout(env_id: str, seed: int, steps: int = 40) -> list[tuple[float, tuple]]:
    env = make(env_id)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    out = []
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        out.append((reward, tuple(np.round(obs, 6))))
        if terminated or truncated:
            env.reset()
    return out


@pytest.mark.parametrize("env_id", envs.env_ids())
def test_same_seed_same_rollout(env_id: str) -> None:
    assert rollout(env_id, 3) == rollout(env_id, 3)
    assert rollout(env_id, 3) != rollout(env_id, 4)


def test_dse_step_reports_design_metrics_and_terms() -> None:
    env = make("archsim/SystolicDSE-v0", objectives={"latency": 1.0, "area": 0.5}, budgets={"area_mm2": 1.0})
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    action = np.array(TOY_SPACE.encode({"rows": 32, "cols": 32, "dataflow": "os"}))
    obs, reward, terminated, truncated, info = env.step(action)
    assert info["design"]["rows"] == 32 and info["valid"]
    assert set(info["reward_terms"]) == {"latency", "area", "area_budget", "invalid"}
    assert reward == pytest.approx(sum(info["reward_terms"].values()))
    assert info["reward_terms"]["area_budget"] < 0  # 32x32 is over a 1 mm^2 budget
    assert {"latency_s", "energy_pj", "edp_js", "area_mm2", "power_w"} <= set(info["metrics"])
    assert not terminated and not truncated


def test_invalid_design_is_penalised_not_raised() -> None:
    env = make("archsim/SystolicDSE-v0", invalid_penalty=5.0)
    env.reset(seed=0)
    action = np.array(TOY_SPACE.encode({"rows": 32, "cols": 32, "dataflow": "is"}))
    obs, reward, _, _, info = env.step(action)
    assert reward == -5.0 and not info["valid"] and "does not fit" in info["metrics"]["error"]
    assert obs[-1] == -1.0


def test_dse_truncates_after_episode_length() -> None:
    env = make("archsim/SystolicDSE-v0", episode_length=3)
    env.reset(seed=0)
    flags = [env.step(env.action_space.sample())[3] for _ in range(3)]
    assert flags == [False, False, True]


def test_sequential_env_sets_one_knob_per_step_and_rewards_at_the_end() -> None:
    env = make("archsim/SystolicDSESeq-v0")
    env.reset(seed=0)
    n = len(TOY_SPACE.knobs)
    rewards, done, info = [], False, {}
    for _ in range(n):
        _, reward, done, _, info = env.step(env.action_space.n - 1)  # the last value of every knob
        rewards.append(reward)
    assert done and rewards[:-1] == [0.0] * (n - 1)
    assert info["design"] == {k.name: k.values[-1] for k in TOY_SPACE.knobs}
    assert rewards[-1] == -10.0  # 32x32 'is' is invalid in the toy model


def test_every_value_reachable_in_sequential_env() -> None:
    env = make("archsim/SystolicDSESeq-v0").unwrapped
    for position, knob in enumerate(TOY_SPACE.knobs):
        reached = {env.value_index(a, position) for a in range(env.action_space.n)}
        assert reached == set(range(len(knob)))


def test_bad_constructor_arguments_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown objective"):
        make("archsim/SystolicDSE-v0", objectives={"throughput": 1.0})
    with pytest.raises(InputError, match="unknown design space"):
        gym.make("archsim/SystolicDSE-v0", space="nope", evaluator=toy_evaluator())
