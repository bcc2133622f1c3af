"""One look for every figure: a new Figure with a readable size, and one colour per named thing.

Colours are keyed by name, never by position: an energy component (``dram``), an
agent (``bo``) or a study keeps its colour in every figure whatever the order of
the files or legends. Names outside the fixed tables get a colour from a hash of
the name, so they too are stable across figures and runs.
"""

from __future__ import annotations

import zlib

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
"""Roles in the per-layer and design-space figures."""

COMPONENT_COLORS = {
    "mac": "#4C72B0",
    "sram": "#55A868",
    "dram": "#C44E52",
    "flash": "#8172B3",
    "vector": "#CCB974",
    "total": "#8C8C8C",
}
"""Energy components (``energy_by_component_pj`` keys) -> colour."""

AGENT_COLORS = {
    "random": "#8C8C8C",
    "exhaustive": "#000000",
    "ga": "#DD8452",
    "bo": "#4C72B0",
    "gp": "#64B5CD",
    "nsga2": "#8172B3",
    "ppo": "#C44E52",
    "a2c": "#937860",
    "dqn": "#DA8BC3",
}
"""Search agents (``envs.agents.AGENTS`` names) -> colour."""

_HASHED = (
    "#1F77B4",
    "#FF7F0E",
    "#2CA02C",
    "#D62728",
    "#9467BD",
    "#8C564B",
    "#E377C2",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
    "#393B79",
    "#AD494A",
)
"""Colours for names outside the tables, chosen by a hash of the name."""


def color_of(name: str, table: dict[str, str] | None = None) -> str:
    """The colour of ``name``: its entry in ``table`` if any, else a stable hash colour."""
    if table and name in table:
        return table[name]
    return _HASHED[zlib.crc32(name.encode()) % len(_HASHED)]


def component_color(name: str) -> str:
    """The colour of an energy component in every figure."""
    return color_of(name, COMPONENT_COLORS)


def agent_color(name: str) -> str:
    """The colour of a search agent in every figure."""
    return color_of(name, AGENT_COLORS)


def new_figure(width: float = 9.0, height: float = 4.5) -> tuple[Figure, Axes]:
    """A figure with one axes, independent of pyplot (safe in threads and headless runs)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()
