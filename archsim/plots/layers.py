"""Per-layer pictures of one or several simulated networks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from archsim.metrics import NetworkMetrics
from archsim.plots.style import COLORS, new_figure


def cycle_breakdown(metrics: NetworkMetrics, max_layers: int = 80) -> Figure:
    """Stacked bars of compute / fill-drain / stall cycles per layer, with utilization on a second axis.

    Fill/drain is shown as its own slice of the compute cycles, so the bar height is the layer's total.
    """
    layers = metrics.layers[:max_layers]
    x = np.arange(len(layers))
    fill = np.array([layer.fill_drain_cycles for layer in layers], dtype=float)
    compute = np.array([layer.compute_cycles for layer in layers], dtype=float) - fill
    stall = np.array([layer.stall_cycles for layer in layers], dtype=float)
    figure, axes = new_figure(max(9.0, 0.18 * len(layers)), 4.8)
    axes.bar(x, compute, color=COLORS["compute"], label="compute")
    axes.bar(x, fill, bottom=compute, color=COLORS["fill_drain"], label="fill / drain")
    axes.bar(x, stall, bottom=compute + fill, color=COLORS["stall"], label="memory stall")
    axes.set_ylabel("cycles")
    axes.set_xlabel("layer")
    axes.set_xticks(x, [layer.layer for layer in layers], rotation=90, fontsize=6)
    axes.set_title(f"{metrics.workload} on {metrics.arch.get('name', '?')}: cycles per layer")
    util = axes.twinx()
    util.plot(x, [100 * layer.overall_util for layer in layers], "o-", color=COLORS["util"], ms=3, label="utilization")
    util.set_ylabel("overall utilization (%)")
    util.set_ylim(0, 125)
    axes.set_ylim(0, 1.25 * max(layer.total_cycles for layer in layers))  # headroom for the legend
    handles, labels = axes.get_legend_handles_labels()
    more_handles, more_labels = util.get_legend_handles_labels()
    axes.legend(handles + more_handles, labels + more_labels, loc="upper left", ncols=4, fontsize=8)
    return figure


def utilization_comparison(results: Sequence[NetworkMetrics], labels: Sequence[str] | None = None) -> Figure:
    """Per-layer utilization of the same workload on several designs, side by side."""
    if not results:
        raise ValueError("utilization_comparison needs at least one result")
    names = list(labels) if labels else [str(r.arch.get("name", i)) for i, r in enumerate(results)]
    layers = [layer.layer for layer in results[0].layers]
    x = np.arange(len(layers))
    width = 0.8 / len(results)
    figure, axes = new_figure(max(9.0, 0.2 * len(layers) * len(results) / 2), 4.8)
    for i, (result, name) in enumerate(zip(results, names, strict=True)):
        util = [100 * layer.overall_util for layer in result.layers]
        axes.bar(x + i * width - 0.4 + width / 2, util, width, label=f"{name} (total {100 * result.overall_util:.1f}%)")
    axes.set_xticks(x, layers, rotation=90, fontsize=6)
    axes.set_ylabel("overall utilization (%)")
    axes.set_xlabel("layer")
    axes.set_ylim(0, 105)
    axes.set_title(f"{results[0].workload}: utilization per layer")
    axes.legend(fontsize=8)
    return figure


def energy_breakdown(results: Sequence[NetworkMetrics], labels: Sequence[str] | None = None) -> Figure:
    """Stacked bars of network energy by component (MAC, SRAM, DRAM...) for one or several designs."""
    if not results:
        raise ValueError("energy_breakdown needs at least one result")
    names = list(labels) if labels else [str(r.arch.get("name", i)) for i, r in enumerate(results)]
    components: list[str] = []
    for result in results:
        for name in result.energy_by_component_pj:
            if name not in components:
                components.append(name)
    figure, axes = new_figure(max(6.0, 1.2 * len(results) + 3), 4.5)
    bottom = np.zeros(len(results))
    for component in components:
        values = np.array([r.energy_by_component_pj.get(component, 0.0) / 1e6 for r in results])
        axes.bar(names, values, bottom=bottom, label=component)
        bottom += values
    axes.set_xlabel("design")
    axes.set_ylabel("energy per inference (uJ)")
    axes.set_title(f"{results[0].workload}: energy by component")
    axes.legend(fontsize=8)
    return figure
