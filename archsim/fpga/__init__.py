"""FPGA family: the loop-tiling engine of Zhang et al. (FPGA 2015), its resources and its design search."""

from archsim.fpga.network import simulate_fpga
from archsim.fpga.search import SearchResult, search_design

__all__ = ["SearchResult", "search_design", "simulate_fpga"]
