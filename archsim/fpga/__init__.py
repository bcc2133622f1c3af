"""FPGA family: the loop-tiling engine of Zhang et al. (FPGA 2015), its resources and its design search."""

from archsim.fpga.network import simulate_fpga
from archsim.fpga.search import SearchResult, search_design
from archsim.fpga.towers import mac_shapes

__all__ = ["SearchResult", "mac_shapes", "search_design", "simulate_fpga"]
