"""A picture of one layer's loop-nest mapping: per operand, the memories bottom-up with the loops each holds."""

from __future__ import annotations

import re

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from archsim.metrics import NetworkMetrics
from archsim.plots.style import new_figure

_LEVEL = re.compile(r"([\w.\-]+)\[([^\]]*)\]")


def parse_mapping_text(text: str) -> tuple[str, dict[str, list[tuple[str, str]]]]:
    """Split a row's ``mapping`` text into its spatial part and operand -> [(memory, loops)] innermost first."""
    spatial, _, temporal = text.partition(" | ")
    operands: dict[str, list[tuple[str, str]]] = {}
    for block in temporal.split(" ; "):
        op, _, body = block.partition(": ")
        operands[op.strip()] = [(name, loops) for name, loops in _LEVEL.findall(body)]
    return spatial.removeprefix("spatial ").strip(), operands


def mapping_picture(metrics: NetworkMetrics, layer: str | None = None) -> Figure:
    """Boxes per operand (columns) and memory level (rows, innermost at the bottom), labelled with the
    temporal loops the level holds (innermost first); the spatial unrolling is the title's second line.
    ``layer`` defaults to the layer with the most energy."""
    rows = [r for r in metrics.layers if str(r.extras.get("mapping", ""))]
    if not rows:
        raise ValueError("mapping picture: no loop-nest layers in this result (needs rows with a 'mapping')")
    if layer is None:
        chosen = max(rows, key=lambda r: r.energy_pj)
    else:
        matches = [r for r in rows if r.layer == layer]
        if not matches:
            raise ValueError(f"mapping picture: no layer {layer!r}; layers: {', '.join(r.layer for r in rows[:8])}...")
        chosen = matches[0]
    spatial, operands = parse_mapping_text(str(chosen.extras["mapping"]))
    depth = max(len(levels) for levels in operands.values())
    figure, axes = new_figure(3.2 * len(operands) + 1, 1.1 * depth + 1.5)
    for col, (op, levels) in enumerate(operands.items()):
        for row, (memory, loops) in enumerate(levels):
            axes.add_patch(Rectangle((col + 0.05, row + 0.05), 0.9, 0.9, fill=True, alpha=0.15, edgecolor="black"))
            axes.text(col + 0.5, row + 0.68, memory, ha="center", va="center", fontsize=9, weight="bold")
            axes.text(col + 0.5, row + 0.35, loops or "-", ha="center", va="center", fontsize=8, wrap=True)
        axes.text(col + 0.5, -0.2, op, ha="center", va="center", fontsize=11, weight="bold")
    axes.set_xlim(0, len(operands))
    axes.set_ylim(-0.5, depth)
    axes.axis("off")
    axes.set_title(f"{metrics.workload} / {chosen.layer}: loops per memory (innermost first)\nspatial {spatial}")
    return figure
