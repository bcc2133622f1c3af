"""Mapper benchmark: ILP vs baselines at 25/50/75 % of each network's peak working set (int8).

Prints a Markdown table per run: baselines' non-compulsory off-chip bytes, the
ILP's, its status and seconds, and the reduction against the best baseline and
against no reuse; then the divide-and-conquer run on a 300+ op DARTS network with
its lower bound and gap. The default run is bounded (three networks at 50 %,
20 s per solve, a short divide-and-conquer run); ``--full`` runs the whole table.

    python benchmarks/bench_mapper.py [--full] [--solver highs|cbc] [--time-limit S]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from mappers.ilp import DEFAULT_SOLVER, SOLVERS
from mappers.mapper import map_workload
from mappers.problem import MappingProblem
from mappers.result import MappingResult
from mappers.synthetic import nas_cell_network
from workloads.graph import Workload
from workloads.precision import Precision
from workloads.registry import load_workload


@dataclass
class Args:
    """Command-line options."""

    full: bool
    """Run every network at every size (about 15 solves of up to ``time_limit`` seconds)."""
    solver: str
    """MILP solver."""
    time_limit: float
    """Seconds per solve."""


def networks(full: bool) -> dict[str, Workload]:
    """The benchmark's networks: zoo CNNs, a DARTS cell network and one BERT encoder layer."""
    names = ["resnet18", "resnet50", "mobilenet_v2", "transformer_encoder"] if full else ["resnet18"]
    found = {name: load_workload(name, Precision.INT8) for name in names}
    found["darts_5cells"] = nas_cell_network(cells=5)
    if not full:
        found["transformer_encoder"] = load_workload("transformer_encoder", Precision.INT8)
    return found


def pct(part: float, whole: float) -> str:
    """Reduction of ``part`` against ``whole`` in percent."""
    return "n/a" if whole == 0 else f"{100 * (1 - part / whole):.1f}%"


def proof(result: MappingResult) -> str:
    """How the status was reached: the exact search (states expanded), the ILP, zero bytes, or none."""
    solver = result.solver
    exact = solver.get("exact_search", {})
    if exact.get("proven") and exact.get("placement") != "failed":
        return f"exact search ({exact['states']:,} states)"
    if solver.get("proven"):
        return "ILP"
    if result.noncompulsory_bytes == 0:
        return "zero bytes"
    return f"none (bound {solver.get('lower_bound_noncompulsory', 0):,})"


def run_table(args: Args) -> None:
    """One row per network and scratchpad size."""
    fractions = (0.25, 0.5, 0.75) if args.full else (0.5,)
    columns = ["network", "ops", "size", "S (B)", "no_reuse", "lru", "belady", "belady+orders", "ILP"]
    columns += ["status", "proof", "s", "vs best topo-order baseline", "vs belady+orders", "vs no_reuse"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for name, workload in networks(args.full).items():
        peak = MappingProblem(workload, 1 << 40).peak_working_set
        for fraction in fractions:
            scratchpad = int(peak * fraction)
            started = time.perf_counter()
            result = map_workload(workload, scratchpad, time_limit=args.time_limit, solver=args.solver)
            seconds = time.perf_counter() - started
            base = {k: v.noncompulsory_bytes for k, v in result.baselines.items()}
            topo = min(base["no_reuse"], base["lru"], base["belady"])
            mapped = result.noncompulsory_bytes
            print(
                f"| {name} | {len(workload)} | {int(fraction * 100)}% | {scratchpad:,} | {base['no_reuse']:,} | "
                f"{base['lru']:,} | {base['belady']:,} | {base['belady_order_search']:,} | {mapped:,} | "
                f"{result.status.value} | {proof(result)} | {seconds:.1f} | {pct(mapped, topo)} | "
                f"{pct(mapped, base['belady_order_search'])} | "
                f"{pct(mapped, base['no_reuse'])} |",
                flush=True,
            )


def run_divide_and_conquer(args: Args) -> None:
    """The divide-and-conquer path on a DARTS network of 300+ ops, at 50 % of its peak working set."""
    workload = nas_cell_network(cells=18)
    peak = MappingProblem(workload, 1 << 40).peak_working_set
    limit = 55.0 if args.full else 25.0
    started = time.perf_counter()
    # A small binary budget sends the graph down the chunked path (one ILP of radius 0 would also fit).
    result = map_workload(workload, peak // 2, time_limit=limit, solver=args.solver, max_binaries=400, chunk_ops=40)
    seconds = time.perf_counter() - started
    bound = result.solver.get("lower_bound_noncompulsory", 0)
    best = min(b.noncompulsory_bytes for b in result.baselines.values())
    gap = (result.noncompulsory_bytes - bound) / result.noncompulsory_bytes if result.noncompulsory_bytes else 0.0
    print()
    print("| graph | ops | status | chunks | non-compulsory B | best baseline B | lower bound B | gap | s |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| darts_18cells | {len(workload)} | {result.status.value} | {result.solver.get('chunks', '-')} | "
        f"{result.noncompulsory_bytes:,} | {best:,} | {bound:,} | {100 * gap:.1f}% | {seconds:.1f} |"
    )


def main() -> None:
    """Parse options and run the table, then divide and conquer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="every network at 25/50/75 %%")
    parser.add_argument("--solver", choices=SOLVERS, default=DEFAULT_SOLVER)
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per solve (default 60 full, 20 short)")
    ns = parser.parse_args()
    args = Args(ns.full, ns.solver, ns.time_limit or (60.0 if ns.full else 20.0))
    print(f"solver {args.solver}, time limit {args.time_limit:.0f} s per solve, int8")
    run_table(args)
    run_divide_and_conquer(args)


if __name__ == "__main__":
    main()
