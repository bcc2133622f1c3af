"""``archsim workload W``: the ops and tensors of one workload."""

from __future__ import annotations

import argparse
import json
from typing import Any

from archsim.commands.common import WORKLOAD_HELP, add_load_options, add_output_args, emit, load_workload_from_args
from workloads.graph import Workload


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``workload`` command."""
    parser = sub.add_parser("workload", help="show the ops and tensors of a workload")
    parser.add_argument("workload", metavar="W", help=WORKLOAD_HELP)
    add_load_options(parser)
    add_output_args(parser, formats=("table", "json"))
    parser.set_defaults(run=run)


def describe(workload: Workload) -> dict[str, Any]:
    """JSON form: ops (name, kind, inputs, outputs, macs, shapes, the ops each waits for) and tensors
    (name, bytes, kind)."""
    waits: dict[str, list[str]] = {}
    for first, then in workload.after:
        waits.setdefault(then, []).append(first)
    ops = []
    for node in workload.nodes:
        op = node.op
        entry: dict[str, Any] = {
            "name": node.name,
            "kind": op.kind,
            "inputs": list(node.inputs),
            "outputs": list(node.outputs),
            "macs": op.macs,
        }
        entry["output_shape"] = list(workload.tensor(node.outputs[0]).shape)
        if op.kind == "vector":
            entry["fn"] = op.fn.value
        if getattr(op, "activation", None):
            entry["activation"] = op.activation.value
        if node.name in waits:
            entry["after"] = waits[node.name]
        ops.append(entry)
    tensors = [
        {
            "name": t.name,
            "shape": list(t.shape),
            "bytes": workload.tensor_bytes(t.name),
            "kind": workload.tensor_role(t.name),
            "precision": (t.precision or workload.precision).value,
        }
        for t in workload.tensors
    ]
    return {
        "name": workload.name,
        "precision": workload.precision.value,
        "macs": workload.total_macs,
        "ops": ops,
        "tensors": tensors,
    }


def run(args: argparse.Namespace) -> int:
    """Print one workload."""
    workload = load_workload_from_args(args)
    data = describe(workload)
    if args.format == "json":
        emit(json.dumps(data, indent=2), args.output)
        return 0
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{workload.name}: {workload.total_macs:,} MACs at {workload.precision.value}")
    for header in ("op", "kind", "output shape", "MACs", "inputs"):
        table.add_column(header, justify="right" if header == "MACs" else "left")
    for op in data["ops"]:
        inputs = ", ".join([*op["inputs"], *(f"after {first}" for first in op.get("after", ()))])
        table.add_row(op["name"], op["kind"], "x".join(map(str, op["output_shape"])), f"{op['macs']:,}", inputs)
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(table)
    emit(console.export_text(), args.output)
    return 0
