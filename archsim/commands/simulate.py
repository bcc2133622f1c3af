"""``archsim simulate``: per-layer metrics of a workload on an accelerator config."""

from __future__ import annotations

import argparse
import dataclasses
import sys

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
    if "fits_memory" in metrics.extra_total:
        from archsim.llm.metrics import unfit_warning

        warning = unfit_warning(metrics.extra_total)
        if warning:
            print(f"archsim simulate: warning: {args.arch}: {warning}", file=sys.stderr)
    if args.format == "csv":
        text = report.to_csv(metrics)
    elif args.format == "json":
        text = report.to_json(metrics)
    else:
        text = report.render_table(metrics)
    emit(text, args.output)
    return 0
