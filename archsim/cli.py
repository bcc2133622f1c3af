"""The ``archsim`` command line: one module per command under ``archsim.commands``.

Each command module defines ``register(subparsers)`` and ``run(args) -> int`` and
keeps its heavy imports inside ``run`` so that startup stays fast. Bad input
(:class:`InputError`, or a ``ValueError`` from config validation) prints one
line and exits with code 2; set ``ARCHSIM_DEBUG=1`` for the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from archsim.commands.common import check_output, resolve_output_format

COMMANDS: dict[str, str] = {
    "simulate": "archsim.commands.simulate",
    "workloads": "archsim.commands.listing",
    "archs": "archsim.commands.listing",
    "workload": "archsim.commands.workload",
    "plot": "archsim.commands.plot",
    "search": "archsim.commands.search",
    "sweep": "archsim.commands.sweep",
    "map": "archsim.commands.map",
}
"""Command name -> module that registers and runs it."""


class _OneLineErrors(argparse.ArgumentParser):
    """A parser whose usage errors are one line (``archsim CMD: error: ...``), as every other error is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command's subparser."""
    parser = _OneLineErrors(
        prog="archsim",
        description="Simulate, map and search DNN accelerators: families systolic, fpga, npu, loopnest, manycore "
        "and multi-core systems (system), as `archsim archs` lists them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    registered: set[str] = set()
    for module_name in COMMANDS.values():
        if module_name in registered:
            continue
        registered.add(module_name)
        importlib.import_module(module_name).register(sub)
    return parser


def missing_extra(module: str | None) -> str | None:
    """The extra of archsim's installed metadata that provides ``module`` (e.g. ``ortools`` -> ``multicore``).

    None when ``module`` is not an optional dependency (a base one, or not archsim's at all),
    or when archsim runs uninstalled; then the import error is a bug and keeps its traceback.
    """
    from importlib import metadata

    try:
        requirements = metadata.requires("archsim") or []
    except metadata.PackageNotFoundError:
        return None
    top = (module or "").split(".")[0].lower()
    base: set[str] = set()
    optional: dict[str, str] = {}
    for line in requirements:
        requirement, _, marker = line.partition(";")
        name = re.split(r"[\[<>=!~ ]", requirement.strip(), maxsplit=1)[0].replace("-", "_").lower()
        extra = re.search(r"extra\s*==\s*['\"]([\w-]+)['\"]", marker)
        if extra is None:
            base.add(name)
        else:
            optional.setdefault(name, extra.group(1))
    return optional.get(top) if top not in base else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``archsim`` script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        resolve_output_format(args)
        output = getattr(args, "output", None)
        if output is not None:
            check_output(output, atomic=args.command == "sweep")
        return int(args.run(args))
    except BrokenPipeError:
        return 0
    except (ValueError, OSError) as exc:
        if os.environ.get("ARCHSIM_DEBUG"):
            raise
        from workloads.errors import cli_text

        print(f"archsim {args.command}: error: {cli_text(exc)}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        extra = missing_extra(exc.name)
        if extra is None or os.environ.get("ARCHSIM_DEBUG"):
            raise
        module = str(exc.name).split(".")[0]
        print(
            f"archsim {args.command}: error: {module} is not installed (pip install 'archsim[{extra}]')",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
