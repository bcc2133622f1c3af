"""Independent PPO: a tiny training run learns, is deterministic, and searches through the runner and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from toy import TOY_COSEARCH_SPACE, TOY_SPACE, toy_cosearch_evaluator, toy_evaluator

from archsim.cli import main
from archsim.errors import InputError
from envs.marl.env import DesignParallelEnv, parallel_env
from envs.marl.ippo import IndependentPpo
from envs.runner import SearchConfig, run_search
from envs.storage import Storage

FAST = {"n_steps": 32, "batch_size": 16, "n_epochs": 4, "learning_rate": 3e-3, "gamma": 0.0}
"""Short rollouts and a bandit discount (each design's reward is its own), so a few updates show learning."""


def train(seed: int, steps: int) -> tuple[list[tuple[int, ...]], float]:
    """Designs proposed during ``steps`` joint steps of training on the toy space, and the reward of the design
    the trained policies then pick greedily."""
    env = parallel_env(space=TOY_SPACE, evaluator=toy_evaluator())
    designs: list[tuple[int, ...]] = []

    class Recorder(DesignParallelEnv):
        def step(self, actions: Any) -> Any:
            designs.append(tuple(self.joint_action(actions)))
            return super().step(actions)

    recorder = Recorder(env.design_env, env.split)
    trainer = IndependentPpo(recorder, seed, FAST)
    assert trainer.learn(steps) == steps
    observations, _ = env.reset()
    return designs, env.step(trainer.predict(observations))[1]["core"]


def test_training_is_deterministic_and_learns_a_good_design() -> None:
    designs, greedy = train(seed=5, steps=160)
    again, greedy_again = train(seed=5, steps=160)
    other, _ = train(seed=6, steps=8)
    assert designs == again and greedy == greedy_again and designs[:8] != other
    # The reference design scores 0 and a uniformly random one -0.95 on average (toy space, EDP objective).
    assert greedy > 0.5


SPLIT = "array=rows+cols+dataflow,memory=ifmap_sram_kb+dram_bw"
"""An explicit split as the command line gives it (``--param split=...``)."""


def test_marl_ppo_spends_the_budget_and_resumes(tmp_path: Path) -> None:
    def search(budget: int) -> Any:
        config = SearchConfig(
            "archsim/SystolicDSE-v0",
            "marl-ppo",
            budget,
            seed=2,
            env_kwargs={"space": TOY_SPACE},
            agent_kwargs={"n_steps": 16, "batch_size": 8, "split": SPLIT},
            storage=f"sqlite:///{tmp_path / 'm.db'}",
        )
        return run_search(config, toy_evaluator, progress=False)

    first = search(20)
    assert first.evaluations == 20 and first.simulated <= 20
    points = [t.point for t in Storage(f"sqlite:///{tmp_path / 'm.db'}").load(first.study)]
    resumed = search(40)  # replays the 20 stored trials (same proposals), then evaluates 20 more
    assert resumed.evaluations == 40 and resumed.resumed == 20
    assert [t.point for t in Storage(f"sqlite:///{tmp_path / 'm.db'}").load(resumed.study)][:20] == points


def test_marl_ppo_needs_a_one_design_env_and_a_valid_split(tmp_path: Path) -> None:
    def search(env_id: str, params: dict[str, Any]) -> None:
        config = SearchConfig(
            env_id, "marl-ppo", 4, env_kwargs={"space": TOY_SPACE}, agent_kwargs=params,
            storage=f"sqlite:///{tmp_path / f'{len(params)}{env_id[-6:]}.db'}",
        )  # fmt: skip
        run_search(config, toy_evaluator, progress=False)

    with pytest.raises(InputError, match="needs a one-design env"):
        search("archsim/SystolicDSESeq-v0", {})
    with pytest.raises(InputError, match="dram_bw, dataflow of space toy have no agent"):
        search("archsim/SystolicDSE-v0", {"split": {"a": ["rows", "cols", "ifmap_sram_kb"]}})


def test_cli_search_with_marl_ppo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    storage = f"sqlite:///{tmp_path / 'c.db'}"
    argv = ["search", "--agent", "marl-ppo", "--budget", "6", "--storage", storage, "--format", "json"]
    small = ["--param", "n_steps=4", "--param", "batch_size=4", "--no-progress"]
    assert main([*argv, *small]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["agent"] == "marl-ppo" and data["evaluations"] == 6 and data["best"] is not None
    assert main([*argv, *small, "--param", "split=core=rows+cols"]) == 2
    assert "have no agent" in capsys.readouterr().err.strip().splitlines()[-1]


def test_one_agent_owning_every_knob_replays_sb3_ppo_exactly(tmp_path: Path) -> None:
    """The trainer's joint rollout loop is SB3's own: with a single agent it proposes the same designs as ``ppo``
    (same seed, same hyperparameters), through a PPO update (70 designs > n_steps 64)."""

    def points(agent: str, params: dict[str, Any]) -> list[tuple[int, ...]]:
        storage = f"sqlite:///{tmp_path / f'{agent}.db'}"
        config = SearchConfig(
            "archsim/SystolicDSE-v0", agent, 70, seed=3, env_kwargs={"space": TOY_SPACE}, agent_kwargs=params,
            storage=storage,
        )  # fmt: skip
        return [t.point for t in Storage(storage).load(run_search(config, toy_evaluator, progress=False).study)]

    single = points("ppo", {})
    assert points("marl-ppo", {"split": {"all": list(TOY_SPACE.names)}}) == single
    assert len(set(single[64:])) > 1


def test_marl_ppo_co_searches_with_a_network_agent(tmp_path: Path) -> None:
    config = SearchConfig(
        "archsim/CoSearch-v0", "marl-ppo", 8, env_kwargs={"space": TOY_COSEARCH_SPACE},
        agent_kwargs={"n_steps": 4, "batch_size": 4}, storage=f"sqlite:///{tmp_path / 'co.db'}",
    )  # fmt: skip
    result = run_search(config, toy_cosearch_evaluator, progress=False)
    assert result.evaluations == 8 and result.best is not None
    assert {"width", "bits", "rows"} <= set(result.best["design"])
