"""The FPGA design search on its roofline (Zhang et al., FPGA 2015, Fig. 7-style).

Every costed unroll design (Tm, Tn) of :func:`archsim.fpga.search_design` is a point at
its computation-to-communication ratio and attainable performance, under the board's
bandwidth roof; the chosen design is marked.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from archsim.config.fpga import FpgaConfig
from archsim.fpga.search import SearchResult
from archsim.plots.style import COLORS, new_figure


def fpga_design_roofline(search: SearchResult, config: FpgaConfig, title: str | None = None) -> Figure:
    """Candidates of an FPGA design search as (CTC, attainable GOP/s) points coloured by DSPs, chosen one starred."""
    c = search.candidates
    ok = np.isfinite(c.attainable_gflops) & np.isfinite(c.ctc)
    if not ok.any():
        raise ValueError("fpga_design_roofline: the search has no candidate that fits the board")
    ctc, perf, dsp = c.ctc[ok], c.attainable_gflops[ok], c.dsp[ok]
    bandwidth_gbs = config.dram_bytes_per_cycle * config.clock_hz / 1e9
    figure, axes = new_figure(8.0, 5.2)
    points = axes.scatter(ctc, perf, c=dsp, cmap="viridis", s=14, alpha=0.8, label=f"candidate designs ({ok.sum()})")
    figure.colorbar(points, ax=axes).set_label("DSP slices used")
    x = np.logspace(np.log10(ctc.min() / 2), np.log10(ctc.max() * 2), 100)
    top = float(np.nanmax(c.compute_roof_gflops[ok]))
    axes.plot(x, bandwidth_gbs * x, color="black", lw=1.5, label=f"bandwidth roof ({bandwidth_gbs:.1f} GB/s)")
    axes.axhline(top, color="black", ls="--", lw=1, label=f"best computation roof ({top:.1f} GOP/s)")
    design = search.design
    chosen = np.flatnonzero((c.tm == design.tm) & (c.tn == design.tn))
    if chosen.size:
        k = int(chosen[0])
        axes.plot(
            c.ctc[k], c.attainable_gflops[k], "*", color=COLORS["front"], ms=16, mec="black",
            label=f"chosen <Tm, Tn> = <{design.tm}, {design.tn}>: {c.attainable_gflops[k]:.1f} GOP/s",
        )  # fmt: skip
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_ylim(perf.min() / 2, top * 2)
    axes.set_xlabel("computation-to-communication ratio (ops / DRAM byte)")
    axes.set_ylabel("attainable performance (GOP/s, 2 ops per MAC)")
    board = config.board_spec
    axes.set_title(
        title or f"FPGA design space on {board.name} ({config.precision.value}, {config.clock_hz / 1e6:.0f} MHz)"
    )
    axes.legend(fontsize=8, loc="lower right")
    return figure
