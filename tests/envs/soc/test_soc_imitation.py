"""Imitation of HEFT in archsim/SocSchedule-v0: the advisor replays the heft baseline exactly, demonstrations
carry the episode's return, pretraining fits the expert, batched evaluation equals one episode at a time."""

from __future__ import annotations

import numpy as np
import pytest

from envs.soc.agent import evaluate_baseline, evaluate_model, train_maskable_ppo
from envs.soc.env import SocScheduleEnv
from envs.soc.imitation import demonstrations

STREAM = {"tasks": [8, 14], "jobs": 3, "spacing": 0.3, "noise": 0.2}


@pytest.mark.parametrize("kwargs", [{"tasks": [15]}, STREAM], ids=["dag", "noisy-stream"])
def test_following_the_advisor_replays_the_heft_baseline(kwargs: dict) -> None:
    env = SocScheduleEnv(**kwargs)
    for seed in range(3):
        env.reset(seed=seed)
        done, info = False, {}
        while not done:
            _, _, done, _, info = env.step(np.int64(env.advised_action()))
        assert "invalid" not in info["reward_terms"]
        heft = evaluate_baseline("heft", kwargs, [seed])[0]
        assert info["makespan_cycles"] == heft["makespan_cycles"]
        assert info["mean_latency_cycles"] == heft["mean_latency_cycles"]


def test_demonstrations_hold_each_episode_return_at_its_first_step() -> None:
    seeds = [3, 4]
    data = demonstrations(STREAM, seeds)
    env = SocScheduleEnv(**STREAM)
    starts = [0]
    for seed in seeds:
        env.reset(seed=seed)
        steps = 0
        done = False
        while not done:
            _, _, done, _, info = env.step(np.int64(env.advised_action()))
            steps += 1
        starts.append(starts[-1] + steps)
        expected = -(info["slr"] + info["mean_normalised_latency"] + info["deadline_misses"] / info["jobs"])
        assert data.returns[starts[-2]] == pytest.approx(expected, rel=1e-5)
    assert len(data.actions) == starts[-1]
    assert data.masks[np.arange(len(data.actions)), data.actions].all()  # the expert only takes valid actions
    with pytest.raises(ValueError, match="expert must be"):
        demonstrations(STREAM, seeds, expert="oracle")


def test_pretraining_fits_the_expert_and_batched_evaluation_matches_sequential() -> None:
    kwargs = {"tasks": [10], "noise": 0.2}
    model = train_maskable_ppo(kwargs, 0, seed=0, params={"imitation_episodes": 40, "n_steps": 32, "batch_size": 16})
    assert model.imitation["agreement"] > 0.8  # an untrained policy picks among ~10-40 valid actions
    seeds = [10, 11, 12, 13]
    batched = evaluate_model(model, kwargs, seeds)
    single = [evaluate_model(model, kwargs, [s])[0] for s in seeds]
    assert batched == single
    heft = evaluate_baseline("heft", kwargs, seeds)
    assert sum(b["makespan_cycles"] == h["makespan_cycles"] for b, h in zip(batched, heft, strict=True)) >= 2
