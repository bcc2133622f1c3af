"""CPU time per layer of the default systolic model where its buffers spill and drain (the stall model's work).

Run from the repository root (a few seconds)::

    python benchmarks/bench_systolic_spilling.py

``bench_systolic_vs_scalesim.py`` times layers on google.cfg's 6 MB SRAMs, where no stream
spills; these layers run on 4-64 KB SRAMs at 1-10 words/cycle, so every read stream is
prefetched during the layer and the ofmap SRAM drains. Run it with ``PYTHONPATH`` set to two
checkouts, alternately, to compare two versions of the model on the same machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from archsim.config.systolic import SystolicConfig
from archsim.systolic import simulate_layer
from workloads.ops import Conv2d, MatMul

CASES = [
    ("5x5 conv 20x20x6 -> 17, os 4x16, 64 KB, bw 1", Conv2d("c", 6, 17, 20, 20, 5, 5), 4, 16, "os", 64, 1),
    ("3x3 conv 56x56x64 -> 64, ws 32x32, 16 KB, bw 4", Conv2d("c", 64, 64, 56, 56, 3, 3), 32, 32, "ws", 16, 4),
    ("1x1 conv 28x28x128 -> 256, is 16x64, 8 KB, bw 2", Conv2d("c", 128, 256, 28, 28, 1, 1), 16, 64, "is", 8, 2),
    ("dw 3x3 112x112x32, ws 32x32, 4 KB, bw 1", Conv2d("c", 32, 32, 112, 112, 3, 3, groups=32), 32, 32, "ws", 4, 1),
    ("GEMM 196x768x3072, os 128x128, 64 KB, bw 10", MatMul("mm", 196, 3072, 768), 128, 128, "os", 64, 10),
]
"""(label, op, rows, cols, dataflow, KB per SRAM, DRAM words/cycle per channel)."""


def per_call_us(op: Conv2d | MatMul, config: SystolicConfig, calls: int = 2_000, batches: int = 15) -> float:
    """Median CPU microseconds per ``simulate_layer`` call over ``batches`` batches of ``calls``."""
    times = []
    for _ in range(batches):
        start = time.process_time()
        for _ in range(calls):
            simulate_layer(op, config)
        times.append((time.process_time() - start) / calls * 1e6)
    return statistics.median(times)


def main() -> None:
    """Print each case's cycles, stall cycles and median CPU time per layer."""
    print("| layer | total cycles | stall cycles | CPU us per layer (median of 15 x 2,000) |")
    print("|---|---|---|---|")
    for label, op, rows, cols, dataflow, kb, bw in CASES:
        config = SystolicConfig(
            rows=rows, cols=cols, dataflow=dataflow, ifmap_sram_kb=kb, filter_sram_kb=kb, ofmap_sram_kb=kb,
            ifmap_dram_bw=bw, filter_dram_bw=bw, ofmap_dram_bw=bw,
        )  # fmt: skip
        m = simulate_layer(op, config)
        print(f"| {label} | {m.total_cycles:,} | {m.stall_cycles:,} | {per_call_us(op, config):.1f} |")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
