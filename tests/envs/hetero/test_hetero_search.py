"""Heterogeneous co-search through the CLI (storage, resume, constraints) and the joint-vs-sequential figures."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hetero_stub import stub_accuracy

from archsim.cli import main
from envs.accuracy import FunctionEvaluator
from envs.cosearch.compare import compare
from envs.hetero.figures import feasible_fronts, flow_summary, flow_trials, meets_specs
from envs.hetero.run import hetero_comparison

TABLE = "s1_width,s1_expand,accuracy\n0.5,3,0.80\n0.5,6,0.84\n1.0,3,0.86\n1.0,6,0.90\n"
"""Accuracies of the four networks of ``hetero-2core``."""


def search(tmp_path: Path, capsys: pytest.CaptureFixture[str], budget: int) -> dict:
    table = tmp_path / "accuracy.csv"
    table.write_text(TABLE)
    args = ["search", "--env", "archsim/HeteroCoSearch-v0", "--space", "hetero-2core", "--agent", "random"]
    args += ["--budget", str(budget), "--seed", "4", "--accuracy", str(table), "--constraint", "latency<=5ms"]
    args += ["--storage", f"sqlite:///{tmp_path / 'hetero.db'}", "--no-progress", "--format", "json"]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_search_stores_resumes_and_reports_the_best_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = search(tmp_path, capsys, 5)
    assert first["env"] == "archsim/HeteroCoSearch-v0" and first["study"].startswith("HeteroCoSearch-hetero-2core")
    assert first["evaluations"] == 5 and first["best"]["metrics"]["latency_s"] <= 5e-3
    assert first["best"]["metrics"]["accuracy"] in (0.80, 0.84, 0.86, 0.90)
    again = search(tmp_path, capsys, 7)
    assert again["study"] == first["study"] and again["evaluations"] == 7 and again["simulated_this_run"] <= 2


def test_joint_and_sequential_flows_report_their_studies_fronts_and_spread(tmp_path: Path) -> None:
    cmp = hetero_comparison(
        "random",
        6,
        seeds=(0,),
        space="hetero-2core",
        accuracy=FunctionEvaluator(stub_accuracy, "hetero-flows-stub"),
        storage=f"sqlite:///{tmp_path / 'flows.db'}",
        specs={"latency_s": 5e-3, "area_mm2": 5.0},
    )
    outcomes = compare(cmp)
    assert [o.flow for o in outcomes] == ["sequential", "joint"]
    assert [len(o.studies) for o in outcomes] == [2, 1]
    trials = flow_trials(outcomes, cmp.storage)
    assert {flow: len(designs) for flow, designs in trials.items()} == {"sequential": 6, "joint": 6}
    network_phase = trials["sequential"][:3]
    assert len({tuple(t.design[k] for k in t.design if k.startswith("core")) for t in network_phase}) == 1
    fronts = feasible_fronts(trials, cmp.specs)
    assert all(fronts[flow]["accuracy-energy"] for flow in fronts)  # loose specs: every flow has feasible designs
    for flow, per_front in fronts.items():
        feasible = [t for t in trials[flow] if meets_specs(t.metrics, cmp.specs)]
        for name, front in per_front.items():
            cost = "latency_s" if name == "accuracy-latency" else "energy_pj"
            front = sorted(front, key=lambda entry: entry[cost])
            accuracy = [entry["accuracy"] for entry in front]
            assert all(a < b for a, b in itertools.pairwise(accuracy))  # dearer only if more accurate
            for entry in front:  # each is a design meeting the specs that no such design dominates
                assert any(t.design == entry["design"] for t in feasible)
                assert not any(
                    t.metrics.get("accuracy") >= entry["accuracy"]
                    and t.metrics.get(cost) <= entry[cost]
                    and (t.metrics.get("accuracy"), t.metrics.get(cost)) != (entry["accuracy"], entry[cost])
                    for t in feasible
                )
    table = flow_summary(outcomes, trials, cmp.specs)
    for flow, row in table.items():
        outcome = next(o for o in outcomes if o.flow == flow)
        assert row["final_meets_specs"] == int(outcome.meets_specs)
        assert row["evaluated_meeting_specs"] == sum(meets_specs(t.metrics, cmp.specs) for t in trials[flow])
