"""Constraints in user units: parsing, one-line errors, and budgets the reward and the CLI apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archsim.cli import main
from archsim.errors import InputError
from envs.constraints import budgets_from, parse_constraint, parse_constraints


@pytest.mark.parametrize(
    ("text", "metric", "bound"),
    [
        ("fps>=30", "latency_s", 1 / 30),
        ("FPS >= 60 fps", "latency_s", 1 / 60),
        ("latency<=5ms", "latency_s", 5e-3),
        ("power<=2W", "power_w", 2.0),
        ("power<=500mW", "power_w", 0.5),
        ("energy<=1.5mJ", "energy_pj", 1.5e9),
        ("area<=4mm2", "area_mm2", 4.0),
        ("dsp<=0.5", "dsp_pct", 50.0),
        ("lut<=60%", "lut_pct", 60.0),
        ("bram<=0.25", "bram18k_pct", 25.0),
        ("sram<=512KB", "sram_kb", 512.0),
        ("sram<=2MiB", "sram_kb", 2048.0),
        ("latency_s=0.002", "latency_s", 0.002),
        ("power_w<=3", "power_w", 3.0),
    ],
)
def test_user_units_become_metric_upper_bounds(text: str, metric: str, bound: float) -> None:
    assert parse_constraint(text) == (metric, pytest.approx(bound))


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("fps<=30", "fps takes a lower bound: >="),
        ("power>=2W", "power takes an upper bound: <="),
        ("speed<=3", "unknown name 'speed'; allowed: fps, latency"),
        ("power<=2kW", "unknown unit 'kW' for power; allowed: (none), w, mw"),
        ("dsp<=50", "a fraction of the board in (0, 1] or a percentage"),
        ("sram<=0KB", "the bound must be a number > 0"),
        ("fps 30", "expected NAME<=VALUE[UNIT]"),
    ],
)
def test_bad_constraints_are_one_line_input_errors(text: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        parse_constraint(text)
    assert needle in str(info.value) and "\n" not in str(info.value) and text in str(info.value)


def test_tighter_bound_wins_and_the_api_takes_strings_or_metric_dicts() -> None:
    assert parse_constraints(["fps>=30", "latency<=10ms"]) == {"latency_s": pytest.approx(0.01)}
    assert budgets_from(["fps>=25", "power<=2W"]) == {"latency_s": pytest.approx(0.04), "power_w": 2.0}
    assert budgets_from("sram<=1MB") == {"sram_kb": 1024.0}
    assert budgets_from({"dsp_pct": 50}) == {"dsp_pct": 50.0}
    with pytest.raises(InputError, match="unknown metric 'dsp'"):
        budgets_from({"dsp": 0.5})


def test_cli_search_applies_board_and_frame_rate_constraints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = f"sqlite:///{tmp_path / 's.db'}"
    argv = ["search", "--env", "archsim/FpgaDSE-v0", "--workload", "alexnet", "--agent", "random", "--budget", "4"]
    limits = ["--constraint", "fps>=1000", "--constraint", "dsp<=1%", "--constraint", "sram<=64KB"]
    code = main([*argv, *limits, "--storage", storage, "--no-progress", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["evaluations"] == 4
    metrics = data["best"]["metrics"]
    assert {"dsp_pct", "sram_kb"} <= set(metrics)
    # 1000 fps on 1% of the DSPs and 64 KB of block RAM: the best design still breaks the specs, by name
    violated = data["best_violates"]
    assert violated["latency_s"]["bound"] == pytest.approx(1e-3) and violated["dsp_pct"]["bound"] == 1.0
    assert data["best_reward_terms"]["latency_budget"] < 0 and data["best_reward_terms"]["dsp_budget"] < 0
    assert metrics["dsp_pct"] > 1.0 and (metrics["sram_kb"] <= 64 or "sram_kb" in violated)


def test_cli_rejects_a_constraint_the_family_does_not_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = f"sqlite:///{tmp_path / 's.db'}"
    code = main(["search", "--budget", "2", "--constraint", "dsp<=0.5", "--storage", storage, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "reports no dsp_pct" in err
