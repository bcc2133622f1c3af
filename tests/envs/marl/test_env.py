"""The PettingZoo form: API checks, the same designs and rewards as the single-agent env, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test
from toy import TOY_COSEARCH_SPACE, TOY_SPACE, toy_cosearch_evaluator, toy_evaluator

from archsim.errors import InputError
from envs.dse import DesignEnv
from envs.marl.env import DesignParallelEnv, parallel_env


def toy_parallel(episode_length: int = 6) -> DesignParallelEnv:
    return parallel_env(space=TOY_SPACE, evaluator=toy_evaluator(), episode_length=episode_length)


def test_parallel_api_and_seed_tests_pass() -> None:
    parallel_api_test(toy_parallel(), num_cycles=20)
    parallel_seed_test(toy_parallel)
    cosearch = parallel_env("archsim/CoSearch-v0", space=TOY_COSEARCH_SPACE, evaluator=toy_cosearch_evaluator())
    parallel_api_test(cosearch, num_cycles=40)


def test_joint_design_scores_as_in_the_single_agent_env() -> None:
    env = toy_parallel()
    single = DesignEnv(space=TOY_SPACE, evaluator=toy_evaluator())
    observations, _ = env.reset(seed=0)
    single_obs, _ = single.reset(seed=0)
    assert set(observations) == {"core", "memory"}
    rng = np.random.default_rng(1)
    for _ in range(5):
        point = rng.integers(0, TOY_SPACE.cardinalities)  # rows, cols, ifmap_sram_kb, dram_bw, dataflow
        actions = {"core": point[[0, 1, 4]], "memory": point[[2, 3]]}
        observations, rewards, _, _, infos = env.step(actions)
        single_obs, reward, _, _, info = single.step(point)
        assert rewards == {"core": reward, "memory": reward}
        assert infos["core"]["design"] == TOY_SPACE.decode(point) == info["design"]
        assert infos["memory"]["reward_terms"] == info["reward_terms"]
        np.testing.assert_array_equal(env.state(), single_obs)
        np.testing.assert_array_equal(observations["core"], single_obs[[0, 1, 4, 5, 6, 7, 8, 9]])
        np.testing.assert_array_equal(observations["memory"], single_obs[[2, 3, 5, 6, 7, 8, 9]])
        assert all(env.observation_space(a).contains(o) for a, o in observations.items())


def test_episode_ends_for_every_agent_at_once() -> None:
    env = toy_parallel(episode_length=2)
    env.reset(seed=0)
    sample = {a: env.action_space(a).sample() for a in env.agents}
    _, _, _, truncations, _ = env.step(sample)
    assert not any(truncations.values()) and env.agents == ["core", "memory"]
    _, _, _, truncations, _ = env.step(sample)
    assert all(truncations.values()) and env.agents == []
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(sample)


def test_bad_joint_actions_say_which_agent() -> None:
    env = toy_parallel()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="no action for agent\\(s\\) memory"):
        env.step({"core": np.array([0, 0, 0])})
    with pytest.raises(ValueError, match="agent core: expected 3 knob indices"):
        env.step({"core": np.array([0, 0]), "memory": np.array([0, 0])})


def test_only_one_design_envs_have_a_multi_agent_form() -> None:
    with pytest.raises(InputError, match="not a one-design env"):
        parallel_env("archsim/SystolicDSESeq-v0", space=TOY_SPACE, evaluator=toy_evaluator())
