"""``archsim sweep``: a grid over design-space knobs, one row per design, streamed to CSV or Parquet."""

from __future__ import annotations

import argparse

from archsim.commands.common import add_load_options, add_output_args
from workloads.errors import InputError

DEFAULT_SPACE = "systolic"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` command."""
    parser = sub.add_parser("sweep", help="evaluate a grid of designs (knobs of a design space) to CSV or Parquet")
    parser.add_argument("--space", default=DEFAULT_SPACE, help=f"design space name (default: {DEFAULT_SPACE})")
    parser.add_argument("--workload", "-w", default="resnet18", help="zoo name or file (default: resnet18)")
    add_load_options(parser)
    parser.add_argument(
        "--knob",
        action="append",
        default=[],
        metavar="KNOB=V1,V2|all",
        help="sweep this knob over these values (repeatable); unlisted knobs stay at the reference design; "
        "no --knob sweeps the whole space",
    )
    parser.add_argument("--list-knobs", action="store_true", help="print the space's knobs and values, then exit")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="LLM workloads: sweep a spec key (context, batch, prompt, tokens, wbits...) on --arch (repeatable)",
    )
    parser.add_argument("--arch", "-a", default="tpu-like", help="with --vary: preset or file (default tpu-like)")
    add_output_args(parser, formats=("csv", "parquet"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the grid, evaluate it in chunks (vectorised where the family allows), stream the rows out."""
    from archsim.commands.common import emit, load_workload_from_args
    from archsim.commands.pairs import parse_knob_lists
    from envs.catalog import get_space
    from envs.evaluate import SimulatorEvaluator
    from envs.sweep import StreamedSweep, grid

    if args.vary:
        if args.precision or args.input_shape or args.skip_unsupported:
            raise InputError(
                "--vary sweeps an LLM spec, whose widths are its own keys (wbits=, abits=, kvbits=); "
                "--precision, --input-shape and --skip-unsupported do not apply"
            )
        from archsim.config.loader import load_arch
        from archsim.llm.sweep import parse_vary, sweep_llm, write_parquet
        from archsim.llm.sweep import to_csv as llm_csv

        if args.format == "parquet" and args.output is None:
            raise InputError("--format parquet: give -o FILE (Parquet is not written to standard output)")
        config = load_arch(args.arch)
        if config.family == "system":
            import mappers.multicore  # noqa: F401  (registers simulate()'s system simulator)
        rows = sweep_llm(args.workload, parse_vary(args.vary), config)
        if args.format == "parquet":
            write_parquet(rows, args.output)
        else:
            emit(llm_csv(rows), args.output)
        return 0
    space = get_space(args.space)
    if args.list_knobs:
        lines = [f"{k.name}: {', '.join(str(v) for v in k.values)}" for k in space.knobs]
        emit("\n".join(lines), args.output)
        return 0
    knobs = parse_knob_lists(args.knob)
    sub = grid(space, knobs)
    evaluator = SimulatorEvaluator(sub, load_workload_from_args(args))  # type: ignore[arg-type]
    identity = {"space": args.space, "knobs": dict(knobs), "workload": args.workload}
    if args.precision or args.input_shape or args.skip_unsupported:  # a rerun resumes only the same workload
        identity["load"] = {
            "precision": args.precision,
            "input_shape": list(args.input_shape),
            "skip_unsupported": args.skip_unsupported,
        }
    StreamedSweep(sub, evaluator, args.output, args.format, identity).run(progress=not args.no_progress)
    return 0
