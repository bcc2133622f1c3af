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
    parser.add_argument(
        "--scalesim-compat",
        action="store_true",
        help="systolic arrays: reproduce SCALE-Sim 3.0.0's own numbers (its stall and traffic accounting, "
        "which can exceed the DRAM bandwidth) instead of the physically consistent default model",
    )
    parser.add_argument(
        "--vela-compat",
        action="store_true",
        help="NPUs: reproduce Vela 5.2's weight pre-buffering (the previous operation's whole NPU cycles as "
        "copy time, which can exceed the flash/DRAM bandwidth) instead of the physically consistent default",
    )
    parser.add_argument(
        "--fusion", choices=("none", "auto"), help="multi-core systems: layer by layer, or fused stacks searched"
    )
    parser.add_argument(
        "--scheduler",
        choices=("list", "exact", "genetic", "pipeline"),
        help="multi-core systems: allocation search (default list; pipeline spreads fused stacks over cores)",
    )
    parser.add_argument("--mapping", help="loop-nest configs: ZigZag mapping YAML (spatial unrolling, loop orders)")
    parser.add_argument(
        "--objective",
        choices=("energy", "latency", "edp"),
        help="loop-nest configs: what the per-layer mapper minimises",
    )
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
    from archsim.simulate import simulate, with_workload_metrics

    config = load_arch(args.arch)
    if args.dataflow:
        if config.family != "systolic":
            raise InputError(f"--dataflow: only systolic arrays have a dataflow; {args.arch!r} is {config.family}")
        config = dataclasses.replace(config, dataflow=args.dataflow)
    if args.scalesim_compat:
        if config.family != "systolic":
            raise InputError(
                f"--scalesim-compat: only systolic arrays have a SCALE-Sim mode; {args.arch!r} is {config.family}"
            )
        config = dataclasses.replace(config, scalesim_quirks=True)
    if args.vela_compat:
        if config.family != "npu":
            raise InputError(f"--vela-compat: only NPUs have a Vela mode; {args.arch!r} is {config.family}")
        config = dataclasses.replace(config, vela_compat=True)
    if args.mapping or args.objective:
        if config.family != "loopnest":
            flag = "--mapping" if args.mapping else "--objective"
            raise InputError(
                f"{flag}: only loop-nest configs take a mapping/objective; {args.arch!r} is {config.family}"
            )
        changes = {"mapping_file": args.mapping} if args.mapping else {}
        if args.objective:
            changes["objective"] = args.objective
        config = dataclasses.replace(config, **changes)
    workload = load_workload_from_args(args)
    if config.family == "system":
        from mappers.multicore.flow import simulate_system

        metrics = simulate_system(workload, config, fusion=args.fusion or "none", scheduler=args.scheduler or "list")
        metrics = with_workload_metrics(metrics, workload, config)  # an LLM's serving figures, as simulate() adds
        units = "fused stacks" if args.fusion == "auto" else "layers"
        for core, refused in metrics.schedule.get("refused", {}).items():
            print(
                f"archsim simulate: note: {core} cannot run {refused['stacks']} of the {units} (first: "
                f"{refused['reason']}); the schedule runs them on the other cores",
                file=sys.stderr,
            )
    elif args.fusion or args.scheduler:
        raise InputError(f"--fusion/--scheduler: only multi-core systems take them; {args.arch!r} is {config.family}")
    else:
        metrics = simulate(workload, config)
    if "fits_memory" in metrics.extra_total:
        from archsim.llm.metrics import conversion_warning, positions_warning, unfit_warning

        total = metrics.extra_total
        for warning in (unfit_warning(total), positions_warning(total), conversion_warning(total)):
            if warning:
                print(f"archsim simulate: warning: {args.arch}: {warning}", file=sys.stderr)
    if args.format == "csv":
        text = report.to_csv(metrics)
    elif args.format == "json":
        text = report.to_json(metrics)
    else:
        text = report.render_table(metrics, _assumptions(args.arch, config))
    emit(text, args.output)
    return 0
