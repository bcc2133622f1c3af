"""Gantt chart of a multi-core schedule: per core, each task's input wait and compute; DRAM, link and shared-buffer use.

Input is the ``schedule`` block of ``archsim simulate --arch <system> --format json``,
so a saved result plots without re-running the mapper.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from archsim.errors import InputError

_COMPUTE = "#4C72B0"
_WAIT = "#C7D3E6"
_CHANNEL = {
    "dram_read": "#C44E52",
    "dram_write": "#DD8452",
    "link": "#55A868",
    "shared_write": "#8172B3",
    "shared_read": "#937860",
}
_SHARED_CHANNELS = ("shared_write", "shared_read")


def schedule_gantt(schedule: Mapping[str, Any], title: str = "") -> Figure:
    """One row per core (input wait light, compute dark) and one per channel (transfers).

    The shared-buffer channels get rows only when the schedule uses them.
    """
    cores = schedule.get("cores")
    if not isinstance(cores, list) or not cores:
        raise InputError("plot schedule: the result has no per-core schedule (simulate a system preset)")
    transfers = schedule.get("transfers", [])
    used = {t["channel"] for t in transfers}
    channels = ("dram_read", "dram_write", "link", *(c for c in _SHARED_CHANNELS if c in used))
    rows = len(cores) + len(channels)
    figure = Figure(figsize=(10, 0.55 * rows + 1.4))
    ax = figure.add_subplot()
    for k, core in enumerate(cores):
        y = rows - 1 - k
        for task in core["tasks"]:
            ax.broken_barh([(task["start"], task["compute_start"] - task["start"])], (y - 0.35, 0.7), color=_WAIT)
            ax.broken_barh(
                [(task["compute_start"], task["compute_end"] - task["compute_start"])],
                (y - 0.35, 0.7),
                color=_COMPUTE,
                edgecolor="white",
                linewidth=0.3,
            )
    for j, channel in enumerate(channels):
        y = len(channels) - 1 - j
        spans = [(t["start"], t["end"] - t["start"]) for t in transfers if t["channel"] == channel]
        ax.broken_barh(spans, (y - 0.3, 0.6), color=_CHANNEL[channel], alpha=0.5)
    labels = [c["core"] for c in cores] + list(channels)
    ax.set_yticks(range(rows), labels[::-1])
    ax.set_xlabel("cycles")
    ax.set_xlim(0, max(1.0, float(schedule.get("makespan_cycles", 0.0))))
    ax.set_title(title or f"schedule ({schedule.get('fusion', '?')} fusion, {schedule.get('scheduler', '?')})")
    figure.tight_layout()
    return figure


__all__ = ["schedule_gantt"]
