"""archsim/HeteroCoSearch-v0: determinism, ignored knobs simulated once, metrics, specs and bad spaces."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hetero_stub import stub_accuracy

import envs
from archsim.area import sram_mm2
from archsim.errors import InputError
from archsim.system.metrics import system_area_mm2
from envs.accuracy import FunctionEvaluator
from envs.hetero.env import ENV_ID, HETERO_OBJECTIVES, HETERO_SPECS
from workloads.precision import Precision

ACCURACY = FunctionEvaluator(stub_accuracy, "hetero-env-stub")


def make(**kwargs: object) -> gym.Env:
    return gym.make(ENV_ID, space="hetero-2core", accuracy=ACCURACY, **kwargs)


def test_registered_defaults_are_the_env_defaults() -> None:
    spec = next(s for s in envs.ENVS if s["id"] == ENV_ID)
    assert spec["kwargs"]["objectives"] == HETERO_OBJECTIVES and spec["kwargs"]["budgets"] == HETERO_SPECS
    assert gym.spec(ENV_ID).kwargs["space"] == "hetero-small"


def test_same_seed_same_rewards() -> None:
    def rollout(seed: int) -> list[float]:
        env = make()
        env.reset(seed=seed)
        env.action_space.seed(seed)
        return [float(env.step(env.action_space.sample())[1]) for _ in range(6)]

    assert rollout(3) == rollout(3)


def test_designs_differing_in_ignored_knobs_are_one_simulation() -> None:
    env = make()
    env.reset(seed=0)
    space = env.unwrapped.space
    base = space.decode(space.reference) | {"n_cores": 1, "core0_family": "npu"}
    twin = base | {"core0_dataflow": "os", "core1_family": "npu", "core1_size": 128}
    simulated = env.unwrapped.task.evaluator._by_system
    before = len(simulated)
    _, reward, _, _, info = env.step(np.array(space.encode(base)))
    _, twin_reward, _, _, twin_info = env.step(np.array(space.encode(twin)))
    assert set(info["ignored"]) == {"core0_dataflow", "core1_family", "core1_size", "core1_dataflow", "core1_sram_kb"}
    assert twin_info["metrics"] == info["metrics"] and twin_reward == reward
    assert len(simulated) == before + 1


def test_metrics_count_the_npu_arena_and_score_the_specs() -> None:
    env = make(budgets={"latency_s": 1e-6, "power_w": 100.0})
    env.reset(seed=0)
    space = env.unwrapped.space
    design = space.decode(space.reference) | {"n_cores": 2, "core0_family": "systolic", "core1_family": "npu"}
    _, reward, _, _, info = env.step(np.array(space.encode(design)))
    metrics = info["metrics"]
    system = space.hardware_config(design)
    arena = sram_mm2(system.cores[1].cache_kb)
    assert metrics["area_mm2"] == pytest.approx(system_area_mm2(system, Precision.INT8) + arena)
    assert metrics["sram_kb"] == 2 * 128 and metrics["n_cores"] == 2
    assert metrics["power_w"] == pytest.approx(metrics["energy_pj"] * 1e-12 / metrics["latency_s"])
    assert metrics["latency_s"] >= metrics["macs"] / (128 + 256) / 1e9  # two cores at their peaks, 1 GHz
    assert info["reward_terms"]["latency_budget"] < -10 and info["reward_terms"].get("power_budget", 0.0) == 0.0
    assert reward == pytest.approx(sum(info["reward_terms"].values()))


def test_a_space_without_a_hetero_system_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match="not a heterogeneous system; allowed: hetero-small, hetero-2core"):
        gym.make(ENV_ID, space="cosearch-small", accuracy=ACCURACY)
