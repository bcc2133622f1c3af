"""Co-search of weight bit-width x hardware on a 7B-class decoder (``cosearch-llm-bits``).

The accuracy side is the published perplexity table (envs.llm.WEIGHT_BITS_PERPLEXITY); the hardware
side is archsim's: fewer weight bits read fewer DRAM bytes, so a decode step costs less energy and,
on a bandwidth-bound array, less time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archsim.cli import main
from envs.cosearch.catalog import get_cosearch_space
from envs.cosearch.env import accuracy_evaluator
from envs.cosearch.evaluate import CoSearchFactory
from envs.llm import WEIGHT_BITS_PERPLEXITY, PerplexityEvaluator

SPACE = get_cosearch_space("cosearch-llm-bits")
HARDWARE = {"rows": 128, "cols": 128, "filter_sram_kb": 1024, "ifmap_sram_kb": 256, "dram_bw": 16, "dataflow": "os"}


def test_accuracy_is_relative_perplexity_from_the_table() -> None:
    evaluator = accuracy_evaluator("llm-perplexity", "llm")
    assert isinstance(evaluator, PerplexityEvaluator)
    assert evaluator.evaluate({"wbits": 16}) == 1.0
    assert evaluator.evaluate({"wbits": 4}) == pytest.approx(5.47 / 5.60)
    assert set(WEIGHT_BITS_PERPLEXITY) == set(SPACE.knob("wbits").values)


def test_fewer_weight_bits_cost_less_energy_and_time_per_token() -> None:
    evaluator = CoSearchFactory(SPACE, PerplexityEvaluator())()
    base = {k.name: k.values[0] for k in SPACE.knobs} | HARDWARE
    metrics = {bits: evaluator.evaluate(SPACE.encode(base | {"wbits": bits})) for bits in (4, 8, 16)}
    energy = [metrics[b].energy_pj for b in (4, 8, 16)]
    latency = [metrics[b].latency_s for b in (4, 8, 16)]
    assert energy[0] < energy[1] < energy[2]
    assert latency[0] < latency[1] < latency[2]
    assert metrics[4].extra["accuracy"] < metrics[8].extra["accuracy"] == metrics[16].extra["accuracy"] == 1.0


def test_documented_exhaustive_search_picks_w4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/llm.md: W4 on a 64 x 256 os array at 64 words/cycle, TPOT 28.4 ms, 1.13 J per token, 34.2 mm^2."""
    argv = ["search", "--env", "archsim/CoSearch-v0", "--workload", "llm", "--space", "cosearch-llm-bits"]
    argv += ["--accuracy", "llm-perplexity", "--agent", "exhaustive", "--budget", "162", "--seed", "0"]
    argv += ["--constraint", "latency_s=0.05", "--constraint", "area_mm2=1000", "--format", "json", "--no-progress"]
    assert main([*argv, "--storage", f"sqlite:///{tmp_path / 'b.db'}"]) == 0
    best = json.loads(capsys.readouterr().out)["best"]
    picked = {key: best["design"][key] for key in ("wbits", "rows", "cols", "dram_bw", "dataflow")}
    assert picked == {"wbits": 4, "rows": 64, "cols": 256, "dram_bw": 64, "dataflow": "os"}
    m = best["metrics"]
    figures = (round(m["latency_s"] * 1e3, 1), round(m["energy_pj"] * 1e-12, 2), round(m["area_mm2"], 1))
    assert figures == (28.4, 1.13, 34.2)
    assert round(m["accuracy"], 3) == 0.977
