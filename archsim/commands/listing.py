"""``archsim workloads`` and ``archsim archs``: what is built in."""

from __future__ import annotations

import argparse
import json

from archsim.commands.common import emit


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``workloads`` and ``archs`` commands."""
    workloads = sub.add_parser("workloads", help="list the zoo networks and parametric network families")
    workloads.add_argument("--format", "-f", choices=("table", "json"), default="table")
    workloads.set_defaults(run=run_workloads, output=None)
    archs = sub.add_parser("archs", help="list the hardware presets")
    archs.add_argument("--format", "-f", choices=("table", "json"), default="table")
    archs.set_defaults(run=run_archs, output=None)


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _table(title: str, headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, header_style="bold")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(table)
    return console.export_text()


def workload_entries() -> list[dict[str, str]]:
    """Zoo networks and families with a one-line description each."""
    from workloads import registry

    entries = []
    for name in registry.zoo_names():
        builder = registry.zoo_builder(name)
        entries.append({"name": name, "type": "zoo", "description": _first_line(builder.__doc__)})
    for name, family in registry.families().items():
        grouped = {knob for members in family.groups.values() for knob in members}
        names = [f"{group} (per stage)" for group in family.groups] + [k for k in family.knobs if k not in grouped]
        knobs = ", ".join(names)
        entries.append({"name": name, "type": "family", "description": f"{_first_line(family.__doc__)} Knobs: {knobs}"})
    from workloads.llm.catalog import MODELS

    for name, config in MODELS.items():
        shape = f"{config.layers} layers, d={config.hidden}, {config.heads}/{config.kv_heads} heads"
        experts = f", top-{config.top_k} of {config.experts} experts" if config.is_moe else ""
        description = f"LLM ({shape}{experts}); spec {name}:phase=decode,context=N,batch=N,wbits=4|8|16 (docs/llm.md)"
        entries.append({"name": name, "type": "llm", "description": description})
    return entries


def run_workloads(args: argparse.Namespace) -> int:
    """Print the zoo and the families."""
    entries = workload_entries()
    if args.format == "json":
        emit(json.dumps(entries, indent=2), None)
    else:
        rows = [(e["name"], e["type"], e["description"]) for e in entries]
        emit(_table("workloads", ("name", "type", "description"), rows), None)
    return 0


def arch_entries() -> list[dict[str, str]]:
    """Presets with their family and the ``description`` sentence of their data file."""
    import tomllib
    from importlib import resources

    from archsim.config.loader import PRESET_PACKAGE, load_preset, preset_names

    entries = []
    for name in preset_names():
        config = load_preset(name)
        text = resources.files(PRESET_PACKAGE).joinpath(f"{name}.toml").read_text()
        description = tomllib.loads(text).get("description", "")
        entries.append({"name": name, "family": config.family, "description": description})
    return entries


def run_archs(args: argparse.Namespace) -> int:
    """Print the presets."""
    entries = arch_entries()
    if args.format == "json":
        emit(json.dumps(entries, indent=2), None)
    else:
        rows = [(e["name"], e["family"], e["description"]) for e in entries]
        emit(_table("hardware presets", ("name", "family", "description"), rows), None)
    return 0
