"""LLM-serving search: serving figures in design metrics, their reward terms, and the registered env."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import envs
from archsim.cli import main
from envs.catalog import get_space
from envs.evaluate import SimulatorEvaluator
from workloads.registry import load_workload

SPEC = "llama3.2-1b:phase=decode,context=1024,batch=4,wbits=8,abits=8,layers=2"


def test_designs_carry_serving_figures_and_more_bandwidth_serves_faster() -> None:
    space = get_space("llm-serving")
    evaluator = SimulatorEvaluator(space, load_workload(SPEC))  # type: ignore[arg-type]
    slow = space.encode({"dram_bw": 8})
    fast = space.encode({"dram_bw": 128})
    low, high = evaluator.evaluate_many([slow, fast])
    assert {"tpot_s", "tokens_per_s", "energy_per_token_pj"} <= set(low.extra)
    assert high.get("tpot_s") < low.get("tpot_s") and high.get("tokens_per_s") > low.get("tokens_per_s")
    assert low.get("tokens_per_s") == 4 / low.get("tpot_s")


def test_serving_objectives_and_budget_score_a_design() -> None:
    assert "archsim/LlmServingDSE-v0" in envs.env_ids()
    env = gym.make(
        "archsim/LlmServingDSE-v0",
        workload=SPEC,
        objectives={"energy_per_token": 1.0, "tokens_per_s": 0.5},
        budgets={"tpot_s": 1e-4},
    )
    env.reset(seed=0)
    space = env.unwrapped.space
    *_, info = env.step(np.array(space.encode({"dram_bw": 8, "rows": 32, "cols": 32})))
    terms = info["reward_terms"]
    assert set(terms) == {"energy_per_token", "tokens_per_s", "tpot_budget", "invalid"}
    assert terms["tpot_budget"] < 0 and terms["tokens_per_s"] < 0  # slower than the reference and the spec


def test_documented_random_search_finds_the_quoted_design(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/llm.md and README: 30 random designs (seed 0) meet 200 tokens/s at 242.7 tokens/s, 98.7 mJ/token."""
    argv = ["search", "--env", "archsim/LlmServingDSE-v0", "--agent", "random", "--budget", "30", "--seed", "0"]
    assert main([*argv, "--storage", f"sqlite:///{tmp_path / 's.db'}", "--no-progress", "--format", "json"]) == 0
    best = json.loads(capsys.readouterr().out)["best"]
    design = {"rows": 256, "cols": 128, "filter_sram_kb": 1024, "ifmap_sram_kb": 256, "dram_bw": 128, "dataflow": "os"}
    assert best["design"] == design
    metrics = best["metrics"]
    figures = (metrics["tpot_s"] * 1e3, metrics["tokens_per_s"], metrics["energy_per_token_pj"] * 1e-9)
    assert (round(figures[0], 1), round(figures[1], 1), round(figures[2], 1)) == (16.5, 242.7, 98.7)
