"""Design-space scatter plots and their Pareto fronts."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from archsim.pareto import pareto_front
from archsim.plots.style import COLORS, new_figure


def design_space_scatter(
    x: np.ndarray,
    y: np.ndarray,
    x_label: str,
    y_label: str,
    title: str = "design space",
    log: bool = True,
) -> Figure:
    """Every evaluated design as a point, with the Pareto front (both axes minimised) drawn over it."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    figure, axes = new_figure(7.0, 5.0)
    axes.scatter(x, y, s=8, color=COLORS["cloud"], alpha=0.6, label=f"designs ({len(x)})")
    front = pareto_front(x, y)
    axes.plot(x[front], y[front], "o-", color=COLORS["front"], ms=4, label=f"Pareto front ({len(front)})")
    if log:
        axes.set_xscale("log")
        axes.set_yscale("log")
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.set_title(title)
    axes.legend(fontsize=8)
    return figure
