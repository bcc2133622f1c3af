"""``archsim simulate``: per-layer metrics of a workload on an accelerator config."""

from __future__ import annotations

import argparse
import dataclasses

from archsim.commands.common import add_output_args, add_workload_args, emit, load_workload_from_args
from workloads.errors import InputError

DEFAULT_WORKLOAD = "resnet50"
DEFAULT_ARCH = "tpu-like"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` command."""
    parser = sub.add_parser("simulate", help="simulate a workload on an accelerator, layer by layer")
    add_workload_args(parser, default=DEFAULT_WORKLOAD)
    parser.add_argument(
        "--arch",
        "-a",
        default=DEFAULT_ARCH,
        help=f"preset name (see `archsim archs`), or a .toml/.yaml file, or a SCALE-Sim .cfg (default: {DEFAULT_ARCH})",
    )
    parser.add_argument("--dataflow", choices=("os", "ws", "is"), help="override a systolic array's dataflow")
    add_output_args(parser)
    parser.set_defaults(run=run)


def _assumptions(arch: str, config: object) -> list[str]:
    """What the table's figures assume that the user's own file does not say (a .cfg has no clock)."""
    if arch.lower().endswith(".cfg"):
        clock = getattr(config, "clock_mhz", None)
        return [f"{arch}: a SCALE-Sim .cfg sets no clock; latency assumes {clock:,.6g} MHz"]
    return []


def run(args: argparse.Namespace) -> int:
    """Load, simulate, print."""
    from archsim import report
    from archsim.config.loader import load_arch
    from archsim.simulate import simulate

    config = load_arch(args.arch)
    if args.dataflow:
        if config.family != "systolic":
            raise InputError(f"--dataflow: only systolic arrays have a dataflow; {args.arch!r} is {config.family}")
        config = dataclasses.replace(config, dataflow=args.dataflow)
    workload = load_workload_from_args(args)
    metrics = simulate(workload, config)
    if args.format == "csv":
        text = report.to_csv(metrics)
    elif args.format == "json":
        text = report.to_json(metrics)
    else:
        text = report.render_table(metrics, _assumptions(args.arch, config))
    emit(text, args.output)
    return 0
