"""Multi-agent vs single-agent design search: regret vs evaluations of marl-ppo, ppo, bo and random.

``marl-ppo-1`` is a control: the same independent-PPO trainer with a single agent owning every
knob, so that a difference between ``marl-ppo`` and ``ppo`` can be told apart from a difference
between the trainer's rollout loop and SB3's own ``learn``.

Run (default: both spaces, 5 seeds, 500 evaluations per run; about 35 minutes at load 13 on 2 cores,
of which ~5 minutes evaluate the whole system space once for the ground truth)::

    python benchmarks/bench_marl.py --out bench-results/marl

Quick look (one space, 2 seeds, 200 evaluations)::

    python benchmarks/bench_marl.py --spaces systolic --seeds 2 --budget 200 --out /tmp/marl

Tasks (reduced spaces whose optimum is known by exhaustive enumeration), both on ResNet-18,
minimise EDP under an area budget (reward ``-log(EDP/EDP_ref)`` plus the budget penalty):

- ``system``: ``archsim/SystemDSE-v0`` restricted to 2,304 designs (cores 1/2/4, rows and cols
  8..64, SRAM 128/512 KB per core, os/ws/is, link 8/64 and DRAM 8..64 bytes/cycle), area <= 4 mm^2;
  three agents: ``core`` (rows, cols, sram_kb, dataflow), ``memory`` (link_bw, dram_bw), ``system`` (cores).
- ``systolic``: ``archsim/SystolicDSE-v0`` on ``systolic-bench`` (11,664 designs), area <= 8 mm^2;
  two agents: ``core`` (rows, cols, dataflow) and ``memory`` (three SRAMs, DRAM bandwidth).

Every agent runs through the real search runner (SQLite storage) at the same budget; one
evaluation = one design proposed (repeats count, as they cost a trial). Regret after n
evaluations = best feasible EDP so far / optimum - 1 (inf until a feasible design is found).
Outputs in ``--out``: ``regret-<space>.csv`` (every curve, the columns of bench_agents.py's
``regret.csv``, so ``archsim plot regret OUT/regret-system.csv`` draws it), ``summary.json`` (medians, min-max over
seeds, wall times) and ``regret.png`` (median curves with the min-max band).
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

from bench_agents import best_so_far, optimum, regret

from envs.catalog import get_space
from envs.evaluate import SharedEvaluatorFactory
from envs.runner import SearchConfig, run_search
from envs.spaces import HardwareSpace
from envs.storage import Storage
from envs.system_space import SYSTEM_SPACE

AGENTS = ("marl-ppo", "marl-ppo-1", "ppo", "bo", "random")
"""Compared searches; ``marl-ppo-1`` is the control: the same trainer with one agent owning every knob."""
CHECKPOINTS = (25, 50, 100, 200, 300, 500, 1000)


@dataclass(frozen=True)
class Case:
    """One search task of the comparison."""

    env_id: str
    space: HardwareSpace
    area_budget: float
    workload: str = "resnet18"


def cases() -> dict[str, Case]:
    """The reduced spaces compared (built here so that importing the module evaluates nothing)."""
    system = SYSTEM_SPACE.restrict(
        {
            "cores": (1, 2, 4),
            "rows": (8, 16, 32, 64),
            "cols": (8, 16, 32, 64),
            "sram_kb": (128, 512),
            "dataflow": ("os", "ws", "is"),
            "link_bw": (8, 64),
            "dram_bw": (8, 16, 32, 64),
        },
        name="system-marl",
    )
    systolic = get_space("systolic-bench")
    assert isinstance(system, HardwareSpace) and isinstance(systolic, HardwareSpace)
    return {
        "system": Case("archsim/SystemDSE-v0", system, 4.0),
        "systolic": Case("archsim/SystolicDSE-v0", systolic, 8.0),
    }


@dataclass
class Args:
    """Command-line options."""

    spaces: list[str] = field(default_factory=lambda: ["system", "systolic"])
    agents: list[str] = field(default_factory=lambda: list(AGENTS))
    seeds: int = 5
    budget: int = 500
    out: Path = Path("bench-results/marl")


def agent_and_params(name: str, case: Case) -> tuple[str, dict[str, Any]]:
    """The runner's agent name and its parameters for a compared search."""
    if name == "marl-ppo-1":
        return "marl-ppo", {"split": {"all": list(case.space.names)}}
    return name, {}


def run_curve(case: Case, name: str, seed: int, budget: int, db: Path) -> tuple[list[float], float]:
    """One search through the runner: the best-so-far feasible EDP after each evaluation, and its wall time."""
    agent, params = agent_and_params(name, case)
    config = SearchConfig(
        case.env_id,
        agent,
        budget,
        seed=seed,
        workload=case.workload,
        env_kwargs={"space": case.space, "objectives": {"edp": 1.0}, "budgets": {"area_mm2": case.area_budget}},
        agent_kwargs=params,
        storage=f"sqlite:///{db}",
    )
    start = time.perf_counter()
    result = run_search(config, SharedEvaluatorFactory(case.space, case.workload), progress=False)
    seconds = time.perf_counter() - start
    return best_so_far(Storage(config.storage).load(result.study), case.area_budget), seconds


def spread(values: list[float]) -> dict[str, float]:
    """Median, minimum and maximum over seeds."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def compare(args: Args, name: str, case: Case) -> dict[str, Any]:
    """Ground truth, then every agent's regret curves on one case (written to ``regret-<name>.csv``)."""
    start = time.perf_counter()
    opt, design, opt_reward = optimum(case.space, case.workload, case.area_budget)
    print(f"\n{name}: {case.env_id} on {case.space.size} designs, area <= {case.area_budget} mm^2", flush=True)
    print(f"optimum EDP {opt:.6g} J*s at {design} (exhaustive, {time.perf_counter() - start:.1f} s)", flush=True)
    db = args.out / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    points = [n for n in CHECKPOINTS if n <= args.budget]
    print(f"{'agent':<10} {'s/run':>6}  median regret % (min-max over {args.seeds} seeds) after n evaluations")
    agents: dict[str, Any] = {}
    rows: list[list[Any]] = []
    for agent in args.agents:
        curves, seconds = [], []
        for seed in range(args.seeds):
            curve, wall = run_curve(case, agent, seed, args.budget, db)
            curves.append(curve)
            seconds.append(wall)
            rows.extend([agent, seed, n, edp, regret(edp, opt)] for n, edp in enumerate(curve, start=1))
        at = {n: spread([regret(c[n - 1], opt) for c in curves]) for n in points}
        agents[agent] = {"regret": at, "seconds": spread(seconds), "curves_median": median_curve(curves, opt)}
        cells = "  ".join(f"{n}:{_pct(s['median'])} ({_pct(s['min'])}-{_pct(s['max'])})" for n, s in at.items())
        print(f"{agent:<10} {statistics.median(seconds):6.1f}  {cells}", flush=True)
    with (args.out / f"regret-{name}.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["agent", "seed", "evaluations", "best_edp_js", "regret"])
        writer.writerows(rows)
    return {
        "env": case.env_id,
        "space": case.space.name,
        "designs": case.space.size,
        "workload": case.workload,
        "area_budget_mm2": case.area_budget,
        "optimum_edp_js": opt,
        "optimum_design": design,
        "optimum_reward": opt_reward,
        "agents": agents,
    }


def median_curve(curves: list[list[float]], opt: float) -> dict[str, list[float]]:
    """Per evaluation count: median, min and max regret over seeds (for the plot)."""
    columns = list(zip(*curves, strict=True))
    regrets = [[regret(v, opt) for v in column] for column in columns]
    return {
        "median": [statistics.median(r) for r in regrets],
        "min": [min(r) for r in regrets],
        "max": [max(r) for r in regrets],
    }


def _pct(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value * 100:.1f}"


def plot(summary: dict[str, Any], path: Path) -> None:
    """Median regret vs evaluations per agent, one panel per space, min-max band over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(summary), figsize=(5.5 * len(summary), 4.0), squeeze=False)
    for ax, (name, case) in zip(axes[0], summary.items(), strict=True):
        for agent, data in case["agents"].items():
            curve = data["curves_median"]
            x = range(1, len(curve["median"]) + 1)
            finite = [[min(v, 10.0) for v in curve[k]] for k in ("median", "min", "max")]
            style = "--" if agent == "marl-ppo-1" else "-"  # drawn over ppo: the two curves are identical
            (line,) = ax.plot(x, finite[0], style, label=agent)
            ax.fill_between(x, finite[1], finite[2], color=line.get_color(), alpha=0.15)
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_ylim(0.0, 12.0)
        ax.set_xlabel("evaluations")
        ax.set_ylabel("regret (best EDP / optimum - 1)")
        ax.set_title(f"{name}: {case['designs']} designs, area <= {case['area_budget_mm2']} mm$^2$")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args() -> Args:
    """Args from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spaces", nargs="+", default=["system", "systolic"], choices=["system", "systolic"])
    parser.add_argument("--agents", nargs="+", default=list(AGENTS), choices=list(AGENTS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=500, help="evaluations per run, the same for every agent")
    parser.add_argument("--out", type=Path, default=Path("bench-results/marl"))
    return Args(**vars(parser.parse_args()))


def main() -> None:
    """Every case, every agent, every seed; then the table files and the plot."""
    args = parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    all_cases = cases()
    summary: dict[str, Any] = {}
    for name in args.spaces:
        summary[name] = compare(args, name, all_cases[name])
    plot(summary, args.out / "regret.png")
    for case in summary.values():
        for data in case["agents"].values():
            data.pop("curves_median")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"\nwrote regret-<space>.csv, summary.json and regret.png in {args.out}")


if __name__ == "__main__":
    main()
