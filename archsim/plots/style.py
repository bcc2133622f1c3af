"""One look for every figure: a new Figure with a readable default size."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

COLORS = {
    "compute": "#4C72B0",
    "stall": "#DD8452",
    "fill_drain": "#8C8C8C",
    "util": "#55A868",
    "front": "#C44E52",
    "cloud": "#9DB4D3",
}


def new_figure(width: float = 9.0, height: float = 4.5) -> tuple[Figure, Axes]:
    """A figure with one axes, independent of pyplot (safe in threads and headless runs)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()
