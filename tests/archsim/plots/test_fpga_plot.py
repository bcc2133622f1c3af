"""The FPGA design search placed on its roofline: every fitting candidate, the roofs, the chosen design."""

from __future__ import annotations

import numpy as np

from archsim.config.loader import load_arch
from archsim.fpga import search_design
from archsim.fpga.towers import mac_shapes
from archsim.plots import fpga_design_roofline
from workloads.registry import load_workload


def test_every_fitting_candidate_is_placed_and_the_paper_design_is_starred() -> None:
    config = load_arch("zhang2015-vc707")
    workload = load_workload("alexnet")
    search = search_design(mac_shapes(workload), config)
    figure = fpga_design_roofline(search, config)
    axes = figure.axes[0]
    fitting = np.isfinite(search.candidates.attainable_gflops).sum()
    assert len(axes.collections[0].get_offsets()) == fitting
    labels = [t.get_text() for t in axes.get_legend().get_texts()]
    assert any(label.startswith("chosen <Tm, Tn> = <64, 7>") for label in labels)
    assert any(label.startswith("bandwidth roof") for label in labels)
    assert "GOP/s" in axes.get_ylabel() and "ops / DRAM byte" in axes.get_xlabel()
    figure.canvas.draw()
