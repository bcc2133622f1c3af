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
import sys
from collections.abc import Sequence

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


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command's subparser."""
    parser = argparse.ArgumentParser(
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``archsim`` script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        if os.environ.get("ARCHSIM_DEBUG"):
            raise
        from workloads.errors import cli_text

        print(f"archsim {args.command}: error: {cli_text(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
