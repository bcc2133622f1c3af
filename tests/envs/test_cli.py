"""``archsim search`` and ``archsim sweep`` on the real systolic model: JSON contract, resume, errors."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import pytest

from archsim.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_search_json_has_best_pareto_and_evaluations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    storage = f"sqlite:///{tmp_path / 's.db'}"
    argv = ["search", "--agent", "ga", "--budget", "24", "--seed", "1", "--storage", storage, "--format", "json"]
    code, out, _ = run([*argv, "--constraint", "area_mm2=10", "--objective", "edp=1"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["evaluations"] == 24
    assert set(data["best"]["metrics"]) >= {"latency_s", "energy_pj", "edp_js", "area_mm2"}
    assert set(data["best"]["design"]) == {
        "rows", "cols", "ifmap_sram_kb", "filter_sram_kb", "ofmap_sram_kb", "dram_bw", "dataflow"
    }  # fmt: skip
    assert data["best_reward"] == data["best"]["reward"]
    assert data["pareto"] and all(p["metrics"]["area_mm2"] > 0 for p in data["pareto"])
    front = sorted((p["metrics"]["latency_s"], p["metrics"]["energy_pj"]) for p in data["pareto"])
    assert all(b[1] < a[1] for a, b in itertools.pairwise(front))  # a real front
    # Same command again: nothing new to evaluate, same answer.
    code, again, _ = run([*argv, "--constraint", "area_mm2=10", "--objective", "edp=1"], capsys)
    replay = json.loads(again)
    assert replay["simulated_this_run"] == 0 and replay["best"] == data["best"]


def test_search_table_output_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.txt"
    argv = ["search", "--agent", "random", "--budget", "5", "--storage", f"sqlite:///{tmp_path / 't.db'}"]
    code, _, _ = run([*argv, "--env", "archsim/SystolicDSESeq-v0", "-o", str(out)], capsys)
    assert code == 0 and "evaluations  5 of 5" in out.read_text()


def test_sweep_writes_one_row_per_grid_design(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["sweep", "--knob", "rows=8,32", "--knob", "dataflow=all", "-w", "alexnet"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 6
    assert {(r["rows"], r["dataflow"]) for r in rows} == {(r, d) for r in ("8", "32") for d in ("os", "ws", "is")}
    assert all(float(r["edp_js"]) > 0 for r in rows)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "--budget", "0"], "--budget: must be a positive integer"),
        (["search", "--budget", "3", "--agent", "sarsa"], "unknown agent 'sarsa'"),
        (["search", "--budget", "3", "--env", "archsim/Nope-v0"], "unknown env id"),
        (["search", "--budget", "3", "--storage", "sqlite:////no/such/dir/x.db"], "cannot open the storage"),
        (["search", "--budget", "3", "--space", "nope"], "unknown design space 'nope'"),
        (["search", "--budget", "3", "--agent", "Random"], "unknown agent 'Random' (did you mean 'random'?;"),
        (["search", "--budget", "3", "--env", "archsim/systolicdse-v0"], "(did you mean 'archsim/SystolicDSE-v0'?;"),
        (
            ["search", "--budget", "3", "--space", "systolc"],
            "unknown design space 'systolc' (did you mean 'systolic'?)",
        ),
        (["search", "--budget", "3", "--objective", "speed=1"], "unknown objective 'speed'"),
        (["search", "--budget", "3", "--param", "bogus=1"], "unknown parameter 'bogus'"),
        (["search", "--budget", "3", "--agent", "ppo", "--param", "learning_rate=abc"], "it must be a number > 0"),
        (["search", "--budget", "3", "--agent", "ppo", "--param", "n_steps=0"], "n_steps=0 is not allowed"),
        (["search", "--budget", "3", "--agent", "ppo", "--param", "gamma=2"], "it must be a number in [0, 1]"),
        (["search", "--budget", "3", "--agent", "ga", "--param", "population=2.5"], "an integer >= 2"),
        (["search", "--budget", "3", "--agent", "bo", "--param", "multivariate=1"], "must be true or false"),
        (["search", "--budget", "3", "--agent", "nsga2", "--param", "mutation_prob=2"], "mutation_prob=2 is not"),
        (
            [
                "search",
                "--env",
                "archsim/SocSchedule-v0",
                "--budget",
                "3",
                "--agent",
                "ppo",
                "--param",
                "gae_lambda=-1",
            ],
            "gae_lambda=-1 is not allowed",
        ),
        (["sweep", "--knob", "rows=9"], "knob rows: unknown value 9"),
        (["sweep", "--knob", "banks=2"], "unknown knob 'banks'"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(argv, capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_search_runs_a_cosearch_env_by_its_space_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The framework finds co-search spaces by name; the real proxy trainer, smallest budget."""
    storage = f"sqlite:///{tmp_path / 'c.db'}"
    argv = ["search", "--env", "archsim/CoSearch-v0", "--agent", "random", "--budget", "2", "--storage", storage]
    code, out, _ = run([*argv, "--no-progress", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["evaluations"] == 2
    assert {"width", "bits", "rows", "dataflow"} <= set(data["best"]["design"])
    assert 0.0 <= data["best"]["metrics"]["accuracy"] <= 1.0
    import sqlite3

    with sqlite3.connect(tmp_path / "c.db") as db:  # the accuracy cache lives in the study's own database
        (cached,) = db.execute("select count(*) from archsim_accuracy_cache").fetchone()
    assert cached >= 1


def test_local_pool_spawns_its_workers() -> None:
    """Forked workers deadlock once torch has started its threads: the pool must spawn."""
    from toy import toy_evaluator

    from envs.executors import PoolExecutor

    executor = PoolExecutor(toy_evaluator, 2)
    try:
        assert executor.context.get_start_method() == "spawn"
        assert len(list(executor.run([(0, 0, 0, 0, 0), (1, 1, 1, 1, 1)]))) == 2
    finally:
        executor.close()


def test_cosearch_with_two_workers_and_the_real_trainer_finishes(tmp_path: Path) -> None:
    """The parent trains the reference network (torch threads up), then two workers train: no deadlock."""
    import subprocess
    import sys

    argv = ["search", "--env", "archsim/CoSearch-v0", "--agent", "random", "--budget", "2", "--workers", "2"]
    argv += ["--storage", f"sqlite:///{tmp_path / 'w.db'}", "--no-progress", "--format", "json"]
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from archsim.cli import main; sys.exit(main(sys.argv[1:]))", *argv],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["evaluations"] == 2 and data["simulated_this_run"] == 2
    assert 0.0 < data["best"]["metrics"]["accuracy"] <= 1.0
