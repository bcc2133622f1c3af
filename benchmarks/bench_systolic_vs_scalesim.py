"""archsim's systolic model vs SCALE-Sim 3.0.0: cycles side by side, wall-time ratio, sweep throughput.

Run from the repository root (a few minutes, mostly SCALE-Sim)::

    python benchmarks/bench_systolic_vs_scalesim.py [--quick]

1. The same layers through SCALE-Sim (in-process, no traces) and archsim, on
   google.cfg's memories (6144/6144/2048 KB, bandwidth 10), with archsim in
   ``scalesim_quirks`` mode: compute/total cycles side by side and the ratio of
   SCALE-Sim's wall time to archsim's per-layer time.
2. All of ResNet-50 (the zoo network; SCALE-Sim's Resnet50.csv too) in one process.
3. The vectorised path: ResNet-50 over 100,000 random designs, in (layer, design) evaluations/s.
4. Peak memory of one layer as the layer grows 1000x (must stay flat: no traces).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scalesim_harness import ScaleSimArch, run_scalesim, topology_text

from archsim.config.systolic import SystolicConfig
from archsim.systolic import simulate_layer, simulate_systolic
from archsim.systolic.vectorised import Designs, evaluate
from workloads.ops import Conv2d, MatMul
from workloads.readers.scalesim_csv import read_scalesim_csv
from workloads.registry import load_workload

RESNET50_CSV = Path("/work/shared/reference/scalesim/data/topologies/mlperf/Resnet50.csv")


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
    Case("conv 28x28x32 3x3 64 on 32x16", ("C", 28, 28, 3, 3, 32, 64, 1), False, 32, 16, "os"),
    Case("conv 14x14x128 1x1 96 on 16x64", ("P", 14, 14, 1, 1, 128, 96, 1), False, 16, 64, "is"),
]
QUICK = CASES[3:]


def _config(case: Case) -> SystolicConfig:
    return SystolicConfig(rows=case.rows, cols=case.cols, dataflow=case.dataflow, scalesim_quirks=True)


def _per_call_seconds(fn: object, min_seconds: float = 0.2) -> float:
    """CPU seconds per call (process time: robust to other jobs sharing the cores)."""
    calls, start = 0, time.process_time()
    while time.process_time() - start < min_seconds:
        fn()  # type: ignore[operator]
        calls += 1
    return (time.process_time() - start) / calls


def compare_layers(cases: list[Case]) -> None:
    """SCALE-Sim and archsim on the same layers: cycles and wall time."""
    print(
        "layer                                  array   df | SCALE-Sim cyc (stall) "
        "| archsim cyc (stall) | SCALE-Sim CPU s | archsim CPU us |   ratio"
    )
    for case in cases:
        arch = ScaleSimArch(case.rows, case.cols, case.dataflow)
        start = time.process_time()
        ref = run_scalesim(topology_text([case.row], case.gemm), arch, case.gemm)[0]
        scalesim_s = time.process_time() - start
        op, config = case.op(), _config(case)
        ours = simulate_layer(op, config)
        archsim_s = _per_call_seconds(lambda op=op, config=config: simulate_layer(op, config))
        print(
            f"{case.name:38s} {case.rows:>3d}x{case.cols:<3d} {case.dataflow} | "
            f"{ref['total_cycles']:>12,d} ({ref['stall_cycles']:>5,d}) | "
            f"{ours.total_cycles:>11,d} ({ours.stall_cycles:>5,d}) | "
            f"{scalesim_s:15.2f} | {archsim_s * 1e6:14.1f} | {scalesim_s / archsim_s:7.0f}x"
        )


def time_network() -> None:
    """All of ResNet-50 in one process (scalar path)."""
    config = SystolicConfig(rows=32, cols=32, dataflow="ws")
    for label, workload in (
        ("zoo resnet50", load_workload("resnet50")),
        ("Resnet50.csv", read_scalesim_csv(RESNET50_CSV)),
    ):
        seconds = _per_call_seconds(lambda w=workload: simulate_systolic(w, config), 1.0)
        total = simulate_systolic(workload, config).total_cycles
        print(
            f"{label:14s} {len(workload.ops):3d} ops on 32x32 ws: "
            f"{seconds * 1e3:6.2f} ms per network ({total:,} cycles)"
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
    parser.add_argument("--quick", action="store_true", help="only the two smallest SCALE-Sim layers, 20,000 designs")
    args = parser.parse_args()
    compare_layers(QUICK if args.quick else CASES)
    time_network()
    time_vectorised(20_000 if args.quick else 100_000)
    peak_memory()


if __name__ == "__main__":
    main()
