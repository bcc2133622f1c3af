"""What a scratchpad mapping saves: off-chip traffic of the mapper and its baselines against scratchpad size."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from archsim.plots.style import new_figure
from archsim.plots.timeline import KIB, MapResult, map_payload

_DODGE = 0.08
"""Horizontal spacing of the series at one scratchpad size, in octaves of the log2 x axis."""

_BASELINE_STYLE = {"no_reuse": ":", "lru": "--", "belady": "-.", "belady_order_search": (0, (1, 3))}


def offchip_vs_scratchpad(results: Sequence[MapResult]) -> Figure:
    """Off-chip MB of the mapped schedule and of every baseline, one point per scratchpad size (log x).

    The compulsory traffic (weights, graph inputs and outputs once) is drawn as the floor no schedule can beat.
    """
    if not results:
        raise ValueError("offchip_vs_scratchpad needs at least one mapping result")
    payloads = sorted((map_payload(r) for r in results), key=lambda p: p["scratchpad_bytes"])
    sizes = np.array([p["scratchpad_bytes"] / KIB for p in payloads])
    figure, axes = new_figure(8.0, 5.0)
    baselines = list(payloads[0].get("baselines", {}))
    # Each series sits a little left or right of its size (log2 x), so equal values never hide each other.
    dodge = {name: 2.0 ** (_DODGE * (i - len(baselines) / 2)) for i, name in enumerate([*baselines, "mapped"])}
    for name in baselines:
        traffic = [p["baselines"][name] / 1e6 for p in payloads]
        style = _BASELINE_STYLE.get(name, "--")
        axes.plot(sizes * dodge[name], traffic, ls=style, marker="s", ms=5, label=f"baseline: {name}")
    mapped = [p["offchip_bytes"] / 1e6 for p in payloads]
    statuses = [str(p.get("status", "?")) for p in payloads]
    same = len(set(statuses)) == 1
    label = f"mapped ({statuses[0]})" if same else "mapped"
    axes.plot(sizes * dodge["mapped"], mapped, "o-", color="black", lw=2, ms=6, label=label)
    if not same:
        for size, value, status in zip(sizes * dodge["mapped"], mapped, statuses, strict=True):
            axes.annotate(status, (size, value), textcoords="offset points", xytext=(0, -12), ha="center", fontsize=7)
    floor = np.array([p["compulsory_bytes"] / 1e6 for p in payloads])
    spread = 2.0 ** (_DODGE * len(dodge) / 2)  # the floor spans its size's markers (a band even for one size)
    band_x = np.concatenate([[sizes[0] / spread], sizes, [sizes[-1] * spread]])
    band_y = np.concatenate([[floor[0]], floor, [floor[-1]]])
    axes.fill_between(band_x, 0, band_y, color="#DDDDDD", label="compulsory traffic")
    axes.set_xscale("log", base=2)
    axes.set_xticks(sizes, [f"{s:g}" for s in sizes])
    axes.set_xlim(sizes[0] / 2 ** (_DODGE * len(dodge)), sizes[-1] * 2 ** (_DODGE * len(dodge)))
    axes.set_ylim(bottom=0)
    axes.set_xlabel("scratchpad size (KiB)")
    axes.set_ylabel("off-chip traffic per inference (MB)")
    axes.set_title(f"{payloads[0].get('workload', '?')}: off-chip traffic vs scratchpad size")
    axes.legend(fontsize=8)
    return figure
