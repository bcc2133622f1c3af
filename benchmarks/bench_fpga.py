"""FPGA design search: wall time per network and board, and two published designs side by side.

The published designs: Zhang et al. (FPGA 2015, AlexNet on VC707) and Caffeine (Zhang et
al., ICCAD 2016, VGG-16 on KU060).

Run: ``python benchmarks/bench_fpga.py``. The search has no peer tool;
its reference is the paper's reported design and, for speed, a scalar loop that
costs the same candidate designs one at a time (first AlexNet candidates only).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

from archsim.config.loader import load_arch
from archsim.fpga.model import layer_cost
from archsim.fpga.pipeline import engine_pipeline
from archsim.fpga.search import search_design
from archsim.fpga.towers import mac_shapes
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
        shapes = mac_shapes(workload)
        seconds = timed(lambda shapes=shapes, config=config: search_design(shapes, config))
        metrics = simulate(workload, config)
        d = metrics.design
        gops = 2 * metrics.macs / metrics.latency_s / 1e9
        print(
            f"{network:14s} {arch:22s} {d['tm']:>4d}x{d['tn']:<3d} {d['candidates_costed']:>7d} "
            f"{d['candidates_valid']:>7d} {seconds:>9.3f} {gops:>8.1f}"
        )

    config = load_arch("zhang2015-vc707")
    shapes = mac_shapes(load_workload("alexnet"))
    result = search_design(shapes, config)
    c = result.candidates
    vector_s = timed(lambda: search_design(shapes, config))
    sample = min(SCALAR_SAMPLE, c.tm.size)
    start = time.perf_counter()
    for tm, tn in zip(c.tm[:sample], c.tn[:sample], strict=True):
        pipeline = int(engine_pipeline(tn, config.precision, config.pipeline_cycles))
        for shape, option in zip(result.shapes, result.options, strict=True):
            for i in range(len(option.tiles)):
                layer_cost(
                    shape, int(tm), int(tn), option.tiles[i], option.in_area[i], pipeline,
                    config.precision.bytes, config.dram_bytes_per_cycle,
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
        ("GFLOPS", "61.62", f"{flops / seconds / 1e9:.2f} ({100 * (flops / seconds / 1e9 / 61.62 - 1):+.2f}%)"),
    ]
    print(f"\n{'Zhang et al. FPGA 2015':24s} {'paper':>14s} {'archsim':>22s}")
    for name, paper, ours in rows:
        print(f"{name:24s} {paper:>14s} {ours:>22s}")


def caffeine() -> None:
    """Caffeine on KU060 (VGG-16): the paper's figures beside our searched design and our model of its engine size."""
    workload = load_workload("vgg16")
    print(f"\n{'Caffeine ICCAD 2016, KU060':28s} {'paper':>16s} {'archsim search':>16s} {'archsim 32x32':>16s}")
    cells = []
    for design in ("search", "32x32"):
        metrics = simulate(workload, dataclasses.replace(load_arch("caffeine-ku060"), design=design))
        convs = [layer for layer in metrics.layers if layer.kind == "conv"]
        seconds = sum(layer.latency_s for layer in convs)
        r = metrics.resources
        cells.append(
            {
                "<Tm, Tn>": f"<{metrics.design['tm']}, {metrics.design['tn']}>",
                "DSP": f"{r['dsp']['used']} / {r['dsp']['available']}",
                "BRAM18K": f"{r['bram18k']['used']}",
                "LUT": f"{r['lut']['used']}",
                "conv GOPS": f"{2 * sum(layer.macs for layer in convs) / seconds / 1e9:.1f}",
                "best conv layer GOPS": f"{max(2 * layer.macs / layer.latency_s / 1e9 for layer in convs):.1f}",
                "VGG-16 GOPS": f"{2 * metrics.macs / metrics.latency_s / 1e9:.1f}",
            }
        )
    paper = {"<Tm, Tn>": "n/a", "DSP": "1058 (memory)", "best conv layer GOPS": "365 (peak)"}
    for name in cells[0]:
        print(f"{name:28s} {paper.get(name, '-'):>16s} {cells[0][name]:>16s} {cells[1][name]:>16s}")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
    caffeine()
