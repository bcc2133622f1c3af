"""Co-search through the runner: every agent, the accuracy cache in the study storage, fronts, the comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from stub import StubAccuracy

from envs.accuracy import SqlStore
from envs.cosearch.compare import Comparison, compare, summary
from envs.cosearch.run import CoSearchRun, accuracy_fronts, run_cosearch, study_trials

NETWORK_KNOBS = ("resolution", "width", "depth", "kernel", "expand", "bits")


def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'study.db'}"


@pytest.mark.parametrize("agent", ["random", "ga", "bo", "gp", "nsga2", "ppo", "a2c", "dqn"])
def test_every_agent_spends_the_budget_and_caches_each_network_once(agent: str, tmp_path: Path) -> None:
    stub = StubAccuracy()
    result = run_cosearch(CoSearchRun(agent, 16, seed=1, accuracy=stub, storage=url(tmp_path)), progress=False)
    trials = study_trials(url(tmp_path), result.study)
    assert result.evaluations == len(trials) == 16 and result.best is not None
    networks = {tuple(t.design[k] for k in NETWORK_KNOBS) for t in trials}
    assert stub.calls == len(SqlStore(url(tmp_path))) <= len(networks) + 1  # + the reference design


def test_resumed_study_trains_nothing_twice(tmp_path: Path) -> None:
    stub = StubAccuracy()
    run = CoSearchRun("random", 10, seed=2, accuracy=stub, storage=url(tmp_path))
    run_cosearch(run, progress=False)
    calls = stub.calls
    again = run_cosearch(CoSearchRun("random", 20, seed=2, accuracy=stub, storage=url(tmp_path)), progress=False)
    assert again.evaluations == 20 and again.simulated <= 10
    assert stub.calls - calls <= 10 and len(SqlStore(url(tmp_path))) == stub.calls


def test_accuracy_fronts_are_non_dominated_and_ordered(tmp_path: Path) -> None:
    result = run_cosearch(CoSearchRun("nsga2", 30, accuracy=StubAccuracy(), storage=url(tmp_path)), progress=False)
    fronts = accuracy_fronts(study_trials(url(tmp_path), result.study))
    assert set(fronts) == {"accuracy-energy", "accuracy-latency", "accuracy-area"}
    energy = fronts["accuracy-energy"]
    assert energy
    accuracies = [p["accuracy"] for p in energy]
    costs = [p["energy_pj"] for p in energy]
    assert accuracies == sorted(accuracies, reverse=True) and costs == sorted(costs, reverse=True)


def test_sequential_and_joint_report_specs_accuracy_and_cost(tmp_path: Path) -> None:
    cmp = Comparison(agent="random", budget=16, seeds=(0,), accuracy=StubAccuracy(), storage=url(tmp_path))
    outcomes = compare(cmp)
    assert [o.flow for o in outcomes] == ["sequential", "joint"]
    for o in outcomes:
        violated = {
            name
            for name, bound in cmp.specs.items()
            if {"latency_s": o.latency_s, "area_mm2": o.area_mm2}[name] > bound
        }
        assert set(o.violated) == violated and o.meets_specs == (not violated)
        assert 0 < o.accuracy < 1 and o.energy_pj > 0 and o.design
    table = summary(outcomes)
    assert table["joint"]["runs"] == table["sequential"]["runs"] == 1
