"""Agent quality: regret vs budget of every agent against the exhaustive optimum, and hyperparameter sensitivity.

Run (bounded default, a few minutes on one core)::

    python benchmarks/bench_agents.py --out bench-results

Full run (every agent to 2,000 evaluations, GP to 300, 5 seeds, sensitivity grid)::

    python benchmarks/bench_agents.py --full --sensitivity --out bench-results

Task: ``systolic-bench`` (11,664 systolic designs) on ResNet-18, minimise EDP under an
area budget (default 8 mm^2; reward ``-log(EDP/EDP_ref)`` plus the budget penalty).
Exhaustive search over the precomputed space gives the optimum: the best EDP of a
design within the area budget. Each agent runs through the real search runner (SQLite
storage, replay) and its trials are read back from storage. Regret after n evaluations
is ``best feasible EDP so far / optimum - 1``. Output files in ``--out`` (format in
docs/search.md): ``regret.csv``, ``summary.json``, ``studies.db`` (every study, for
``archsim plot regret sqlite:///OUT/studies.db --optimum R``, R = ``optimum_reward`` of
summary.json) and, with ``--sensitivity``, ``sensitivity.csv`` and ``sensitivity.db``.
Both databases are recreated on each run, so that timings are never replays.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envs.catalog import get_space
from envs.evaluate import SharedEvaluatorFactory, shared_evaluator
from envs.runner import SearchConfig, run_search
from envs.spaces import HardwareSpace
from envs.storage import Storage, Trial

ENV_ID = "archsim/SystolicDSE-v0"
CHECKPOINTS = (10, 25, 50, 100, 200, 500, 1000, 2000)
TARGETS = {"bo": 200, "ppo": 2000}
"""Agent -> evaluations after which the median best EDP should be within 5% of the optimum."""

DEFAULT_BUDGETS = {
    "random": 500,
    "ga": 500,
    "bo": 300,
    "gp": 60,
    "nsga2": 500,
    "ppo": 2000,
    "a2c": 1000,
    "dqn": 1000,
}
"""Bounded default run: evaluations per agent."""

FULL_BUDGETS = {**dict.fromkeys(DEFAULT_BUDGETS, 2000), "gp": 300}

SENSITIVITY: dict[str, dict[str, list[Any]]] = {
    "bo": {"n_startup_trials": [5, 10, 30], "n_ei_candidates": [8, 24, 64]},
    "ga": {"population": [8, 24, 64], "mutation": [0.05, 0.2, 0.5]},
    "nsga2": {"population_size": [12, 24, 48]},
    "ppo": {"learning_rate": [1e-4, 3e-4, 1e-3, 3e-3], "n_steps": [32, 64, 256]},
    "a2c": {"learning_rate": [1e-4, 7e-4, 3e-3]},
    "dqn": {"learning_rate": [1e-4, 1e-3, 3e-3], "exploration_fraction": [0.1, 0.3, 0.6]},
}
"""Agent -> hyperparameter -> values tried one at a time (the others at their defaults)."""

SENSITIVITY_BUDGET = {"bo": 200, "ga": 500, "nsga2": 500, "ppo": 2000, "a2c": 1000, "dqn": 1000}


@dataclass
class Args:
    """Command-line options."""

    agents: list[str] = field(default_factory=lambda: list(DEFAULT_BUDGETS))
    env: str = ENV_ID
    seeds: int = 5
    workload: str = "resnet18"
    space: str = "systolic-bench"
    area_budget: float = 8.0
    full: bool = False
    sensitivity: bool = False
    sensitivity_seeds: int = 3
    out: Path = Path("bench-results")


def optimum(space: HardwareSpace, workload: str, area_budget: float) -> tuple[float, dict[str, Any], float]:
    """Exhaustive ground truth: the lowest EDP within the area budget, its design, and its reward."""
    evaluator = shared_evaluator(space, workload)
    evaluator.precompute()
    best: tuple[float, dict[str, Any]] = (math.inf, {})
    for point in space.points():
        m = evaluator.evaluate(point)
        if m.valid and m.area_mm2 <= area_budget and m.edp_js < best[0]:
            best = (m.edp_js, space.decode(point))
    reward = -math.log(best[0] / evaluator.evaluate(space.reference).edp_js)
    return best[0], best[1], reward


def best_so_far(trials: list[Trial], area_budget: float) -> list[float]:
    """Best feasible EDP after each evaluation (inf until a feasible design is found)."""
    out, best = [], math.inf
    for trial in sorted(trials, key=lambda t: t.trial_id):
        m = trial.metrics
        if m.valid and m.area_mm2 <= area_budget:
            best = min(best, m.edp_js)
        out.append(best)
    return out


def run_one(
    args: Args, agent: str, seed: int, budget: int, params: dict[str, Any], db: Path
) -> tuple[list[float], float]:
    """One search through the runner; the best-so-far EDP curve read back from storage, and its wall time."""
    config = SearchConfig(
        args.env,
        agent,
        budget,
        seed=seed,
        workload=args.workload,
        env_kwargs={"space": args.space, "objectives": {"edp": 1.0}, "budgets": {"area_mm2": args.area_budget}},
        agent_kwargs=params,
        storage=f"sqlite:///{db}",
    )
    space = get_space(args.space)
    assert isinstance(space, HardwareSpace)
    start = time.perf_counter()
    result = run_search(config, SharedEvaluatorFactory(space, args.workload), progress=False)
    seconds = time.perf_counter() - start
    trials = Storage(config.storage).load(result.study)
    return best_so_far(trials, args.area_budget), seconds


def regret(edp: float, opt: float) -> float:
    """Relative excess over the optimum."""
    return edp / opt - 1.0


def median_regret(curves: list[list[float]], n: int, opt: float) -> float:
    """Median over seeds of the regret after ``n`` evaluations."""
    return statistics.median(regret(c[min(n, len(c)) - 1], opt) for c in curves)


def quality(args: Args, opt: float, db: Path) -> dict[str, Any]:
    """Regret curves of every agent; writes regret.csv."""
    budgets = FULL_BUDGETS if args.full else DEFAULT_BUDGETS
    summary: dict[str, Any] = {}
    with (args.out / "regret.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["agent", "seed", "evaluations", "best_edp_js", "regret"])
        for agent in args.agents:
            curves, seconds = [], []
            for seed in range(args.seeds):
                curve, wall = run_one(args, agent, seed, budgets[agent], {}, db)
                curves.append(curve)
                seconds.append(wall)
                for n, edp in enumerate(curve, start=1):
                    writer.writerow([agent, seed, n, edp, regret(edp, opt)])
            points = [n for n in CHECKPOINTS if n <= budgets[agent]]
            summary[agent] = {
                "budget": budgets[agent],
                "seeds": args.seeds,
                "median_regret": {n: median_regret(curves, n, opt) for n in points},
                "median_seconds": statistics.median(seconds),
            }
            line = "  ".join(f"{n}:{summary[agent]['median_regret'][n] * 100:6.1f}%" for n in points)
            print(f"{agent:<7} {statistics.median(seconds):7.1f}s  {line}", flush=True)
    return summary


def evaluations_to(curve: list[float], opt: float, within: float = 0.05) -> float:
    """First evaluation count whose best EDP is within ``within`` of the optimum (inf if never)."""
    return next((n for n, edp in enumerate(curve, start=1) if regret(edp, opt) <= within), math.inf)


def sensitivity(args: Args, opt: float, db: Path) -> list[dict[str, Any]]:
    """Per hyperparameter value: median evaluations to reach 5% and median final regret; writes sensitivity.csv."""
    rows: list[dict[str, Any]] = []
    for agent in (a for a in args.agents if a in SENSITIVITY):
        budget = SENSITIVITY_BUDGET[agent]
        for param, values in SENSITIVITY[agent].items():
            for value in values:
                curves = [
                    run_one(args, agent, seed, budget, {param: value}, db)[0] for seed in range(args.sensitivity_seeds)
                ]
                row = {
                    "agent": agent,
                    "param": param,
                    "value": value,
                    "budget": budget,
                    "seeds": args.sensitivity_seeds,
                    "median_evals_to_5pct": statistics.median(evaluations_to(c, opt) for c in curves),
                    "median_regret": statistics.median(regret(c[-1], opt) for c in curves),
                    "worst_regret": max(regret(c[-1], opt) for c in curves),
                }
                rows.append(row)
                print(
                    f"{agent:<6} {param}={value:<8} to 5%: {row['median_evals_to_5pct']:>6} evaluations, "
                    f"final regret median {row['median_regret'] * 100:5.1f}% worst {row['worst_regret'] * 100:5.1f}%",
                    flush=True,
                )
    with (args.out / "sensitivity.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["agent"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def parse_args() -> Args:
    """Args from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", nargs="+", default=list(DEFAULT_BUDGETS), choices=list(DEFAULT_BUDGETS))
    parser.add_argument("--env", default=ENV_ID, help="one-design env or its ...Seq-v0 variant")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workload", default="resnet18")
    parser.add_argument("--space", default="systolic-bench")
    parser.add_argument("--area-budget", type=float, default=8.0)
    parser.add_argument("--full", action="store_true", help="every agent to 2,000 evaluations (GP 300)")
    parser.add_argument("--sensitivity", action="store_true", help="also the hyperparameter sensitivity grid")
    parser.add_argument("--sensitivity-seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    return Args(**vars(parser.parse_args()))


def main() -> None:
    """Ground truth, then every agent, then (optionally) the sensitivity grid."""
    args = parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    space = get_space(args.space)
    assert isinstance(space, HardwareSpace)
    start = time.perf_counter()
    opt, design, opt_reward = optimum(space, args.workload, args.area_budget)
    print(f"{args.env} on {space.name}: {space.size} designs, {args.workload}, area <= {args.area_budget} mm^2")
    print(f"optimum EDP {opt:.6g} J*s at {design} (exhaustive, {time.perf_counter() - start:.1f} s)")
    print("agent   seconds  median regret (best EDP / optimum - 1) after n evaluations")
    for name in ("studies.db", "sensitivity.db"):
        for suffix in ("", "-wal", "-shm"):
            (args.out / f"{name}{suffix}").unlink(missing_ok=True)
    summary = quality(args, opt, args.out / "studies.db")
    sens = sensitivity(args, opt, args.out / "sensitivity.db") if args.sensitivity else []
    for agent, n in TARGETS.items():
        if agent in summary and n in summary[agent]["median_regret"]:
            value = summary[agent]["median_regret"][n]
            verdict = "within" if value <= 0.05 else "NOT within"
            print(f"target: {agent} median best EDP after {n} evaluations {verdict} 5% ({value * 100:.1f}%)")
    report = {
        "task": {
            "env": args.env,
            "space": space.name,
            "designs": space.size,
            "workload": args.workload,
            "area_budget_mm2": args.area_budget,
            "optimum_edp_js": opt,
            "optimum_design": design,
            "optimum_reward": opt_reward,
        },
        "agents": summary,
        "sensitivity": sens,
    }
    (args.out / "summary.json").write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
