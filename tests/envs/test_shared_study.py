"""Many processes, one study (SQLite and PostgreSQL): each design evaluated once; faults survived."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.postgres import PostgresServer
from toy import TOY_SPACE, failing_toy_evaluator, toy_evaluator

from archsim.errors import InputError
from envs.executors import FAILED
from envs.runner import STUDY_LOCK, SearchConfig, env_arguments, run_search, study_identity, task_spec
from envs.storage import Storage

ENV = "archsim/SystolicDSE-v0"
WORKER = Path(__file__).parent / "study_worker.py"
REPO = Path(__file__).parents[2]


def start_worker(storage: str, agent: str, budget: int, *extra: str) -> subprocess.Popen[str]:
    """A search process on the shared study (``study_worker.py``)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    argv = [sys.executable, str(WORKER), storage, agent, str(budget), *extra]
    return subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str]) -> dict:
    """The JSON summary a worker prints last (other output, e.g. Ray's, may come before it)."""
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return last_json_line(out, err)


def last_json_line(out: str, err: str) -> dict:
    """The last line of ``out`` that is a JSON object; a failure naming both outputs when there is none."""
    for line in reversed(out.strip().splitlines()):
        try:
            found = json.loads(line)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    pytest.fail(f"the worker printed no JSON summary; stdout ends {out[-500:]!r}, stderr ends {err[-500:]!r}")


def wait_for_rows(storage: Storage, study: str, rows: int, procs: list[subprocess.Popen[str]]) -> int:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and all(p.poll() is None for p in procs):
        count = storage.count(study)
        if count >= rows:
            return count
        time.sleep(0.05)
    raise AssertionError(f"study {study} did not reach {rows} trials")


def reference(agent: str, budget: int, workers: int, tmp_path: Path) -> list[tuple[int, ...]]:
    """The designs one process proposes, trial by trial."""
    config = SearchConfig(
        ENV,
        agent,
        budget,
        seed=3,
        env_kwargs={"space": TOY_SPACE},
        workers=workers,
        storage=f"sqlite:///{tmp_path / 'reference.db'}",
        study="shared",
    )
    result = run_search(config, toy_evaluator, progress=False)
    return [t.point for t in Storage(config.storage).load(result.study)]


def check_exactly_once(storage: Storage, budget: int, expected: list[tuple[int, ...]]) -> None:
    trials = storage.load("shared")
    assert [t.trial_id for t in trials] == list(range(budget))
    assert [t.point for t in trials] == expected
    simulated = [t.point for t in trials if not t.cached]
    assert len(simulated) == len(set(simulated)), "a design was simulated and stored twice"


def test_three_processes_split_an_exhaustive_study(storage_url: str, tmp_path: Path) -> None:
    budget = 240
    procs = [start_worker(storage_url, "exhaustive", budget) for _ in range(3)]
    results = [finish(p) for p in procs]
    assert all(r["evaluations"] == budget for r in results)
    # Each design evaluated once in all: the processes split the work.
    assert sum(r["simulated"] for r in results) == budget
    assert sum(1 for r in results if r["simulated"] > 0) >= 2
    check_exactly_once(Storage(storage_url), budget, reference("exhaustive", budget, 1, tmp_path))


def test_two_processes_run_an_adaptive_agent_in_step(storage_url: str, tmp_path: Path) -> None:
    """The GA learns from each batch: both processes tell the same trials, so the study is a single run's."""
    budget, workers = 48, 4
    procs = [start_worker(storage_url, "ga", budget, "--workers", str(workers)) for _ in range(2)]
    results = [finish(p) for p in procs]
    expected = reference("ga", budget, workers, tmp_path)
    check_exactly_once(Storage(storage_url), budget, expected)
    assert sum(r["simulated"] for r in results) == len(set(expected))


def test_an_rl_agent_owns_its_study_and_a_second_process_is_refused(storage_url: str) -> None:
    config = SearchConfig(ENV, "ppo", 5, seed=3, env_kwargs={"space": TOY_SPACE}, storage=storage_url, study="shared")
    storage = Storage(storage_url)
    storage.open_study("shared", study_identity(config, task_spec(env_arguments(config))))
    # A live process of this host (this one, under another owner token) holds the study.
    storage.claim("shared", [STUDY_LOCK], f"{socket.gethostname()}:{os.getpid()}:another")
    with pytest.raises(InputError, match="agent ppo learns from every result in order and cannot share") as info:
        run_search(config, toy_evaluator, progress=False)
    assert "\n" not in str(info.value) and storage.count("shared") == 0
    # Once its holder is dead (a pid that does not exist), the study is free again.
    storage.take_over(
        "shared", STUDY_LOCK, f"{socket.gethostname()}:{os.getpid()}:another", f"{socket.gethostname()}:999999999:gone"
    )
    assert run_search(config, toy_evaluator, progress=False).evaluations == 5


def test_a_worker_killed_mid_run_loses_nothing_and_nothing_runs_twice(storage_url: str, tmp_path: Path) -> None:
    budget = 300
    storage = Storage(storage_url)
    victim, survivor = (start_worker(storage_url, "exhaustive", budget) for _ in range(2))
    wait_for_rows(storage, "shared", 60, [victim, survivor])
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    # The survivor takes over the victim's unfinished claims (its pid is gone) and completes the budget.
    survived = finish(survivor)
    restarted = finish(start_worker(storage_url, "exhaustive", budget))
    assert survived["evaluations"] == restarted["evaluations"] == budget
    check_exactly_once(storage, budget, reference("exhaustive", budget, 1, tmp_path))
    # Trials still claimed by the victim are the ones it stored before dying; the rest were simulated once.
    import sqlalchemy as sa

    with storage.engine.connect() as conn:
        owners = [row.owner for row in conn.execute(sa.select(storage.claims.c.owner))]
    by_victim = sum(1 for owner in owners if owner.split(":")[1] == str(victim.pid))
    assert by_victim > 0
    assert survived["simulated"] + restarted["simulated"] == budget - by_victim


def test_a_raising_or_hanging_evaluation_is_a_failed_trial(storage_url: str) -> None:
    config = SearchConfig(
        ENV,
        "exhaustive",
        6,
        env_kwargs={"space": TOY_SPACE},
        workers=2,
        storage=storage_url,
        eval_timeout=2.0,
    )
    result = run_search(config, failing_toy_evaluator, progress=False)
    trials = Storage(storage_url).load(result.study)
    assert [t.trial_id for t in trials] == list(range(6))
    errors = {t.trial_id: t.metrics.error for t in trials if not t.metrics.valid}
    assert errors[1].startswith(f"{FAILED}: RuntimeError: toy: crashed on 4x4")
    assert errors[5] == f"{FAILED}: timed out after 2 s"
    assert sorted(errors) == [1, 5]
    assert trials[5].terms["invalid"] < 0


def test_a_raising_evaluation_in_process_is_a_failed_trial(storage_url: str) -> None:
    config = SearchConfig(ENV, "exhaustive", 3, env_kwargs={"space": TOY_SPACE}, storage=storage_url)
    result = run_search(config, failing_toy_evaluator, progress=False)
    assert result.evaluations == 3 and result.invalid == 1


def test_the_database_restarting_mid_run_is_survived(postgres_server: PostgresServer, tmp_path: Path) -> None:
    url = postgres_server.new_database()
    budget = 200
    proc = start_worker(url, "exhaustive", budget)
    try:
        wait_for_rows(Storage(url), "shared", 40, [proc])
        postgres_server.stop("immediate")
        time.sleep(1.0)
    finally:
        postgres_server.start()
    result = finish(proc)
    assert result["evaluations"] == budget
    check_exactly_once(Storage(url), budget, reference("exhaustive", budget, 1, tmp_path))


def test_a_database_down_for_good_exits_2_with_one_line_and_a_rerun_resumes(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = postgres_server.new_database()
    argv = ["search", "--agent", "exhaustive", "--study", "shared", "--space", "systolic", "-w", "alexnet"]
    argv += ["--storage", url, "--storage-retry", "1", "--no-progress", "--format", "json"]
    code = "import sys; from archsim.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # Worker processes, one design at a time: a 100,000-design budget is far from done when the database stops.
    slow = [*argv, "--eval-timeout", "30", "--budget", "100000"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *slow], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_rows(Storage(url), "shared", 10, [proc])
        postgres_server.stop("immediate")
        _, err = proc.communicate(timeout=120)
    finally:
        postgres_server.start()
    assert proc.returncode == 2
    assert len(err.strip().splitlines()) == 1 and "unreachable for 1 s" in err and "run the same command again" in err
    before = Storage(url).count("shared")
    again = [*argv, "--budget", str(before + 20)]
    done = subprocess.run([sys.executable, "-c", code, *again], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["evaluations"] == before + 20 and out["simulated_this_run"] <= 20


def test_the_drivers_own_warnings_stay_off_stderr_once_a_postgres_storage_is_open(
    postgres_server: PostgresServer,
) -> None:
    # psycopg warns when it cannot close a pipeline on a connection that died; the storage layer reports that
    # failure itself in one line, so the driver's warning would be a second line on stderr.
    code = (
        "import logging, sys; from envs.storage import open_engine; open_engine(sys.argv[1]); "
        "logging.getLogger('psycopg').warning('error ignored terminating a pipeline')"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    url = postgres_server.new_database()
    done = subprocess.run([sys.executable, "-c", code, url], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == ""


def test_a_worker_summary_is_found_after_other_output_and_its_absence_is_reported() -> None:
    assert last_json_line('2026 INFO worker.py: Connecting to Ray\n{"evaluations": 3}\n[]\n', "") == {"evaluations": 3}
    with pytest.raises(pytest.fail.Exception, match=r"no JSON summary; stdout ends 'Ray started\\n'.*'Traceback"):
        last_json_line("Ray started\n", "Traceback: port 10001 in use")
