"""Arguments and output handling shared by several commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from workloads.errors import InputError

if TYPE_CHECKING:
    from workloads.graph import Workload


WORKLOAD_HELP = (
    "zoo name, LLM spec (MODEL:phase=decode,context=2048,...), family spec (FAMILY:knob=value,...), "
    "SCALE-Sim topology .csv, .onnx or .tflite"
)


def add_workload_args(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    """``--workload`` and the options that shape how it is loaded."""
    parser.add_argument(
        "--workload",
        "-w",
        default=default,
        required=default is None,
        help=WORKLOAD_HELP + (f" (default: {default})" if default else ""),
    )
    add_load_options(parser)


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """Options that shape how a workload is loaded (precision, input shapes, unsupported ops)."""
    parser.add_argument("--precision", help="override the workload precision: int4, int8, int16, fp16, fp32")
    parser.add_argument(
        "--input-shape",
        action="append",
        default=[],
        metavar="NAME=DIMS",
        help="shape of a model input whose size the file leaves open, e.g. input=1x3x224x224 (repeatable)",
    )
    parser.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="import ONNX/TFLite models with unsupported ops as zero-cost pass-throughs and list them",
    )


def parse_input_shapes(items: list[str]) -> dict[str, tuple[int, ...]]:
    """Turn ``NAME=1x3x224x224`` items into a mapping."""
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items:
        name, sep, dims = item.partition("=")
        try:
            shape = tuple(int(d) for d in dims.lower().split("x"))
        except ValueError:
            shape = ()
        if not sep or not name or not shape or min(shape) <= 0:
            raise InputError(f"--input-shape {item!r}: expected NAME=DIMS with positive dims, e.g. input=1x3x224x224")
        shapes[name] = shape
    return shapes


def load_workload_from_args(args: argparse.Namespace) -> Workload:
    """Load the workload named by ``--workload`` with the loading options."""
    from workloads.precision import Precision
    from workloads.registry import load_workload

    precision = Precision.parse(args.precision, "--precision") if args.precision else None
    options: dict[str, object] = {}
    shapes = parse_input_shapes(args.input_shape)
    if shapes:
        options["input_shapes"] = shapes
    if args.skip_unsupported:
        options["skip_unsupported"] = True
    workload = load_workload(args.workload, precision, **options)
    for note in workload.notes:
        print(f"archsim: note: {note}", file=sys.stderr)
    return workload


SUFFIX_FORMATS = {".json": "json", ".csv": "csv", ".parquet": "parquet"}
"""An ``-o`` file suffix -> the format it names (a ``.txt`` or other file takes the command's default)."""


def add_output_args(parser: argparse.ArgumentParser, formats: tuple[str, ...] = ("table", "csv", "json")) -> None:
    """``--format`` (default: the ``-o`` file's suffix, else the first of ``formats``) and ``-o``."""
    parser.add_argument(
        "--format",
        "-f",
        choices=formats,
        default=None,
        help=f"output format (default: the -o file's suffix {', '.join(_suffixes(formats))}, else {formats[0]})",
    )
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    parser.set_defaults(output_formats=formats)


def _suffixes(formats: tuple[str, ...]) -> list[str]:
    return [suffix for suffix, name in SUFFIX_FORMATS.items() if name in formats]


def resolve_output_format(args: argparse.Namespace) -> None:
    """Set ``args.format`` from the ``-o`` suffix when ``--format`` is not given, so ``-o r.json`` writes JSON;
    a suffix naming another format than the one asked for (or one the command cannot write) is an error."""
    formats: tuple[str, ...] | None = getattr(args, "output_formats", None)
    if formats is None:
        return
    output: Path | None = args.output
    named = SUFFIX_FORMATS.get(output.suffix.lower()) if output is not None else None
    if named is not None and named not in formats:
        raise InputError(f"-o {output}: this command writes {' or '.join(formats)}, not {named}")
    if args.format is None:
        args.format = named or formats[0]
    elif named is not None and named != args.format:
        raise InputError(f"-o {output}: the suffix says {named} but --format is {args.format}; make them agree")


def check_output(output: Path, atomic: bool) -> None:
    """Refuse an ``-o`` target that cannot be written as a file: a directory, a missing folder, or (for
    ``atomic`` writers, which write a temporary file beside it and rename it over it) a device or pipe."""
    if not output.name or output.is_dir():
        raise InputError(f"-o {output}: is a directory; give a file name")
    if not output.parent.is_dir():
        raise InputError(f"-o {output}: directory {output.parent} does not exist")
    if atomic and output.exists() and not output.is_file():
        raise InputError(f"-o {output}: not a regular file (this command writes a new file in its place)")


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` (checked by :func:`check_output` first) or standard output; a regular file is
    replaced atomically, a device or pipe (``-o /dev/null``) written in place."""
    if not text.endswith("\n"):
        text += "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        if output.exists() and not output.is_file():
            with open(output, "w") as stream:
                stream.write(text)
            return
        tmp = output.with_name(output.name + ".tmp")
        try:
            tmp.write_text(text)
            tmp.replace(output)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(f"-o {output}: {exc.strerror or exc}") from None
