"""``archsim map``: schedule a workload on a scratchpad to minimise off-chip traffic (ILP + baselines)."""

from __future__ import annotations

import argparse
import io
import json
import math
from typing import Any

from archsim.commands.common import add_output_args, add_workload_args, emit, load_workload_from_args
from workloads.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``map`` command."""
    parser = sub.add_parser(
        "map", help="order ops, place tensors and choose spills to minimise off-chip bytes (ILP, checked)"
    )
    add_workload_args(parser)
    parser.add_argument("--scratchpad-kb", type=float, required=True, help="scratchpad size in KiB (1024 bytes)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver time limit in seconds (default 60)")
    parser.add_argument(
        "--solver", choices=("highs", "cbc"), help="MILP solver (default: highs if installed, else cbc)"
    )
    parser.add_argument(
        "--tiles",
        default="1",
        help="row bands per feature map as units of residency: N, or auto (best of 1, 2, 4); default 1 (whole tensors)",
    )
    add_output_args(parser, formats=("table", "json"))
    parser.set_defaults(run=run)


def _table(payload: dict[str, Any]) -> str:
    """A readable summary: totals, baselines, then one row per step."""
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, width=160, file=io.StringIO())
    compulsory = payload["compulsory_bytes"]
    summary = Table(
        title=f"{payload['workload']} on {payload['scratchpad_bytes']:,} B scratchpad ({payload['precision']}): "
        f"{payload['status']} in {payload['solve_seconds']:.2f} s"
    )
    for header in ("schedule", "off-chip bytes", "non-compulsory bytes"):
        summary.add_column(header, justify="left" if header == "schedule" else "right")
    summary.add_row("mapped", f"{payload['offchip_bytes']:,}", f"{payload['noncompulsory_bytes']:,}")
    for name, total in payload["baselines"].items():
        summary.add_row(f"baseline: {name}", f"{total:,}", f"{total - compulsory:,}")
    console.print(summary)
    steps = Table(title="steps (offset:tensor; loads before the op, stores after it)")
    for header in ("#", "op", "resident", "loads", "stores"):
        steps.add_column(header)
    for k, step in enumerate(payload["steps"]):
        resident = ", ".join(f"{e['offset']}:{e['tensor']}" for e in step["resident"])
        if step["streamed"]:
            resident = f"(streamed: {step['window']['bytes']} B window @ {step['window']['offset']}) " + resident
        steps.add_row(str(k), step["op"], resident, ", ".join(step["loads"]), ", ".join(step["stores"]))
    console.print(steps)
    return console.export_text()


MAX_SCRATCHPAD_KB = 2.0**40
"""Largest scratchpad accepted (a pebibyte; beyond it byte offsets overflow the solver's integers)."""


def run(args: argparse.Namespace) -> int:
    """Map the workload and print the checked schedule."""
    from mappers.ilp import DEFAULT_SOLVER
    from mappers.mapper import map_workload

    if not 0 < args.scratchpad_kb <= MAX_SCRATCHPAD_KB:
        raise InputError(f"--scratchpad-kb: must be > 0 and <= {MAX_SCRATCHPAD_KB:g} KiB, got {args.scratchpad_kb}")
    if not args.time_limit > 0 or not math.isfinite(args.time_limit):
        raise InputError(f"--time-limit: must be a finite number of seconds > 0, got {args.time_limit}")
    workload = load_workload_from_args(args)
    scratchpad = int(args.scratchpad_kb * 1024)
    if args.tiles == "auto":
        from mappers.tiles import best_tiling

        tiles, result = best_tiling(workload, scratchpad, time_limit=args.time_limit, solver=args.solver)
    else:
        from mappers.tiles import tiled_workload

        try:
            tiles = int(args.tiles)
        except ValueError:
            raise InputError(f"--tiles: must be a positive integer or auto, got {args.tiles!r}") from None
        if tiles < 1:
            raise InputError(f"--tiles: must be a positive integer or auto, got {args.tiles!r}")
        graph = workload if tiles == 1 else tiled_workload(workload, tiles)
        result = map_workload(graph, scratchpad, time_limit=args.time_limit, solver=args.solver or DEFAULT_SOLVER)
    payload = result.to_payload()
    payload["tiles"] = tiles
    emit(json.dumps(payload, indent=2) if args.format == "json" else _table(payload), args.output)
    return 0
