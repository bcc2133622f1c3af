"""Latency and energy per token of an LLM sweep (``archsim sweep --vary``), against context or batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from workloads.errors import InputError

SERIES_KEYS = ("batch", "context", "prompt", "tokens", "wbits", "kvbits", "abits", "group", "layers")
"""Sweep keys that can label the lines when they are not on the x axis."""


def per_token_curves(rows: Sequence[Mapping[str, Any]], x: str = "context") -> Figure:
    """Two panels, TPOT (or TTFT for prefill sweeps) and energy per token against ``x``, one line per other key."""
    if not rows or x not in rows[0]:
        raise InputError(
            f"per_token_curves: the sweep has no column {x!r}; give x= one of the varied keys",
            cli=f"plot llm: the sweep has no column {x!r}; give --x one of the varied keys",
        )
    latency_key = "tpot_s" if rows[0].get("tpot_s") not in (None, "") else "ttft_s"
    series = next((k for k in SERIES_KEYS if k != x and k in rows[0]), None)
    figure = Figure(figsize=(10.0, 4.0), layout="constrained")
    latency_axes, energy_axes = figure.subplots(1, 2)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(f"{series}={row[series]}" if series else "", []).append(row)
    for label, members in groups.items():
        members = sorted(members, key=lambda r: float(r[x]))
        xs = [float(r[x]) for r in members]
        latency_axes.plot(xs, [float(r[latency_key]) * 1e3 for r in members], marker="o", label=label or None)
        energy_axes.plot(xs, [float(r["energy_per_token_pj"]) / 1e6 for r in members], marker="o", label=label or None)
    latency_axes.set_ylabel(f"{'TPOT' if latency_key == 'tpot_s' else 'TTFT'} (ms)")
    energy_axes.set_ylabel("energy per token (uJ)")
    for axes in (latency_axes, energy_axes):
        axes.set_xlabel(x)
        axes.set_xscale("log", base=2)
        axes.grid(True, alpha=0.3)
        if series:
            axes.legend(fontsize="small")
    return figure
