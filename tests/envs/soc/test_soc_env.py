"""archsim/SocSchedule-v0: both checkers, determinism, masks, reward terms summing to the schedule's cost."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import envs
from archsim.errors import InputError
from envs.soc import SocScheduleEnv
from mappers.soc.policies import EarliestFinish

ID = "archsim/SocSchedule-v0"
ZOO = {"source": "zoo", "networks": ["resnet18", "mobilenet_v2"], "jobs": 2, "noise": 0.2}


def test_registered_as_a_scheduling_env() -> None:
    assert ID in envs.scheduling_env_ids() and ID in gym.registry
    assert ID not in envs.env_ids()  # design-search ids only: the search runner cannot take it


@pytest.mark.parametrize(
    "kwargs", [{}, {"tasks": [12, 30], "noise": 0.2, "jobs": 3}, ZOO], ids=["dag", "stream", "zoo"]
)
def test_both_checkers_pass_without_warnings(kwargs: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(ID, **kwargs)
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped, warn=True)


def rollout(seed: int, kwargs: dict, steps: int = 60) -> list[tuple[float, tuple]]:
    env = SocScheduleEnv(**kwargs)
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        obs, reward, done, _, _ = env.step(np.int64(rng.choice(np.flatnonzero(env.action_masks()))))
        out.append((reward, tuple(np.round(obs, 6))))
        if done:
            obs, _ = env.reset()
    return out


@pytest.mark.parametrize("kwargs", [{"noise": 0.2}, ZOO], ids=["dag", "zoo"])
def test_same_seed_same_rollout(kwargs: dict) -> None:
    assert rollout(3, kwargs) == rollout(3, kwargs)
    assert rollout(3, kwargs) != rollout(4, kwargs)


def play_greedy(env: SocScheduleEnv, seed: int) -> tuple[float, dict]:
    """The earliest-finish baseline, decided through the env's actions."""
    env.reset(seed=seed)
    policy = EarliestFinish()
    total, done, info = 0.0, False, {}
    while not done:
        d = env.dispatcher
        task, core = policy.act(d)
        _, reward, done, _, info = env.step(np.int64(d.ready.index(task) * env.n_cores + core))
        total += reward
    return total, info


def test_makespan_terms_sum_to_minus_the_schedule_length_ratio() -> None:
    env = SocScheduleEnv(tasks=[25], weights={"makespan": 1.0, "latency": 0.0, "deadline": 0.0}, slots=25)
    total, info = play_greedy(env, seed=5)
    assert total == pytest.approx(-info["slr"])
    assert info["slr"] >= 1.0 and info["makespan_cycles"] == env.dispatcher.makespan


def test_stream_terms_are_latency_and_deadline_shares() -> None:
    env = SocScheduleEnv(tasks=[15], jobs=4, spacing=0.3, slack=1.2, weights={"makespan": 0.0}, slots=30)
    total, info = play_greedy(env, seed=2)
    assert info["jobs"] == 4 and 0 <= info["deadline_misses"] <= 4
    assert total == pytest.approx(-info["mean_normalised_latency"] - info["deadline_misses"] / 4)


def test_masks_and_invalid_actions() -> None:
    env = SocScheduleEnv(tasks=[20], slots=4)
    env.reset(seed=0)
    d = env.dispatcher
    mask = env.action_masks()
    assert mask[: min(len(d.ready), 4) * env.n_cores].all() and not mask[min(len(d.ready), 4) * env.n_cores : -1].any()
    assert mask[-1] == d.can_wait
    invalid = int(np.flatnonzero(~mask)[0])
    before = d.assigned
    _, reward, _, _, info = env.step(np.int64(invalid))
    assert info["reward_terms"]["invalid"] == -1.0 and reward < 0 and d.assigned == before + 1


def test_bad_arguments_name_what_is_allowed() -> None:
    with pytest.raises(InputError, match="unknown argument 'nois'"):
        SocScheduleEnv(nois=0.1)
    with pytest.raises(InputError, match=r"beta must be in \[0, 2\)"):
        SocScheduleEnv(beta=3)
    with pytest.raises(InputError, match="weights"):
        SocScheduleEnv(weights={"energy": 1.0})
