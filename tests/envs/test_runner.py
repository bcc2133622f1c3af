"""The runner: storage as designs finish, resume after kill -9, parallel workers, Ray, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from toy import TOY_SPACE, slow_toy_evaluator, toy_evaluator

from archsim.errors import InputError
from envs.runner import SearchConfig, run_search
from envs.storage import Storage

ENV = "archsim/SystolicDSE-v0"


def config(
    tmp_path: Path, agent: str = "bo", budget: int = 30, storage: str | None = None, **kw: object
) -> SearchConfig:
    url = storage or f"sqlite:///{tmp_path / 's.db'}"
    return SearchConfig(ENV, agent, budget, seed=5, env_kwargs={"space": TOY_SPACE}, storage=url, **kw)  # type: ignore[arg-type]


def test_extending_a_study_replays_stored_trials_without_simulating(tmp_path: Path, storage_url: str) -> None:
    first = run_search(config(tmp_path, budget=20, storage=storage_url), toy_evaluator, progress=False)
    assert first.evaluations == 20 and 0 < first.simulated <= 20
    longer = run_search(config(tmp_path, budget=35, storage=storage_url), toy_evaluator, progress=False)
    (tmp_path / "fresh").mkdir()
    fresh = run_search(config(tmp_path / "fresh", budget=35), toy_evaluator, progress=False)
    assert longer.study == first.study and longer.evaluations == 35
    assert longer.to_json()["best"] == fresh.to_json()["best"]
    trials = Storage(storage_url).load(longer.study)
    assert [t.trial_id for t in trials] == list(range(35))
    # The first 20 were replayed from storage: only new designs were simulated.
    assert longer.simulated <= 15


def test_same_study_name_with_another_task_is_refused(tmp_path: Path, storage_url: str) -> None:
    run_search(config(tmp_path, study="mine", storage=storage_url), toy_evaluator, progress=False)
    other = SearchConfig(ENV, "ga", 10, seed=5, env_kwargs={"space": TOY_SPACE}, storage=storage_url)
    with pytest.raises(InputError, match="study 'mine' was made with a different agent"):
        run_search(SearchConfig(**{**other.__dict__, "study": "mine"}), toy_evaluator, progress=False)


KILLED_RUN = """
import sys
sys.path.insert(0, {tests!r})
from toy import TOY_SPACE, slow_toy_evaluator
from envs.runner import SearchConfig, run_search
config = SearchConfig("archsim/SystolicDSE-v0", {agent!r}, {budget}, seed=3, env_kwargs={{"space": TOY_SPACE}},
                      storage={storage!r})
run_search(config, slow_toy_evaluator, progress=False)
"""


def stored_rows(url: str) -> int:
    try:
        storage = Storage(url, retry_seconds=0)
    except InputError:
        return 0
    with storage.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT COUNT(*) FROM archsim_trials").scalar_one()
    storage.close()
    return int(count)


@pytest.mark.parametrize("agent", ["ga", "ppo"])
def test_run_killed_with_sigkill_resumes_with_exactly_budget_distinct_trials(storage_url: str, agent: str) -> None:
    budget = 120
    script = KILLED_RUN.format(tests=str(Path(__file__).parent), agent=agent, budget=budget, storage=storage_url)
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=Path(__file__).parents[2])
    deadline = time.monotonic() + 60
    while stored_rows(storage_url) < 25 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = stored_rows(storage_url)
    assert 25 <= before < budget, "the run should be killed mid-way"
    config = SearchConfig(ENV, agent, budget, seed=3, env_kwargs={"space": TOY_SPACE}, storage=storage_url)
    result = run_search(config, slow_toy_evaluator, progress=False)
    trials = Storage(storage_url).load(result.study)
    assert result.evaluations == budget
    assert [t.trial_id for t in trials] == list(range(budget))
    # Nothing stored before the kill was evaluated again.
    assert result.simulated <= budget - before


def test_local_workers_give_the_same_designs_as_serial_for_an_order_free_agent(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    serial = run_search(config(tmp_path / "a", agent="random", budget=24), toy_evaluator, progress=False)
    pooled = run_search(config(tmp_path / "b", agent="random", budget=24, workers=2), toy_evaluator, progress=False)
    assert pooled.evaluations == 24 and pooled.simulated == 24
    assert pooled.to_json()["best"] == serial.to_json()["best"]


@pytest.mark.slow
def test_ray_local_instance_evaluates_a_study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ray's workers inherit the driver's environment: let them import the stand-in evaluator.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    result = run_search(
        config(tmp_path, agent="ga", budget=16, workers=2, ray_address="local"), toy_evaluator, progress=False
    )
    assert result.evaluations == 16 and result.simulated == 16


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"env_id": "archsim/Nope-v0"}, "unknown env id 'archsim/Nope-v0'"),
        ({"agent": "sarsa"}, "unknown agent 'sarsa'"),
        ({"budget": 0}, "^budget: must be a positive integer, got 0"),
        ({"workers": 0}, "^workers: must be a positive integer"),
        ({"eval_timeout": 0.0}, "^eval_timeout: must be a positive number of seconds, got 0.0"),
        ({"env_kwargs": {"space": TOY_SPACE, "objective": {}}}, "unknown argument 'objective'; allowed: budgets"),
        ({"storage": "sqlite:////no/such/dir/x.db"}, "cannot open the storage"),
        ({"storage": "postgresql://nobody@127.0.0.1:1/none"}, "cannot open the storage"),
        ({"storage": "sqlite:///x.db?mode=ro"}, "parts its driver would ignore: .*'mode'"),
    ],
)
def test_bad_search_input_is_one_input_error(tmp_path: Path, changes: dict, message: str) -> None:
    base = config(tmp_path)
    with pytest.raises(InputError, match=message) as info:
        run_search(SearchConfig(**{**base.__dict__, **changes}), toy_evaluator, progress=False)
    assert "\n" not in str(info.value)


def test_a_combined_network_and_hardware_space_with_its_own_evaluator(tmp_path: Path) -> None:
    from dataclasses import replace

    from envs.spaces import DesignSpace, Knob

    net = DesignSpace("net", (Knob("width", (0.5, 1.0, 2.0), group="network"),))
    space = replace(DesignSpace.combine("co", net, TOY_SPACE), evaluator="toy:cosearch_evaluator")
    assert space.size == 3 * TOY_SPACE.size
    result = run_search(
        SearchConfig(ENV, "bo", 20, seed=1, env_kwargs={"space": space}, storage=config(tmp_path).storage, workers=2),
        progress=False,
    )
    assert result.evaluations == 20 and result.best is not None
    trials = Storage(config(tmp_path).storage).load(result.study)
    assert all(0 < t.metrics.get("accuracy") < 1 for t in trials if t.metrics.valid)
