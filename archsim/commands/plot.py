"""``archsim plot KIND RESULTS... -o FILE``: draw a figure from saved results (PNG, SVG or PDF)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workloads.errors import InputError

SUFFIXES = (".png", ".svg", ".pdf")


def _network_results(paths: list[Path]) -> list[Any]:
    from archsim.metrics import NetworkMetrics

    results = []
    for path in paths:
        data = _read_json(path)
        if not isinstance(data, dict) or not {"arch", "layers", "total"} <= set(data):
            raise InputError(f"{path}: not an `archsim simulate --format json` result (needs arch, layers, total)")
        results.append(NetworkMetrics.from_json(data))
    return results


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def _layers(paths: list[Path]) -> Any:
    from archsim.plots import cycle_breakdown

    if len(paths) != 1:
        raise InputError("plot layers: give exactly one simulate result")
    return cycle_breakdown(_network_results(paths)[0])


def _utilization(paths: list[Path]) -> Any:
    from archsim.plots import utilization_comparison

    return utilization_comparison(_network_results(paths))


def _energy(paths: list[Path]) -> Any:
    from archsim.plots import energy_breakdown

    return energy_breakdown(_network_results(paths))


def _roofline(paths: list[Path]) -> Any:
    from archsim.plots import roofline

    return roofline(_network_results(paths))


KINDS: dict[str, Callable[[list[Path]], Any]] = {
    "layers": _layers,
    "utilization": _utilization,
    "energy": _energy,
    "roofline": _roofline,
}
"""Plot kind -> function from result files to a Figure."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``plot`` command."""
    parser = sub.add_parser("plot", help="draw a figure from saved results (simulate/map/search JSON)")
    parser.add_argument("kind", choices=sorted(KINDS), help="which figure")
    parser.add_argument("results", nargs="+", type=Path, help="result files (JSON written with --format json -o)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="image file: .png, .svg or .pdf")
    parser.add_argument("--dpi", type=int, default=150, help="resolution of PNG output")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Draw and save."""
    if args.output.suffix.lower() not in SUFFIXES:
        raise InputError(f"-o {args.output}: unknown image type {args.output.suffix!r}; allowed: {', '.join(SUFFIXES)}")
    figure = KINDS[args.kind](args.results)
    figure.savefig(args.output, dpi=args.dpi)
    print(f"wrote {args.output}")
    return 0
