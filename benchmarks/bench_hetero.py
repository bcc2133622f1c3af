"""Heterogeneous co-search figures: joint vs sequential (network first, then hardware) on ``hetero-small``.

Both flows spend the same evaluation budget per seed (sequential: half on the network at the reference system
under a MACs budget, half on the system for that network) with the same agent and the specs of
``archsim/HeteroCoSearch-v0`` (latency <= 1 ms, area <= 2.5 mm^2, power <= 1 W). Reported per flow: how many
seeds' final designs meet the specs, medians with spread (min-max) of their accuracy, latency, energy and area,
and the accuracy-latency and accuracy-energy Pareto fronts of every evaluated design that meets the specs.

Default run (5 seeds, 60 evaluations per flow and seed; about 20-40 minutes on 2 shared cores, most of it
proxy training of the 64 networks, each trained once and cached in the study database):
    python benchmarks/bench_hetero.py
Quicker:
    python benchmarks/bench_hetero.py --seeds 0 1 2 --budget 40

Outputs go to ``--out``: ``summary.json``, ``comparison.csv`` (one row per flow and seed), ``fronts.json`` and the
plots ``front_latency.png`` and ``front_energy.png``. Re-running resumes every study and trains nothing twice;
``--fresh`` starts from an empty database.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archsim.plots import studies_scatter
from envs.cosearch.compare import compare, summary
from envs.hetero.figures import feasible_fronts, flow_summary, flow_trials, meets_specs
from envs.hetero.run import hetero_comparison


@dataclass
class Args:
    """Benchmark settings."""

    out: Path
    """Directory for the JSON/CSV/PNG outputs and the study database."""
    agent: str
    """Agent of both flows."""
    budget: int
    """Evaluations per flow and seed."""
    seeds: list[int]
    """Seeds of both flows."""
    fresh: bool
    """Delete the study database first."""


def parse() -> Args:
    """Command-line flags."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out/hetero"))
    parser.add_argument("--agent", default="bo")
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--fresh", action="store_true")
    ns = parser.parse_args()
    return Args(ns.out, ns.agent, ns.budget, ns.seeds, ns.fresh)


def main() -> None:
    """Run both flows over the seeds, then write the table, the fronts and the plots."""
    args = parse()
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.out / "studies.db"
    if args.fresh and db.exists():
        db.unlink()
    url = f"sqlite:///{db}"
    cmp = hetero_comparison(args.agent, args.budget, args.seeds, storage=url)
    start = time.perf_counter()
    outcomes = compare(cmp)
    wall = time.perf_counter() - start
    trials = flow_trials(outcomes, url)
    fronts = feasible_fronts(trials, cmp.specs)
    report: dict[str, Any] = {
        "space": cmp.space,
        "agent": args.agent,
        "budget_per_flow": args.budget,
        "seeds": args.seeds,
        "specs": dict(cmp.specs),
        "macs_budget": cmp.macs_budget,
        "wall_s": wall,
        "flows": flow_summary(outcomes, trials, cmp.specs),
        "all_seeds": summary(outcomes),
        "front_sizes": {flow: {name: len(f) for name, f in per.items()} for flow, per in fronts.items()},
    }
    rows = [o.row() for o in outcomes]
    with (args.out / "comparison.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(row | {"design": json.dumps(row["design"])})
    (args.out / "fronts.json").write_text(json.dumps(fronts, indent=1))
    (args.out / "summary.json").write_text(json.dumps(report, indent=1, default=str))
    feasible = {flow: [t for t in designs if meets_specs(t.metrics, cmp.specs)] for flow, designs in trials.items()}
    feasible = {flow: designs for flow, designs in feasible.items() if designs}
    for metric, name in (("latency_s", "front_latency.png"), ("energy_pj", "front_energy.png")):
        if not feasible:
            print(f"no flow evaluated a design meeting the specs: {name} not drawn")
            continue
        figure = studies_scatter(
            feasible, x=metric, y="accuracy", title=f"designs meeting the specs, {len(args.seeds)} seeds per flow"
        )
        figure.savefig(args.out / name, dpi=120)
    print(json.dumps(report, indent=1, default=str))
    for row in rows:
        print(
            f"{row['flow']:>10} seed {row['seed']}: acc {row['accuracy']:.3f} lat {row['latency_s'] * 1e3:.3f} ms "
            f"energy {row['energy_pj'] / 1e9:.3f} mJ area {row['area_mm2']:.2f} mm2 macs {row['macs'] / 1e6:.0f} M "
            f"specs {'met' if row['meets_specs'] else 'VIOLATED ' + row['violated']}"
        )


if __name__ == "__main__":
    main()
