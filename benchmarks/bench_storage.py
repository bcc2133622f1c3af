"""Shared studies: N processes on one SQLite or PostgreSQL study, and where an exhaustive search spends its time.

Three measurements, each printed as a table:

1. Overhead per committed trial: ``exhaustive`` over the ``systolic`` space with an
   instant evaluator (constant metrics), N = 1, 2, 4 processes on one study, SQLite vs
   PostgreSQL. Wall time from the first start to the last exit; trials/s and process-
   microseconds per trial (wall x N / trials: what the runner and the storage cost).
2. The real search: ``exhaustive`` over the full ``systolic`` space (139,968 designs) on
   ResNet-18, N = 1 and 2 processes, SQLite and PostgreSQL: wall and evaluations/s.
3. Where the time goes, in one process: vectorised simulation, scoring, claims and
   commits of the same 139,968 trials, timed step by step.

PostgreSQL is a throwaway server (``tests/support/postgres.py``) unless ``--postgres URL``
names one (each run uses a new database on it). Usage::

    python benchmarks/bench_storage.py                # everything
    python benchmarks/bench_storage.py --skip-real    # only the overhead table and the breakdown
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

ENV = "archsim/SystolicDSE-v0"


def instant_evaluator() -> object:
    """Every design costs the same, at once: the runner and the storage are all that is timed."""
    from envs.catalog import get_space
    from envs.evaluate import DesignMetrics, FunctionEvaluator

    metrics = DesignMetrics(1e-3, 1e9, 1.0)
    return FunctionEvaluator(get_space("systolic"), lambda design: metrics)


def worker(storage: str, budget: int, instant: bool) -> None:
    """One search process of the shared study (run by the driver as a subprocess)."""
    from envs.runner import SearchConfig, run_search

    config = SearchConfig(ENV, "exhaustive", budget, storage=storage, study="bench")
    factory = instant_evaluator if instant else None
    result = run_search(config, factory, progress=False)  # type: ignore[arg-type]
    print(json.dumps({"evaluations": result.evaluations, "simulated": result.simulated}))


def shared_run(storage: str, processes: int, budget: int, instant: bool) -> tuple[float, list[dict]]:
    """Wall seconds of ``processes`` workers on one study, and each worker's result."""
    argv = [sys.executable, __file__, "--worker", storage, "--budget", str(budget)]
    if instant:
        argv.append("--instant")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env) for _ in range(processes)]
    outs = [p.communicate()[0] for p in procs]
    wall = time.perf_counter() - start
    if any(p.returncode for p in procs):
        raise SystemExit(f"a worker failed on {storage}")
    results = [json.loads(out.strip().splitlines()[-1]) for out in outs]
    if sum(r["simulated"] for r in results) != budget or any(r["evaluations"] != budget for r in results):
        raise SystemExit(f"not exactly once: {results}")
    return wall, results


class Databases:
    """Fresh storages: SQLite files in a temp dir, new databases on a PostgreSQL server."""

    def __init__(self, postgres: str | None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bench-storage-"))
        self.count = 0
        self.server = None
        self.postgres = postgres
        if postgres is None:
            from support.postgres import PostgresServer

            self.server = PostgresServer()

    def new(self, backend: str) -> str:
        self.count += 1
        if backend == "sqlite":
            return f"sqlite:///{self.dir / f'b{self.count}.db'}"
        if self.server is not None:
            return self.server.new_database()
        import sqlalchemy as sa

        from envs.storage import driver_url

        name = f"bench_{os.getpid()}_{self.count}"
        engine = sa.create_engine(driver_url(self.postgres or ""), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return (self.postgres or "").rsplit("/", 1)[0] + "/" + name

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


def overhead_table(dbs: Databases, budget: int) -> None:
    print(f"\n1. Runner + storage overhead: exhaustive, instant evaluator, {budget:,} trials on one study")
    print("| backend | processes | wall (s) | trials/s | process-us per trial | simulated per process |")
    print("|---|---|---|---|---|---|")
    for backend in ("sqlite", "postgresql"):
        for n in (1, 2, 4):
            wall, results = shared_run(dbs.new(backend), n, budget, instant=True)
            split = " / ".join(str(r["simulated"]) for r in results)
            per_trial = wall * n / budget * 1e6
            print(f"| {backend} | {n} | {wall:.1f} | {budget / wall:,.0f} | {per_trial:.0f} | {split} |")


def real_table(dbs: Databases, budget: int) -> None:
    print(f"\n2. Exhaustive over the systolic space on ResNet-18: {budget:,} designs, simulated")
    print("| backend | processes | wall (s) | evaluations/s | simulated per process |")
    print("|---|---|---|---|---|")
    for backend in ("sqlite", "postgresql"):
        for n in (1, 2):
            wall, results = shared_run(dbs.new(backend), n, budget, instant=False)
            split = " / ".join(str(r["simulated"]) for r in results)
            print(f"| {backend} | {n} | {wall:.1f} | {budget / wall:,.0f} | {split} |")


def breakdown(dbs: Databases, budget: int) -> None:
    """The steps of one process's exhaustive search, timed one by one on the same trials."""
    from envs.evaluate import SharedEvaluatorFactory
    from envs.runner import SearchConfig, env_arguments, task_spec
    from envs.storage import Storage, Trial, this_owner
    from envs.task import Task

    config = SearchConfig(ENV, "exhaustive", budget)
    spec = task_spec(env_arguments(config))
    start = time.perf_counter()
    evaluator = SharedEvaluatorFactory(spec.space, spec.workload)()
    task = Task(spec, evaluator)
    setup = time.perf_counter() - start
    chunk = 4096
    steps = {"build the task (workload, reference design)": setup}
    points = [spec.space.point_at(i) for i in range(budget)]
    start = time.perf_counter()
    configs = [spec.space.config(p) for p in points[:chunk]]
    steps["decode designs to configs (first chunk, x scale)"] = (time.perf_counter() - start) * budget / chunk
    del configs
    start = time.perf_counter()
    metrics = [m for i in range(0, budget, chunk) for m in evaluator.compute_many(points[i : i + chunk])]
    steps["simulate (decode + vectorised model), all"] = time.perf_counter() - start
    start = time.perf_counter()
    trials = []
    for i, (point, m) in enumerate(zip(points, metrics, strict=True)):
        reward, terms = task.score(m)
        trials.append(Trial(i, point, task.design(point), m, reward, terms))
    steps["score and name each design"] = time.perf_counter() - start
    for backend in ("sqlite", "postgresql"):
        storage = Storage(dbs.new(backend))
        storage.open_study("bench", {"bench": True})
        owner = this_owner()
        start = time.perf_counter()
        for i in range(0, budget, chunk):
            storage.claim("bench", range(i, min(i + chunk, budget)), owner)
        steps[f"claim every trial id ({backend})"] = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(0, budget, chunk):
            storage.add_many("bench", trials[i : i + chunk])
        steps[f"commit every trial ({backend})"] = time.perf_counter() - start
        start = time.perf_counter()
        storage.load("bench")
        steps[f"read the study back ({backend})"] = time.perf_counter() - start
        storage.close()
    print(f"\n3. Where one process's time goes ({budget:,} trials, chunks of {chunk})")
    print("| step | seconds | us per design |")
    print("|---|---|---|")
    for name, seconds in steps.items():
        print(f"| {name} | {seconds:.1f} | {seconds / budget * 1e6:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", metavar="STORAGE", help=argparse.SUPPRESS)
    parser.add_argument("--instant", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=int, default=139_968, help="trials of the simulated runs (default: all)")
    parser.add_argument("--overhead-budget", type=int, default=20_000, help="trials of the overhead runs")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (default: a throwaway server)")
    parser.add_argument("--skip-real", action="store_true", help="skip table 2 (the simulated multi-process runs)")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.budget, args.instant)
        return
    dbs = Databases(args.postgres)
    try:
        print(f"bench_storage: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
        overhead_table(dbs, args.overhead_budget)
        if not args.skip_real:
            real_table(dbs, args.budget)
        breakdown(dbs, args.budget)
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    finally:
        dbs.close()


if __name__ == "__main__":
    main()
