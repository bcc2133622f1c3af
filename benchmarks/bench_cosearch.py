"""Co-search figures: proxy-accuracy throughput on 2 cores, a 200-evaluation co-search, its Pareto fronts,
and the sequential-vs-joint table over seeds.

Default run (bounded, about 15-25 minutes on 2 shared cores):
    python benchmarks/bench_cosearch.py
Full run (the issue's figures at larger budgets):
    python benchmarks/bench_cosearch.py --full

Everything (summary JSON, fronts CSV/JSON, comparison CSV) goes to ``--out`` for the plots.
All studies and the accuracy cache share one SQLite file, so re-running resumes and trains nothing twice;
``--fresh`` starts from an empty database.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envs.accuracy import FamilyProxy, ProxyTrainer, SqlStore
from envs.cosearch import get_cosearch_space
from envs.cosearch.compare import Comparison, compare, summary
from envs.cosearch.run import CoSearchRun, accuracy_fronts, run_cosearch, study_trials
from workloads.families import OfaMobileNetV2


@dataclass
class Args:
    """Benchmark settings."""

    out: Path
    """Directory for the JSON/CSV outputs and the study database."""
    agent: str
    """Agent of the co-search and of the comparison."""
    budget: int
    """Evaluations of the timed co-search (the issue asks for 200)."""
    compare_budget: int
    """Evaluations per flow in the sequential-vs-joint comparison."""
    seeds: list[int]
    """Seeds of the comparison."""
    networks: int
    """Distinct networks trained for the throughput figure."""
    workers: int
    """Processes training networks in the throughput figure (one core each)."""
    search_workers: int
    """Parallel evaluations in the searches (1: see docs/cosearch.md on process pools)."""
    fresh: bool
    """Delete the study database first."""


def parse() -> Args:
    """Command-line flags; ``--full`` raises the budgets."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out/cosearch"))
    parser.add_argument("--agent", default="bo")
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--compare-budget", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--networks", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--search-workers", type=int, default=1)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--full", action="store_true", help="compare with 200 evaluations over 5 seeds, 32 networks")
    ns = parser.parse_args()
    if ns.full:
        ns.compare_budget, ns.seeds, ns.networks = 200, [0, 1, 2, 3, 4], 32
    return Args(
        ns.out, ns.agent, ns.budget, ns.compare_budget, ns.seeds, ns.networks, ns.workers, ns.search_workers, ns.fresh
    )


def _train(choices: dict[str, Any]) -> tuple[float, float]:
    start = time.process_time()
    accuracy = ProxyTrainer(FamilyProxy(OfaMobileNetV2())).evaluate(choices)
    return accuracy, time.process_time() - start


def throughput(args: Args) -> dict[str, Any]:
    """Distinct random networks of the small space trained on ``workers`` processes: evaluations per minute."""
    space = get_cosearch_space("cosearch-small")
    rng = random.Random(0)
    networks: dict[str, dict[str, Any]] = {}
    while len(networks) < args.networks:
        design = {k.name: rng.choice(k.values) for k in space.network_knobs}
        networks[json.dumps(design, sort_keys=True)] = space.network_choices(design)
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(_train, networks.values()))
    wall = time.perf_counter() - start
    cpu = [seconds for _, seconds in results]
    return {
        "networks": len(results),
        "workers": args.workers,
        "wall_s": wall,
        "evaluations_per_minute": 60 * len(results) / wall,
        "median_cpu_s_per_evaluation": statistics.median(cpu),
        "accuracy_min_median_max": [
            min(a for a, _ in results),
            statistics.median(a for a, _ in results),
            max(a for a, _ in results),
        ],
    }


def cosearch(args: Args, url: str) -> dict[str, Any]:
    """The timed co-search: wall time, trainings, cache hit rate, fronts (written to ``out``)."""
    store = SqlStore(url)
    cached_before = len(store)
    start = time.perf_counter()
    result = run_cosearch(
        CoSearchRun(args.agent, args.budget, seed=0, storage=url, workers=args.search_workers), progress=True
    )
    wall = time.perf_counter() - start
    trials = study_trials(url, result.study)
    trained = len(store) - cached_before
    fronts = accuracy_fronts(trials)
    (args.out / "fronts.json").write_text(json.dumps(fronts, indent=1))
    with (args.out / "trials.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["trial", "valid", "accuracy", "latency_s", "energy_pj", "area_mm2", "macs", "reward", "design"]
        )
        for t in trials:
            m = t.metrics
            values = (
                [m.get(k) for k in ("accuracy", "latency_s", "energy_pj", "area_mm2", "macs")] if m.valid else [""] * 5
            )
            writer.writerow([t.trial_id, m.valid, *values, t.reward, json.dumps(t.design)])
    return {
        "study": result.study,
        "evaluations": result.evaluations,
        "wall_s": wall,
        "networks_trained": trained,
        "accuracy_cache_hit_rate": 1 - trained / max(1, result.evaluations),
        "invalid": result.invalid,
        "best": result.best,
        "front_sizes": {name: len(front) for name, front in fronts.items()},
    }


def comparison(args: Args, url: str) -> dict[str, Any]:
    """Sequential vs joint over the seeds (rows written to ``comparison.csv``)."""
    start = time.perf_counter()
    cmp = Comparison(
        agent=args.agent, budget=args.compare_budget, seeds=tuple(args.seeds), storage=url, workers=args.search_workers
    )
    outcomes = compare(cmp)
    with (args.out / "comparison.csv").open("w", newline="") as handle:
        rows = [o.row() for o in outcomes]
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(row | {"design": json.dumps(row["design"])})
    return {
        "wall_s": time.perf_counter() - start,
        "specs": dict(cmp.specs),
        "macs_budget": cmp.macs_budget,
        "rows": [o.row() for o in outcomes],
        "summary": summary(outcomes),
    }


def main() -> None:
    """Run every part and print/write the summary."""
    args = parse()
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.out / "studies.db"
    if args.fresh and db.exists():
        db.unlink()
    url = f"sqlite:///{db}"
    report: dict[str, Any] = {"throughput": throughput(args)}
    print(json.dumps(report["throughput"], indent=1), flush=True)
    report["cosearch"] = cosearch(args, url)
    print(json.dumps(report["cosearch"], indent=1, default=str), flush=True)
    report["comparison"] = comparison(args, url)
    print(json.dumps(report["comparison"]["summary"], indent=1), flush=True)
    for row in report["comparison"]["rows"]:
        print(
            f"{row['flow']:>10} seed {row['seed']}: acc {row['accuracy']:.3f} lat {row['latency_s'] * 1e3:.2f} ms "
            f"energy {row['energy_pj'] / 1e9:.2f} mJ area {row['area_mm2']:.2f} mm2 macs {row['macs'] / 1e6:.0f} M "
            f"specs {'met' if row['meets_specs'] else 'VIOLATED ' + row['violated']}"
        )
    (args.out / "summary.json").write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
