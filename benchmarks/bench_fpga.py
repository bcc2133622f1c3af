"""FPGA design search: wall time per network and board, and the Zhang et al. (FPGA 2015) figures side by side.

Run: ``python benchmarks/bench_fpga.py``. The search has no peer tool;
its reference is the paper's reported design and, for speed, a scalar loop that
costs the same candidate designs one at a time (first AlexNet candidates only).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from archsim.config.loader import load_arch
from archsim.fpga.model import layer_cost
from archsim.fpga.search import search_design
from archsim.fpga.shapes import layer_shape
from archsim.simulate import simulate
from workloads.registry import load_workload

CASES = [
    ("alexnet", "zhang2015-vc707"),
    ("mobilenet_v2", "fpga-ultra96v2-int8"),
    ("mobilenet_v2", "fpga-pynqz2-int8"),
    ("resnet18", "fpga-ultra96v2-int8"),
    ("resnet18", "fpga-pynqz2-int8"),
    ("mobilenet_v2", "fpga-zcu102-int8"),
    ("resnet18", "fpga-u250-int8"),
]
SCALAR_SAMPLE = 200


def timed(fn: object, repeat: int = 5) -> float:
    """Median wall seconds of ``fn()``."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    """Print one row per (network, board), then the paper comparison."""
    print(f"{'network':14s} {'arch':22s} {'design':>8s} {'costed':>7s} {'valid':>7s} {'search s':>9s} {'GOPS':>8s}")
    for network, arch in CASES:
        config = load_arch(arch)
        workload = load_workload(network)
        shapes = tuple(s for s in (layer_shape(n.op, config.towers) for n in workload.nodes) if s is not None)
        seconds = timed(lambda shapes=shapes, config=config: search_design(shapes, config))
        metrics = simulate(workload, config)
        d = metrics.design
        gops = 2 * metrics.macs / metrics.latency_s / 1e9
        print(
            f"{network:14s} {arch:22s} {d['tm']:>4d}x{d['tn']:<3d} {d['candidates_costed']:>7d} "
            f"{d['candidates_valid']:>7d} {seconds:>9.3f} {gops:>8.1f}"
        )

    config = load_arch("zhang2015-vc707")
    shapes = tuple(s for s in (layer_shape(n.op, 2) for n in load_workload("alexnet").nodes) if s is not None)
    result = search_design(shapes, config)
    c = result.candidates
    vector_s = timed(lambda: search_design(shapes, config))
    sample = min(SCALAR_SAMPLE, c.tm.size)
    start = time.perf_counter()
    for tm, tn in zip(c.tm[:sample], c.tn[:sample], strict=True):
        for shape, option in zip(result.shapes, result.options, strict=True):
            for i in range(len(option.tiles)):
                layer_cost(
                    shape, np.array(tm), np.array(tn), option.tiles[i], option.in_area[i],
                    config.pipeline_cycles, config.precision.bytes, config.dram_bytes_per_cycle,
                )  # fmt: skip
    scalar_s = (time.perf_counter() - start) / sample * c.tm.size
    print(
        f"\nAlexNet search on VC707: vectorised {vector_s:.3f} s for {c.tm.size} designs; a scalar loop over "
        f"designs x tiles (one buffer size) extrapolates to {scalar_s:.1f} s: {scalar_s / vector_s:.0f}x"
    )

    metrics = simulate(load_workload("alexnet"), config)
    convs = [layer for layer in metrics.layers if layer.kind == "conv"]
    seconds = sum(layer.latency_s for layer in convs)
    flops = 2.0 * sum(layer.macs for layer in convs)
    r = metrics.resources
    rows = [
        ("<Tm, Tn>", "<64, 7>", f"<{metrics.design['tm']}, {metrics.design['tn']}>"),
        ("DSP", "2240 / 2800", f"{r['dsp']['used']} / {r['dsp']['available']}"),
        ("BRAM18K", "1024 / 2060", f"{r['bram18k']['used']} / {r['bram18k']['available']}"),
        ("LUT (calibrated)", "186251", f"{r['lut']['used']}"),
        ("FF (calibrated)", "205704", f"{r['ff']['used']}"),
        ("conv GFLOP", "1.33", f"{flops / 1e9:.3f}"),
        ("conv time ms", "21.61", f"{seconds * 1e3:.2f}"),
        ("GFLOPS", "61.62", f"{flops / seconds / 1e9:.2f} ({100 * (flops / seconds / 1e9 / 61.62 - 1):+.1f}%)"),
    ]
    print(f"\n{'Zhang et al. FPGA 2015':24s} {'paper':>14s} {'archsim':>22s}")
    for name, paper, ours in rows:
        print(f"{name:24s} {paper:>14s} {ours:>22s}")


if __name__ == "__main__":
    main()
