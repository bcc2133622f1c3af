"""Joint vs sequential co-search on every family (systolic with packed int4 PEs, FPGA, NPU), same specs, 3+ seeds.

For each family's co-search space (``cosearch-systolic-int4``, ``cosearch-fpga``, ``cosearch-npu``)
both flows of :mod:`envs.cosearch.compare` run with the same agent, budget and specs, stated in
user units (:mod:`envs.constraints`): how often each flow's final design meets the specs, and its
accuracy and cost. All studies share one SQLite file and one accuracy cache (every space searches
the same network family with the same proxy trainer), so a network is trained once for all families;
the networks are limited to :data:`NETWORK_VALUES` (192) so that the cache serves most evaluations.
The accuracy-cost Pareto fronts of every study go to ``fronts.json`` (read by notebook 07).

Default run (about 30-60 minutes on 2 heavily shared cores, most of it proxy training):
    python benchmarks/bench_cosearch_families.py --out bench-out/cosearch-families
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envs.constraints import parse_constraints
from envs.cosearch import get_cosearch_space
from envs.cosearch.compare import Comparison, compare, summary
from envs.cosearch.run import CoSearchRun, accuracy_fronts, run_cosearch, study_trials

SPECS: dict[str, tuple[str, ...]] = {
    "cosearch-systolic-int4": ("fps>=500", "area<=5mm2"),
    "cosearch-fpga": ("fps>=100", "dsp<=0.5"),
    "cosearch-npu": ("fps>=250", "power<=0.3W", "sram<=512KB"),
}
"""Each family's specs in user units (the same for both flows)."""

NETWORK_VALUES: dict[str, tuple[Any, ...]] = {
    "resolution": (128, 160),
    "width": (0.5, 1.0),
    "depth": (1, 2),
    "kernel": (3, 5),
    "expand": (3, 6),
    "bits": (4, 8, 16),
}
"""The networks compared (192 of the spaces' 972): fewer networks, so the accuracy cache serves every family."""


@dataclass
class Args:
    """Benchmark settings."""

    out: Path
    """Directory for the outputs and the study database."""
    agent: str
    """Agent of every search."""
    budget: int
    """Evaluations per flow (sequential: half network, half hardware)."""
    seeds: list[int]
    """Seeds of both flows."""
    spaces: list[str]
    """Co-search spaces (families) to compare."""


def parse() -> Args:
    """Command-line flags."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out/cosearch-families"))
    parser.add_argument("--agent", default="bo")
    parser.add_argument("--budget", type=int, default=16)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--spaces", nargs="+", default=list(SPECS), choices=list(SPECS))
    ns = parser.parse_args()
    return Args(ns.out, ns.agent, ns.budget, ns.seeds, ns.spaces)


def joint_fronts(cmp: Comparison) -> dict[str, Any]:
    """Accuracy-energy and accuracy-latency fronts over the trials of every seed's joint study (resumed: no work)."""
    trials = []
    for seed in cmp.seeds:
        run = CoSearchRun(
            cmp.agent,
            cmp.budget,
            seed,
            space=cmp.space,
            accuracy=cmp.accuracy,
            objectives=dict(cmp.objectives),
            budgets=dict(cmp.specs),
            storage=cmp.storage,
            workers=cmp.workers,
        )
        trials += study_trials(cmp.storage, run_cosearch(run, progress=False).study)
    fronts = accuracy_fronts(trials)
    return {name: fronts[name] for name in ("accuracy-energy", "accuracy-latency")}


def main() -> None:
    """Both flows per family and seed; rows to ``comparison.csv``, summaries to ``summary.json``."""
    args = parse()
    args.out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{args.out / 'studies.db'}"
    report: dict[str, Any] = {}
    rows = []
    fronts = {}
    for space in args.spaces:
        specs = parse_constraints(SPECS[space])
        start = time.perf_counter()
        full = get_cosearch_space(space)
        hardware = {k.name: k.values for k in full.knobs if k.group == "hardware"}  # every hardware value
        searched = full.restrict({**NETWORK_VALUES, **hardware}, f"{space}-bench")
        cmp = Comparison(
            agent=args.agent, budget=args.budget, seeds=tuple(args.seeds), space=searched, specs=specs, storage=url
        )
        outcomes = compare(cmp)
        report[space] = {
            "specs": list(SPECS[space]),
            "bounds": specs,
            "wall_s": time.perf_counter() - start,
            "summary": summary(outcomes),
        }
        for o in outcomes:
            rows.append({"space": space, **o.row()})
            print(
                f"{space:>22} {o.flow:>10} seed {o.seed}: acc {o.accuracy:.3f} lat {o.latency_s * 1e3:.2f} ms "
                f"energy {o.energy_pj / 1e9:.3f} mJ specs "
                f"{'met' if o.meets_specs else 'VIOLATED ' + ','.join(o.violated)}",
                flush=True,
            )
        fronts[space] = joint_fronts(cmp)
        print(json.dumps(report[space]["summary"], indent=1), flush=True)
        write(args.out, rows, fronts, report)  # after every family, so a cut-short run keeps what it measured


def write(out: Path, rows: list[dict[str, Any]], fronts: dict[str, Any], report: dict[str, Any]) -> None:
    """``comparison.csv``, ``fronts.json`` and ``summary.json`` of the families done so far."""
    with (out / "comparison.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(row | {"design": json.dumps(row["design"])})
    (out / "fronts.json").write_text(json.dumps(fronts, indent=1, default=str))
    (out / "summary.json").write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
