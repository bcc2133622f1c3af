"""Figures of archsim results (matplotlib, headless-safe: no pyplot state, every function returns a Figure)."""

from archsim.pareto import pareto_front
from archsim.plots.fpga import fpga_design_roofline
from archsim.plots.layers import cycle_breakdown, energy_breakdown, utilization_comparison
from archsim.plots.mapping import offchip_vs_scratchpad
from archsim.plots.pareto import design_space_scatter
from archsim.plots.roofline import roofline
from archsim.plots.search import best_so_far, learning_curves, median_curves, studies_scatter, study_scatter
from archsim.plots.timeline import scratchpad_timeline, timeline_comparison

__all__ = [
    "best_so_far",
    "cycle_breakdown",
    "design_space_scatter",
    "energy_breakdown",
    "fpga_design_roofline",
    "learning_curves",
    "median_curves",
    "offchip_vs_scratchpad",
    "pareto_front",
    "roofline",
    "scratchpad_timeline",
    "studies_scatter",
    "study_scatter",
    "timeline_comparison",
    "utilization_comparison",
]
