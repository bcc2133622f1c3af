"""Speed of LLM workloads: a 32-layer 8B model's request, and a context x batch sweep.

Times, best and median of ``--repeats`` (one core, warm):
1. building ``llama3-8b:phase=request,prompt=512,tokens=128`` (836 ops: the prefill and
   one representative decode step over 32 layers) and simulating it on a systolic
   preset (``a100-like``) and on the NPU and FPGA families' presets that hold it;
2. a ``--points``-point context x batch sweep of ``llama3.2-1b`` decode on ``a100-like``
   (what ``archsim sweep --vary`` runs), in seconds.
The issue's targets: under 50 ms for (1) on one core; "seconds" for 1,000 points.

Run: ``python benchmarks/bench_llm.py [--repeats 5] [--points 1000]``
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from archsim.config.loader import load_arch
from archsim.llm.sweep import sweep_llm
from archsim.simulate import simulate
from workloads.registry import load_workload

REQUEST = "llama3-8b:phase=request,prompt=512,tokens=128"
FAMILY_CHECKS = (("a100-like", REQUEST), ("ethos-u85-256", "qwen2.5-0.5b:phase=decode,context=1024,abits=8,wbits=8"))


@dataclass
class Args:
    """Benchmark settings."""

    repeats: int = 5
    """Warm timings per case."""
    points: int = 1000
    """Grid points of the sweep (a square-ish context x batch grid)."""


def _time(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return min(samples), statistics.median(samples)


def main() -> None:
    """Print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=Args.repeats)
    parser.add_argument("--points", type=int, default=Args.points)
    args = Args(**vars(parser.parse_args()))
    for arch, spec in FAMILY_CHECKS:
        config = load_arch(arch)
        build = _time(lambda spec=spec: load_workload(spec), args.repeats)
        workload = load_workload(spec)
        run = _time(lambda w=workload, c=config: simulate(w, c), args.repeats)
        print(
            f"{spec} on {arch}: {len(workload)} ops; build best {build[0] * 1e3:.1f} ms "
            f"(median {build[1] * 1e3:.1f}); simulate best {run[0] * 1e3:.1f} ms (median {run[1] * 1e3:.1f}); "
            f"total best {(build[0] + run[0]) * 1e3:.1f} ms"
        )
    batches = 2 ** int(math.log2(max(1, int(math.sqrt(args.points)))))
    batch_values = [1 + i for i in range(batches)]
    contexts = [128 * (1 + i) for i in range(math.ceil(args.points / batches))]
    start = time.perf_counter()
    rows = sweep_llm("llama3.2-1b:phase=decode", {"context": contexts, "batch": batch_values}, load_arch("a100-like"))
    elapsed = time.perf_counter() - start
    print(f"sweep of llama3.2-1b decode on a100-like: {len(rows)} points in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
