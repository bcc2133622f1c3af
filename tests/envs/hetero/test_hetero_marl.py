"""HeteroCoSearch-v0 in its multi-agent form: one agent per core, the memory system and the network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hetero_stub import stub_accuracy
from pettingzoo.test import parallel_api_test

from archsim.cli import main
from envs.accuracy import FunctionEvaluator
from envs.marl.env import parallel_env

TABLE = "s1_width,s1_expand,accuracy\n0.5,3,0.80\n0.5,6,0.84\n1.0,3,0.86\n1.0,6,0.90\n"


def test_parallel_form_splits_the_knobs_per_core_and_passes_the_api_test() -> None:
    accuracy = FunctionEvaluator(stub_accuracy, "hetero-marl-stub")
    env = parallel_env("archsim/HeteroCoSearch-v0", space="hetero-2core", accuracy=accuracy)
    env.reset(seed=0)
    assert sorted(env.agents) == ["core0", "core1", "memory", "network"]
    parallel_api_test(env, num_cycles=6)


def test_marl_ppo_searches_the_hetero_space_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "accuracy.csv"
    table.write_text(TABLE)
    args = ["search", "--env", "archsim/HeteroCoSearch-v0", "--space", "hetero-2core", "--agent", "marl-ppo"]
    args += ["--budget", "8", "--seed", "0", "--accuracy", str(table)]
    args += ["--param", "n_steps=4", "--param", "batch_size=4"]
    args += ["--storage", f"sqlite:///{tmp_path / 'marl.db'}", "--no-progress", "--format", "json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["evaluations"] == 8
    assert report["best"]["metrics"]["accuracy"] in (0.80, 0.84, 0.86, 0.90)
    assert any(k.startswith("core1_") for k in report["best"]["design"])
