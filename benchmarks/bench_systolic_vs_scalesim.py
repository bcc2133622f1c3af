"""archsim's systolic model vs SCALE-Sim 3.0.0: cycles side by side, CPU-time ratio, sweep throughput.

Run from the repository root (about a minute, mostly SCALE-Sim)::

    python benchmarks/bench_systolic_vs_scalesim.py [--quick] [--large]

1. The same layers through SCALE-Sim (in-process, no traces) and archsim, on
   google.cfg's memories (6144/6144/2048 KB, bandwidth 10), with archsim in
   ``scalesim_quirks`` mode: total/stall cycles side by side, whether compute
   cycles agree, and the ratio of SCALE-Sim's CPU time for the layer to
   archsim's median CPU time per layer (15 batches of 2,000 calls; nothing caches results).
   The default (physically consistent) model's time per layer beside it.
   Five small layers and one of about SCALE-Sim's median cost per layer;
   ``--large`` adds its slowest measured layer.
2. What a new design costs once (deriving its SRAM words and energies), and a new op
   (built, its output size derived, evaluated once).
3. All of ResNet-50 (the zoo network; SCALE-Sim's Resnet50.csv too) in one process.
4. The vectorised path: ResNet-50 over 100,000 random designs, in (layer, design) evaluations/s.
5. Peak memory of one layer as the layer grows 1000x (must stay flat: no traces).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import runpy
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scalesim_harness import ScaleSimArch, run_scalesim, topology_text

from archsim.config.systolic import SystolicConfig
from archsim.systolic import simulate_layer, simulate_systolic
from archsim.systolic.costs import derive_hardware
from archsim.systolic.network import _costed
from archsim.systolic.vectorised import Designs, evaluate
from workloads.graph import Workload
from workloads.ops import Conv2d, MatMul
from workloads.readers.scalesim_csv import read_scalesim_csv
from workloads.registry import load_workload

ROOT = Path(__file__).resolve().parents[1]
runpy.run_path(str(ROOT / "tests" / "conftest.py"))  # registers tests/support as ``support``
from support.paths import SCALESIM_TOPOLOGIES  # noqa: E402

RESNET50_CSV = SCALESIM_TOPOLOGIES / "mlperf" / "Resnet50.csv"


@dataclass(frozen=True)
class Case:
    """One layer on one array, as a SCALE-Sim topology row and an archsim op."""

    name: str
    row: tuple[str | int, ...]
    gemm: bool
    rows: int
    cols: int
    dataflow: str

    def op(self) -> Conv2d | MatMul:
        if self.gemm:
            name, m, n, k = self.row
            return MatMul(str(name), m=int(m), n=int(n), k=int(k))
        name, h, w, r, s, c, k, stride = self.row
        return Conv2d(
            str(name), int(c), int(k), int(h), int(w), int(r), int(s), int(stride), int(stride), ceil_mode=True
        )


CASES = [
    Case("resnet50 CB2a_1 (56x56x64 1x1 64)", ("CB2a_1", 56, 56, 1, 1, 64, 64, 1), False, 128, 128, "ws"),
    Case("alexnet Conv3 (13x13x256 3x3 384)", ("Conv3", 13, 13, 3, 3, 256, 384, 1), False, 128, 128, "os"),
    Case("vit_s L0 GEMM 196x192x384", ("L0", 196, 192, 384), True, 128, 128, "is"),
    Case("conv 28x28x32 3x3 64", ("C", 28, 28, 3, 3, 32, 64, 1), False, 32, 16, "os"),
    Case("conv 14x14x128 1x1 96", ("P", 14, 14, 1, 1, 128, 96, 1), False, 16, 64, "is"),
    Case("mobilenet Conv1 (224x224x3 3x3 32 /2)", ("Conv1", 224, 224, 3, 3, 3, 32, 2), False, 16, 64, "ws"),
]
"""Small layers (SCALE-Sim 0.8-5 s CPU each) and one of about SCALE-Sim's median cost (6-7 s, ref_timing.csv)."""
QUICK = [CASES[4], CASES[5]]
LARGE = [Case("resnet50 Conv1 (224x224x3 7x7 64 /2)", ("Conv1", 224, 224, 7, 7, 3, 64, 2), False, 32, 32, "is")]
"""SCALE-Sim's slowest measured layer (136 s CPU in ref_timing.csv): only with ``--large``."""


def _config(case: Case) -> SystolicConfig:
    return SystolicConfig(rows=case.rows, cols=case.cols, dataflow=case.dataflow, scalesim_quirks=True)


def _cpu_per_call(fn: Callable[[], object], calls: int, repeats: int) -> tuple[float, float]:
    """Median and best CPU seconds per call over ``repeats`` timed batches of ``calls`` calls.

    Process time, so other jobs on the shared cores do not inflate it; every call
    recomputes the layer (nothing caches results; the design's derived numbers are
    looked up per config, and :func:`design_setup_us` reports their cost separately).
    """
    per_call = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(calls):
            fn()
        per_call.append((time.process_time() - start) / calls)
    return statistics.median(per_call), min(per_call)


def compare_layers(cases: list[Case], calls: int, repeats: int) -> None:
    """SCALE-Sim and archsim on the same layers: cycles side by side and the CPU-time ratio."""
    print(
        f"{'layer':38s} {'array':>7s} df | {'SCALE-Sim total (stall)':>23s} | {'archsim total (stall)':>21s} "
        f"| compute eq | SCALE-Sim CPU s | archsim CPU us med (best) |    ratio | default-model us med"
    )
    for case in cases:
        arch = ScaleSimArch(case.rows, case.cols, case.dataflow)
        start = time.process_time()
        ref = run_scalesim(topology_text([case.row], case.gemm), arch, case.gemm)[0]
        scalesim_s = time.process_time() - start
        op, config = case.op(), _config(case)
        ours = simulate_layer(op, config)
        median, best = _cpu_per_call(lambda op=op, config=config: simulate_layer(op, config), calls, repeats)
        default = dataclasses.replace(config, scalesim_quirks=False)
        default_median, _ = _cpu_per_call(lambda op=op, config=default: simulate_layer(op, config), calls, repeats)
        same = "yes" if ours.compute_cycles == ref["compute_cycles"] else "NO"
        print(
            f"{case.name:38s} {case.rows:>3d}x{case.cols:<3d} {case.dataflow} | "
            f"{ref['total_cycles']:>14,d} ({ref['stall_cycles']:>6,d}) | "
            f"{ours.total_cycles:>12,d} ({ours.stall_cycles:>6,d}) | {same:>10s} | "
            f"{scalesim_s:15.2f} | {median * 1e6:13.1f} ({best * 1e6:5.1f})     | {scalesim_s / median:8,.0f}x"
            f" | {default_median * 1e6:20.1f}"
        )


def design_setup_us(repeats: int) -> None:
    """CPU cost of what is derived once: a new design's model numbers (SRAM words, energies), and a
    new op's output size (cached on the immutable op), here with the op's construction and first evaluation."""
    config = SystolicConfig(rows=32, cols=32, dataflow="ws")
    median, best = _cpu_per_call(lambda: derive_hardware.__wrapped__(config), 2000, repeats)
    print(f"new design (once per config): {median * 1e6:.1f} us median ({best * 1e6:.1f} best)")
    case = CASES[-1]
    op, config = case.op(), _config(case)
    simulate_layer(op, config)
    median, best = _cpu_per_call(lambda: simulate_layer(dataclasses.replace(op), config), 2000, repeats)
    print(f"new op, built and evaluated once ({case.name}): {median * 1e6:.1f} us median ({best * 1e6:.1f} best)")


def time_network(repeats: int) -> None:
    """All of ResNet-50 in one process (scalar path), median CPU time of ``repeats`` runs.

    Each run starts with an empty layer cache (a network's identical layers are still costed once).
    """
    config = SystolicConfig(rows=32, cols=32, dataflow="ws")

    def run(workload: Workload) -> None:
        _costed.cache_clear()
        simulate_systolic(workload, config)

    for label, workload in (
        ("zoo resnet50", load_workload("resnet50")),
        ("Resnet50.csv", read_scalesim_csv(RESNET50_CSV)),
    ):
        median, best = _cpu_per_call(lambda w=workload: run(w), 20, repeats)
        total = simulate_systolic(workload, config).total_cycles
        print(
            f"{label:14s} {len(workload.ops):3d} ops on 32x32 ws: {median * 1e3:6.2f} ms per network "
            f"median ({best * 1e3:.2f} best; {median / len(workload.ops) * 1e6:.1f} us per op; {total:,} cycles)"
        )


def time_vectorised(designs_count: int) -> None:
    """ResNet-50 over many random designs at once."""
    rng = np.random.default_rng(0)
    workload = read_scalesim_csv(RESNET50_CSV)
    designs = Designs.from_arrays(
        rows=rng.choice([8, 16, 32, 64, 128, 256], designs_count),
        cols=rng.choice([8, 16, 32, 64, 128, 256], designs_count),
        dataflow=rng.choice(["os", "ws", "is"], designs_count),
        ifmap_sram_kb=rng.choice([64, 256, 1024, 6144], designs_count),
        filter_sram_kb=rng.choice([64, 256, 1024, 6144], designs_count),
        ofmap_sram_kb=rng.choice([64, 256, 2048], designs_count),
        ifmap_dram_bw=rng.choice([4, 10, 32], designs_count),
    )
    evaluate(workload, designs.subset(np.arange(100)))
    start = time.process_time()
    evaluate(workload, designs)
    seconds = time.process_time() - start
    evals = len(workload.ops) * designs_count
    print(
        f"vectorised: {len(workload.ops)} layers x {designs_count:,} designs in {seconds:.2f} s "
        f"= {evals / seconds:,.0f} evals/s"
    )


def peak_memory() -> None:
    """Peak Python memory of one layer as its size grows (no traces: flat)."""
    config = SystolicConfig(rows=32, cols=32, dataflow="os", scalesim_quirks=True)
    for size in (16, 512, 16384):
        op = Conv2d("big", 64, 64, size, size, 3, 3)
        tracemalloc.start()
        simulate_layer(op, config)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"layer {size}x{size}x64 3x3 64 ({op.macs:.2e} MACs): peak {peak / 1024:.1f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small and the median-cost layer, 20,000 designs")
    parser.add_argument("--large", action="store_true", help="also ResNet-50's first layer on 32x32 is (~2.5 min)")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (times are CPU seconds)")
    repeats = 7 if args.quick else 15
    compare_layers((QUICK if args.quick else CASES) + (LARGE if args.large else []), 2000, repeats)
    design_setup_us(repeats)
    time_network(repeats)
    time_vectorised(20_000 if args.quick else 100_000)
    peak_memory()
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
