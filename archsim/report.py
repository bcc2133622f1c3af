"""Render network results as a rich table, CSV or JSON (DESIGN.md's contract)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from archsim.metrics import LAYER_COLUMNS, NetworkMetrics

TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("layer", "layer"),
    ("kind", "kind"),
    ("macs", "MACs"),
    ("compute_cycles", "compute cyc"),
    ("stall_cycles", "stall cyc"),
    ("total_cycles", "total cyc"),
    ("overall_util_pct", "util %"),
    ("ifmap_dram_reads", "ifmap DRAM rd (words)"),
    ("filter_dram_reads", "filter DRAM rd (words)"),
    ("ofmap_dram_writes", "ofmap DRAM wr (words)"),
    ("energy_pj", "energy (uJ)"),
    ("latency_s", "latency (ms)"),
)
"""(row key, header with unit) of the human-readable table; DRAM counts are words, as in the CSV."""


def csv_columns(metrics: NetworkMetrics) -> list[str]:
    """The contract's columns, then every extra column in first-seen order."""
    columns = list(LAYER_COLUMNS)
    for layer in metrics.layers:
        for key in layer.extras:
            if key not in columns:
                columns.append(key)
    return columns


def to_csv(metrics: NetworkMetrics) -> str:
    """One row per layer."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=csv_columns(metrics), lineterminator="\n")
    writer.writeheader()
    for layer in metrics.layers:
        writer.writerow(layer.row())
    return buffer.getvalue()


def to_json(metrics: NetworkMetrics) -> str:
    """``{"arch", "workload", "layers", "total"}`` plus ``design``/``resources`` when the family has them."""
    return json.dumps(metrics.to_json(), indent=2, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _cell(key: str, value: Any) -> str:
    if key == "energy_pj":
        return f"{value / 1e6:,.2f}"
    if key == "latency_s":
        return f"{value * 1e3:,.3f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_table(metrics: NetworkMetrics, notes: Sequence[str] = ()) -> str:
    """A per-layer table, the network totals (with the clock the latency assumes) and ``notes``, for a terminal."""
    from rich.console import Console
    from rich.table import Table

    arch = metrics.arch
    title = f"{metrics.workload} on {arch.get('name', '?')} ({arch.get('family', '?')})"
    table = Table(title=title, header_style="bold", show_lines=False)
    for key, header in TABLE_COLUMNS:
        table.add_column(header, justify="left" if key in ("layer", "kind") else "right", no_wrap=True)
    for layer in metrics.layers:
        row = layer.row()
        table.add_row(*(_cell(key, row[key]) for key, _ in TABLE_COLUMNS))
    total = metrics.total()
    table.add_section()
    table.add_row(
        "TOTAL",
        "",
        *(_cell(key, total[key]) for key, _ in TABLE_COLUMNS[2:] if key not in ("layer", "kind")),
        style="bold",
    )
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(table)
    clock = f" at {arch['clock_mhz']:,.6g} MHz" if "clock_mhz" in arch else ""
    summary = (
        f"cycles {metrics.total_cycles:,} | latency {metrics.latency_s * 1e3:,.3f} ms{clock} "
        f"({total['inferences_per_s']:,.1f} inf/s) | energy {metrics.energy_pj / 1e6:,.2f} uJ | "
        f"utilization {100 * metrics.overall_util:.1f}% | {_footprint(metrics)}"
    )
    console.print(summary)
    for note in notes:
        console.print(f"note: {note}")
    if "tokens_per_s" in total:
        console.print(_llm_summary(total))
    return console.export_text()


def _footprint(metrics: NetworkMetrics) -> str:
    """Silicon area, or the used / available resources for families that report resources (FPGAs) instead."""
    counted = {name: value for name, value in metrics.resources.items() if isinstance(value, dict) and "used" in value}
    if not counted:
        return f"area {metrics.area_mm2:,.2f} mm^2"
    return "resources " + ", ".join(
        f"{name.upper()} {value['used']:,}/{value['available']:,}" for name, value in counted.items()
    )


def _llm_summary(total: dict[str, Any]) -> str:
    """One line of an LLM workload's serving figures."""

    def ms(key: str) -> str:
        return "-" if total.get(key) is None else f"{total[key] * 1e3:,.3f} ms"

    fits = {True: "fits", False: "DOES NOT FIT", None: "capacity not stated"}[total["fits_memory"]]
    return (
        f"LLM {total['phase']}: TTFT {ms('ttft_s')} | TPOT {ms('tpot_s')} | {total['tokens_per_s']:,.1f} tokens/s | "
        f"{total['energy_per_token_pj'] / 1e6:,.2f} uJ/token | weights {total['weight_bytes'] / 2**20:,.1f} MiB + "
        f"KV cache {total['kv_cache_bytes'] / 2**20:,.1f} MiB: {fits}"
        + (
            f" | {total['positions']:,} positions, beyond the model's {total['max_positions']:,}"
            if total.get("within_max_positions") is False
            else ""
        )
    )
