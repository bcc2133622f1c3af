"""archsim vs the real SCALE-Sim 3.0.0 on small layers: every dataflow, square and non-square arrays.

Compute cycles, SRAM words, utilizations and (with SRAMs that hold the layer)
DRAM words must match exactly; with tiny SRAMs the stall model is analytical, so
total cycles are compared with a stated tolerance.
"""

from __future__ import annotations

import random

import pytest
from scalesim_harness import ScaleSimArch, run_scalesim, topology_text

from archsim.config.systolic import SystolicConfig
from archsim.systolic import simulate_layer
from workloads.ops import Conv2d, MatMul

EXACT = (
    "compute_cycles",
    "ifmap_sram_reads",
    "filter_sram_reads",
    "ofmap_sram_writes",
    "mapping_eff_pct",
    "compute_util_pct",
    "ifmap_dram_reads",
    "filter_dram_reads",
)
SMALL_SRAM_TOTAL_TOLERANCE = 0.20
"""Total cycles with 1-2 KB SRAMs: the closed-form stall model vs SCALE-Sim's per-address trace.

Only layers without im2col duplicates (1x1 kernels, GEMMs): with overlapping
windows and many misses SCALE-Sim's address-level SRAM hits later windows too,
which only the first miss models (see docs/systolic.md, "Known deviations").
"""


def _conv_layers(seed: int, count: int, max_kernel: int = 3) -> list[tuple[str, int, int, int, int, int, int, int]]:
    rng = random.Random(seed)
    layers = []
    for i in range(count):
        h = rng.randint(2, 10)
        r = rng.randint(1, min(max_kernel, h))
        w = h + rng.randint(0, 3)
        layers.append((f"C{i}", h, w, r, rng.randint(1, r), rng.randint(1, 6), rng.randint(1, 12), rng.randint(1, 2)))
    return layers


def _conv(layer: tuple[str, int, int, int, int, int, int, int]) -> Conv2d:
    name, h, w, r, s, c, k, stride = layer
    return Conv2d(name, c, k, h, w, r, s, stride, stride, ceil_mode=True)


def _config(arch: ScaleSimArch) -> SystolicConfig:
    bw = float(arch.bandwidth)
    return SystolicConfig(
        rows=arch.rows,
        cols=arch.cols,
        dataflow=arch.dataflow,
        ifmap_sram_kb=arch.ifmap_sram_kb,
        filter_sram_kb=arch.filter_sram_kb,
        ofmap_sram_kb=arch.ofmap_sram_kb,
        ifmap_dram_bw=bw,
        filter_dram_bw=bw,
        ofmap_dram_bw=bw,
        scalesim_quirks=True,
    )


def _assert_exact(ours: dict[str, object], ref: dict[str, float], where: str, columns: tuple[str, ...]) -> None:
    for column in columns:
        assert float(ours[column]) == pytest.approx(ref[column], rel=1e-9), f"{where}: {column}"


ARRAYS = [(4, 4), (8, 4), (4, 8), (3, 5), (16, 2)]


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
@pytest.mark.parametrize(("rows", "cols"), ARRAYS)
def test_conv_layers_match_scalesim(dataflow: str, rows: int, cols: int) -> None:
    layers = _conv_layers(seed=rows * 100 + cols, count=5)
    arch = ScaleSimArch(rows, cols, dataflow)
    refs = run_scalesim(topology_text(layers, gemm=False), arch)
    for layer, ref in zip(layers, refs, strict=True):
        ours = simulate_layer(_conv(layer), _config(arch)).row()
        _assert_exact(ours, ref, f"{layer} on {rows}x{cols} {dataflow}", EXACT)
        assert ours["stall_cycles"] == ref["stall_cycles"] == 0
        assert abs(int(ours["ofmap_dram_writes"]) - ref["ofmap_dram_writes"]) <= 1


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_gemm_layers_match_scalesim(dataflow: str) -> None:
    rng = random.Random(7)
    gemms = [(f"G{i}", rng.randint(1, 20), rng.randint(1, 20), rng.randint(1, 20)) for i in range(6)]
    arch = ScaleSimArch(8, 6, dataflow)
    refs = run_scalesim(topology_text(gemms, gemm=True), arch, gemm=True)
    for (name, m, n, k), ref in zip(gemms, refs, strict=True):
        ours = simulate_layer(MatMul(name, m=m, n=n, k=k), _config(arch)).row()
        _assert_exact(ours, ref, f"GEMM {m}x{n}x{k} {dataflow}", EXACT)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("rows", "cols", "dataflow", "kb", "bw"),
    [(4, 4, "os", 1, 1), (4, 8, "ws", 1, 2), (8, 4, "is", 1, 1), (4, 4, "ws", 2, 1), (2, 3, "os", 1, 3)],
)
def test_small_srams_stall_like_scalesim(rows: int, cols: int, dataflow: str, kb: int, bw: int) -> None:
    layers = _conv_layers(seed=1, count=6, max_kernel=1)
    arch = ScaleSimArch(rows, cols, dataflow, kb, kb, kb, bw)
    refs = run_scalesim(topology_text(layers, gemm=False), arch)
    for layer, ref in zip(layers, refs, strict=True):
        ours = simulate_layer(_conv(layer), _config(arch)).row()
        where = f"{layer} on {rows}x{cols} {dataflow} {kb} KB bw {bw}"
        _assert_exact(ours, ref, where, ("compute_cycles", "ifmap_sram_reads", "filter_sram_reads"))
        assert int(ours["total_cycles"]) == pytest.approx(ref["total_cycles"], rel=SMALL_SRAM_TOTAL_TOLERANCE), where


OVERLAP_TOTAL_TOLERANCE = 0.03
"""Total cycles of spilling ws convolutions with overlapping windows (one prefetch miss each).

The first miss comes at the first address SCALE-Sim's window does not hold
(archsim.systolic.overlap); what is left is SCALE-Sim's diagonal demand order
(a few cycles on these tiny layers, up to 2.2% here; 3.6% with position-based misses).
"""
OVERLAP_LAYERS = [
    ("A", 12, 12, 3, 3, 8, 2, 1),
    ("B", 14, 13, 3, 3, 6, 3, 1),
    ("C", 16, 16, 3, 2, 5, 1, 1),
    ("E", 11, 11, 2, 2, 12, 1, 1),
]


@pytest.mark.parametrize(("rows", "cols"), [(8, 8), (4, 8), (16, 4)])
def test_spilling_overlapping_windows_stall_like_scalesim(rows: int, cols: int) -> None:
    arch = ScaleSimArch(rows, cols, "ws", ifmap_sram_kb=8, filter_sram_kb=64, ofmap_sram_kb=64, bandwidth=1)
    refs = run_scalesim(topology_text(OVERLAP_LAYERS, gemm=False), arch)
    for layer, ref in zip(OVERLAP_LAYERS, refs, strict=True):
        ours = simulate_layer(_conv(layer), _config(arch)).row()
        where = f"{layer} on {rows}x{cols} ws, 8 KB ifmap SRAM"
        assert ref["stall_cycles"] > 0, where  # the ifmap stream spills
        _assert_exact(ours, ref, where, EXACT)
        assert int(ours["total_cycles"]) == pytest.approx(ref["total_cycles"], rel=OVERLAP_TOTAL_TOLERANCE), where
