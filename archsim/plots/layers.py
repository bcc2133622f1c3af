"""Per-layer pictures of one or several simulated networks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from archsim.metrics import NetworkMetrics
from archsim.plots.style import COLORS, component_color, new_figure


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


def _design_names(results: Sequence[NetworkMetrics], labels: Sequence[str] | None) -> list[str]:
    """Labels of the results: given ones, else the arch names (with the workload when several are shown)."""
    if labels:
        if len(labels) != len(results):
            raise ValueError(f"{len(labels)} labels for {len(results)} results")
        return list(labels)
    names = [str(r.arch.get("name", i)) for i, r in enumerate(results)]
    if len({r.workload for r in results}) > 1:
        names = [f"{name}\n{r.workload}" for name, r in zip(names, results, strict=True)]
    return names


def _workloads(results: Sequence[NetworkMetrics]) -> list[str]:
    """The distinct workloads of ``results``, in first-seen order."""
    return list(dict.fromkeys(r.workload for r in results))


def utilization_comparison(results: Sequence[NetworkMetrics], labels: Sequence[str] | None = None) -> Figure:
    """Per-layer utilization of several designs, side by side; one panel per distinct workload."""
    if not results:
        raise ValueError("utilization_comparison needs at least one result")
    names = [n.replace("\n", " on ") for n in _design_names(results, labels)]
    workloads = _workloads(results)
    widest = max(len(r.layers) * sum(q.workload == r.workload for q in results) for r in results)
    figure = Figure(figsize=(max(9.0, 0.1 * widest), 4.2 * len(workloads)), layout="constrained")
    panels = figure.subplots(len(workloads), 1, squeeze=False)[:, 0]
    for axes, workload in zip(panels, workloads, strict=True):
        group = [(r, n) for r, n in zip(results, names, strict=True) if r.workload == workload]
        layers = [layer.layer for layer in group[0][0].layers]
        x = np.arange(len(layers))
        width = 0.8 / len(group)
        for i, (result, name) in enumerate(group):
            util = [100 * layer.overall_util for layer in result.layers]
            if len(util) != len(layers):
                raise ValueError(f"{workload}: results with different layer counts ({len(util)} vs {len(layers)})")
            label = f"{name} (total {100 * result.overall_util:.1f}%)"
            axes.bar(x + i * width - 0.4 + width / 2, util, width, label=label)
        axes.set_xticks(x, layers, rotation=90, fontsize=6)
        axes.set_ylabel("overall utilization (%)")
        axes.set_xlabel("layer")
        axes.set_ylim(0, 105)
        axes.set_title(f"{workload}: utilization per layer")
        axes.legend(fontsize=8)
    return figure


def energy_breakdown(results: Sequence[NetworkMetrics], labels: Sequence[str] | None = None) -> Figure:
    """Stacked bars of network energy by component (MAC, SRAM, DRAM...) for one or several designs.

    Each component has one colour in every figure (:func:`archsim.plots.style.component_color`).
    """
    if not results:
        raise ValueError("energy_breakdown needs at least one result")
    names = _design_names(results, labels)
    components: list[str] = []
    for result in results:
        for name in result.energy_by_component_pj:
            if name not in components:
                components.append(name)
    figure, axes = new_figure(max(6.0, 1.4 * len(results) + 3), 4.8)
    bottom = np.zeros(len(results))
    positions = np.arange(len(results))
    for component in components:
        values = np.array([r.energy_by_component_pj.get(component, 0.0) / 1e6 for r in results])
        axes.bar(positions, values, bottom=bottom, label=component, color=component_color(component))
        bottom += values
    axes.set_xticks(positions, names, fontsize=8)
    axes.set_xlabel("design")
    axes.set_ylabel("energy per inference (uJ)")
    axes.set_title(f"{', '.join(_workloads(results))}: energy by component")
    axes.legend(fontsize=8)
    return figure
