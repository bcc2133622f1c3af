"""What a search tells its user: broken constraints, resumed studies, where trials go, default budgets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from toy import TOY_SPACE, toy_evaluator

from archsim.cli import main
from archsim.errors import InputError
from envs.results import SearchResult
from envs.runner import SearchConfig, run_search

ENV = "archsim/SystolicDSE-v0"


def _search(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["search", "-w", "alexnet", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_impossible_constraint_reports_the_best_design_as_violating_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = ["--storage", f"sqlite:///{tmp_path / 's.db'}", "--budget", "4"]
    code, out, _ = _search([*storage, "--constraint", "area_mm2=0.001", "-f", "json"], capsys)
    data = json.loads(out)
    area = data["best"]["metrics"]["area_mm2"]
    assert code == 0 and data["best_violates"] == {"area_mm2": {"value": area, "bound": 0.001}} and area > 0.001
    code, table, _ = _search([*storage, "--constraint", "area_mm2=0.001"], capsys)
    assert re.search(r"VIOLATES\s+area_mm2 = [\d.]+ > constraint 0.001", table)
    code, out, _ = _search([*storage, "--constraint", "area_mm2=1000", "-f", "json"], capsys)
    assert json.loads(out)["best_violates"] == {}


def test_resumed_study_says_so_and_results_say_where_they_are_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, first, err = _search(["--budget", "2", "-f", "json"], capsys)
    database = tmp_path / "archsim-search.db"
    assert code == 0 and json.loads(first)["resumed_trials"] == 0 and database.is_file()
    assert str(database) in err and "--storage" in err  # no --storage: say where the trials went
    code, table, _ = _search(["--budget", "3"], capsys)
    assert "(resumed: 2 trials were already stored)" in table and "storage      sqlite:///archsim-search.db" in table
    code, _, err = _search(["--budget", "3", "--storage", f"sqlite:///{tmp_path / 'other.db'}"], capsys)
    assert err == ""


def test_exhaustive_budget_defaults_to_the_space_size_and_others_need_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = SearchConfig(
        ENV, "exhaustive", None, env_kwargs={"space": TOY_SPACE}, storage=f"sqlite:///{tmp_path / 'e.db'}"
    )
    result = run_search(config, toy_evaluator, progress=False)
    assert result.budget == result.evaluations == TOY_SPACE.size == 432
    with pytest.raises(InputError, match=r"^budget: required for agent 'random'"):
        run_search(SearchConfig(ENV, "random", None, env_kwargs={"space": TOY_SPACE}), toy_evaluator, progress=False)
    code, _, err = _search(["--agent", "random"], capsys)
    assert code == 2 and "--budget: required for agent 'random'" in err


def test_metric_names_and_values_are_separated_in_the_table() -> None:
    metrics = {"latency_s": 1e-3, "energy_pj": 2e9, "edp_js": 2e-3, "area_mm2": 1.5, "power_w": 2.0}
    best = {"trial": 0, "design": {"rows": 8}, "metrics": {**metrics, "datapath_bits": 8, "accuracy_cached": 0}}
    result = SearchResult("s", ENV, "random", 0, 1, 1, 1, best, 1.0, [], {}, 0, 0.1, "sqlite:///x.db")
    table = result.table()
    assert "  datapath_bits=8\n" in table and "accuracy_cached=0\n" in table and "  latency_s=0.001\n" in table
