"""``archsim plot timeline | pareto | regret`` from map JSON, search JSON and a study storage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from archsim.cli import main
from envs.evaluate import DesignMetrics
from envs.storage import Storage, Trial


def _store(url: str) -> None:
    """Two agents x two seeds of a toy study, plus an invalid design."""
    storage = Storage(url)
    for agent in ("random", "bo"):
        for seed in (0, 1):
            name = f"toy-{agent}-s{seed}"
            storage.open_study(name, {"env": "toy", "task": {"space": "toy"}, "agent": agent, "seed": seed})
            for i in range(5):
                metrics = DesignMetrics(1e-3 * (5 - i + seed), 1e9 * (1 + i), 2.0 + i)
                if i == 2 and agent == "bo":
                    metrics = DesignMetrics.invalid("does not fit")
                storage.add(name, Trial(i, (i,), {"k": i}, metrics, float(i + seed), {"edp": float(i)}))
    storage.close()


def test_regret_and_pareto_from_a_study_storage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    _store(url)
    out = tmp_path / "regret.png"
    assert main(["plot", "regret", url, "--optimum", "6", "-o", str(out)]) == 0
    assert out.stat().st_size > 0
    svg = tmp_path / "pareto.svg"
    assert main(["plot", "pareto", url, "--study", "toy-bo-s0", "--x", "area_mm2", "-o", str(svg)]) == 0
    assert "<svg" in svg.read_text()[:500]
    assert main(["plot", "regret", url, "--study", "nope", "-o", str(out)]) == 2
    assert "no such study" in capsys.readouterr().err


def test_regret_refuses_studies_of_different_tasks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    _store(url)
    storage = Storage(url)
    storage.open_study("other", {"env": "toy", "task": {"space": "other"}, "agent": "bo", "seed": 0})
    storage.add("other", Trial(0, (0,), {"k": 0}, DesignMetrics(1.0, 1.0, 1.0), 0.0, {}))
    storage.close()
    assert main(["plot", "regret", url, "-o", str(tmp_path / "r.png")]) == 2
    assert "different tasks" in capsys.readouterr().err


def test_pareto_from_a_search_json_and_timeline_from_map_json(tmp_path: Path) -> None:
    entry = {"trial": 3, "design": {}, "reward": 1.0, "metrics": {"latency_s": 1e-3, "energy_pj": 1e9}}
    other = {"trial": 4, "design": {}, "reward": 0.5, "metrics": {"latency_s": 2e-3, "energy_pj": 5e8}}
    search = tmp_path / "search.json"
    search.write_text(json.dumps({"best": entry, "pareto": [entry, other]}))
    assert main(["plot", "pareto", str(search), "-o", str(tmp_path / "p.png")]) == 0
    mapped = tmp_path / "map.json"
    assert main(["map", "-w", "yolo_tiny", "--scratchpad-kb", "256", "--time-limit", "5", "--format", "json",
                 "-o", str(mapped)]) == 0  # fmt: skip
    assert main(["plot", "timeline", str(mapped), "-o", str(tmp_path / "t.png")]) == 0
    assert (tmp_path / "t.png").stat().st_size > 0
    assert main(["plot", "offchip", str(mapped), "-o", str(tmp_path / "o.png")]) == 0


def test_timeline_refuses_a_simulate_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sim.json"
    path.write_text(json.dumps({"arch": {}, "layers": [], "total": {}}))
    assert main(["plot", "timeline", str(path), "-o", str(tmp_path / "t.png")]) == 2
    assert "not an `archsim map --format json` result" in capsys.readouterr().err


def test_regret_from_a_benchmark_regret_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from archsim.commands.plot_sources import regret_table

    lines = ["agent,seed,evaluations,best_edp_js,regret"]
    for seed, values in ((0, ["inf", "2.0", "0.5"]), (1, ["1.0", "1.0", "0.0"])):
        lines += [f"bo,{seed},{n},1e-5,{v}" for n, v in enumerate(values, start=1)]
    lines += ["random,0,1,1e-5,3.0", "random,0,2,1e-5,3.0"]
    path = tmp_path / "regret.csv"
    path.write_text("\n".join(lines) + "\n")
    table = regret_table(path)
    assert np.isnan(table["bo"][0, 0]) and table["bo"][:, 1:].tolist() == [[2.0, 0.5], [1.0, 0.0]]
    assert table["random"].shape == (1, 2)
    assert main(["plot", "regret", str(path), "--log", "-o", str(tmp_path / "r.png")]) == 0
    path.write_text("agent,seed,regret\nbo,0,1.0\n")
    assert main(["plot", "regret", str(path), "-o", str(tmp_path / "r.png")]) == 2
    assert "missing column evaluations" in capsys.readouterr().err


def test_schedule_refuses_a_result_without_one_naming_both_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "r.json"
    assert main(["simulate", "-w", "resnet18", "-a", "systolic-8x8", "--format", "json", "-o", str(result)]) == 0
    assert main(["plot", "schedule", str(result), "-o", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "multi-core `archsim simulate" in err and "archsim/SocSchedule-v0" in err
