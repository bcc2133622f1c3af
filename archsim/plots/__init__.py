"""Figures of archsim results (matplotlib, headless-safe: no pyplot state, every function returns a Figure)."""

from archsim.plots.layers import cycle_breakdown, energy_breakdown, utilization_comparison
from archsim.plots.pareto import design_space_scatter, pareto_front
from archsim.plots.roofline import roofline

__all__ = [
    "cycle_breakdown",
    "design_space_scatter",
    "energy_breakdown",
    "pareto_front",
    "roofline",
    "utilization_comparison",
]
