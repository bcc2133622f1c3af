"""archsim/CoSearch-v0: both env checkers, determinism, info, failures, and the real trainer in one bounded step."""

from __future__ import annotations

import math
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env
from stub import StubAccuracy

import envs
from archsim.errors import InputError
from envs.accuracy import FamilyProxy, FunctionEvaluator, ProxyTrainer, TrainingSetup
from envs.cosearch import get_cosearch_space
from workloads.families import OfaMobileNetV2

ID = "archsim/CoSearch-v0"


def make(**kwargs: object) -> gym.Env:
    return gym.make(ID, accuracy=StubAccuracy(), **kwargs)


def test_registered_and_both_checkers_pass_without_warnings() -> None:
    assert ID in envs.env_ids()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = make()
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped, warn=True)


def test_docstring_has_gymnasium_sections() -> None:
    doc = type(make().unwrapped).__doc__ or ""
    for section in ("Description", "Action Space", "Observation Space", "Rewards", "Starting State", "Episode End"):
        assert f"## {section}" in doc
    assert "## Arguments" in doc and "## Version History" in doc


def rollout(seed: int) -> list[float]:
    env = make()
    env.reset(seed=seed)
    env.action_space.seed(seed)
    return [float(env.step(env.action_space.sample())[1]) for _ in range(15)]


def test_same_seed_same_rollout() -> None:
    assert rollout(5) == rollout(5)
    assert rollout(5) != rollout(6)


def test_step_info_has_network_hardware_metrics_and_named_terms() -> None:
    env = make(objectives={"accuracy": 10.0, "latency": 1.0}, budgets={"latency_s": 1e-4, "area_mm2": 100.0})
    env.reset(seed=0)
    space = env.unwrapped.space
    design = space.decode(space.reference) | {"bits": 16, "rows": 8, "cols": 8}
    obs, reward, terminated, truncated, info = env.step(np.array(space.encode(design)))
    assert info["network"]["bits"] == 16 and info["hardware"]["rows"] == 8
    assert set(info["reward_terms"]) == {"accuracy", "latency", "latency_budget", "area_budget", "invalid"}
    assert info["reward_terms"]["latency_budget"] < 0 and info["reward_terms"]["area_budget"] == 0
    assert reward == pytest.approx(sum(info["reward_terms"].values()))
    metrics = info["metrics"]
    assert {"accuracy", "error_rate", "macs", "datapath_bits", "latency_s", "energy_pj", "area_mm2"} <= set(metrics)
    assert metrics["datapath_bits"] == 16
    assert obs[-1] == pytest.approx(2 * metrics["accuracy"] - 1, abs=1e-6)
    assert not terminated and not truncated


def test_failing_evaluator_gives_the_invalid_penalty_and_the_error() -> None:
    def flaky(choices: dict) -> float:
        if choices["s1_kernel"] == 7:
            raise RuntimeError("out of memory")
        return 0.7

    env = gym.make(ID, accuracy=FunctionEvaluator(flaky, name="flaky"), invalid_penalty=3.0)
    env.reset(seed=0)
    space = env.unwrapped.space
    obs, reward, *_, info = env.step(np.array(space.encode(space.decode(space.reference) | {"kernel": 7})))
    assert reward == -3.0 and not info["valid"] and "out of memory" in info["metrics"]["error"]
    assert obs[-1] == -1.0 and obs[-2] == -1.0


def test_bad_arguments_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown co-search space"):
        gym.make(ID, space="nope", accuracy=StubAccuracy())
    with pytest.raises(InputError, match="unknown evaluator"):
        gym.make(ID, accuracy="imagenet")
    with pytest.raises(InputError, match="searches family"):
        gym.make(ID, workload="tiny_transformer", accuracy=StubAccuracy())


def test_real_proxy_trainer_in_one_bounded_step() -> None:
    space = get_cosearch_space("cosearch-small")
    trainer = ProxyTrainer(FamilyProxy(OfaMobileNetV2()), TrainingSetup(epochs=1), name="proxy-test-e1")
    env = gym.make(ID, space=space, accuracy=trainer)
    env.reset(seed=0)
    small = space.decode(space.reference) | {"depth": 1, "expand": 3, "resolution": 128, "width": 0.5}
    *_, info = env.step(np.array(space.encode(small)))
    accuracy, reference = info["metrics"]["accuracy"], env.unwrapped.task.reference.extra["accuracy"]
    assert info["valid"] and 0.0 <= accuracy <= 1.0
    # chance is ~0.10 (10 classes); stale batch-norm statistics once put every 1-epoch network there
    assert min(accuracy, reference) > 0.25
    assert info["reward_terms"]["accuracy"] == pytest.approx(10.0 * math.log(accuracy / reference))
    assert info["reward_terms"]["accuracy"] != 0.0
