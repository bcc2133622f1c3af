"""archsim's NPU model against Arm Vela 5.2: per-operator cycles side by side, and speed.

Fidelity: writes the five int8 test models (3x3 conv 56x56x64->64, 1x1 conv
56x56x128->128, depthwise 3x3 56x56x128, FC 1024->1000, MobileNetV1-224 head)
with the test-suite writer, runs Vela on each for U55-128, U55-256 and U65-256
in Vela's default memory mode and in Sram_Only, simulates the same files with
the matching archsim presets, and prints one row per operator (Vela cycles,
archsim cycles, error) with the median and worst absolute error.

Speed: a whole MobileNetV2 (``load_workload('mobilenet_v2')``) on an NPU preset,
cold (block-search and per-operation caches cleared before each run) and warm (median of
``--repeats``, CPU time), next to Vela's wall time per model.

Run: ``python benchmarks/bench_npu.py [--repeats 20] [--preset ethos-u55-128] [--skip-vela]``
"""

from __future__ import annotations

import argparse
import csv
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACCELERATORS = ("ethos-u55-128", "ethos-u55-256", "ethos-u65-256")
MODES = {"default": (), "sram_only": ("--memory-mode", "Sram_Only")}
SUFFIX = {"default": "", "sram_only": "-sram"}


@dataclass
class Args:
    """Benchmark settings."""

    repeats: int = 20
    """Timed MobileNetV2 runs (cold and warm each)."""
    preset: str = "ethos-u55-128"
    """NPU preset for the speed figure."""
    skip_vela: bool = False
    """Only time archsim (no Vela runs)."""


def parse_args() -> Args:
    """Command-line flags into :class:`Args`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=Args.repeats)
    parser.add_argument("--preset", default=Args.preset)
    parser.add_argument("--skip-vela", action="store_true")
    ns = parser.parse_args()
    return Args(ns.repeats, ns.preset, ns.skip_vela)


def write_models(folder: Path) -> dict[str, Path]:
    """The five differential-test models as TFLite files."""
    runpy.run_path(str(ROOT / "tests" / "conftest.py"))  # registers tests/support as ``support``
    from support.tflite_models import write_conv2d, write_depthwise, write_fc, write_mobilenet_head

    return {
        "conv3x3_56x56x64_64": write_conv2d(folder / "conv3x3.tflite", 56, 56, 64, 64, kernel=3),
        "conv1x1_56x56x128_128": write_conv2d(folder / "conv1x1.tflite", 56, 56, 128, 128, kernel=1),
        "dwconv3x3_56x56x128": write_depthwise(folder / "dwconv3x3.tflite", 56, 56, 128, kernel=3),
        "fc_1024_1000": write_fc(folder / "fc.tflite", 1024, 1000),
        "mobilenet_v1_head": write_mobilenet_head(folder / "mobilenet_v1_head.tflite"),
    }


def vela_ops(model: Path, accelerator: str, mode: str, out: Path) -> tuple[list[tuple[str, float]], float]:
    """Vela's total cycles per original operator (fused and decomposed parts summed) and its wall time."""
    target = out / f"{model.stem}_{accelerator}_{mode}"
    command = [sys.executable, "-m", "ethosu.vela", str(model), "--accelerator-config", accelerator]
    command += ["--verbose-performance", "--output-dir", str(target), *MODES[mode]]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - start
    ops: list[tuple[str, float]] = []
    previous = ""
    with (target / f"{model.stem}_per-layer.csv").open() as handle:
        for row in csv.DictReader(handle):
            original, name, cycles = row["Original Operator"], row["Name"], float(row["Op Cycles"])
            if ops and (name == previous or original == ops[-1][0] == "Softmax"):
                ops[-1] = (original, ops[-1][1] + cycles)
            else:
                ops.append((original, cycles))
            previous = name
    return [op for op in ops if op[1] > 0], wall


def fidelity(models: dict[str, Path], folder: Path) -> list[float]:
    """Print the Vela vs archsim table; return Vela's wall seconds per run."""
    from archsim.config.loader import load_arch
    from archsim.simulate import simulate
    from workloads.registry import load_workload

    errors: list[float] = []
    walls: list[float] = []
    print(f"{'model':24s} {'accelerator':14s} {'mode':9s} {'op':16s} {'vela':>10s} {'archsim':>10s} {'error':>7s}")
    for name, path in models.items():
        workload = load_workload(str(path))
        for accelerator in ACCELERATORS:
            for mode in MODES:
                reference, wall = vela_ops(path, accelerator, mode, folder)
                walls.append(wall)
                metrics = simulate(workload, load_arch(accelerator + SUFFIX[mode]))
                ours = [layer for layer in metrics.layers if layer.total_cycles > 0]
                for (op, cycles), layer in zip(reference, ours, strict=True):
                    error = (layer.total_cycles - cycles) / cycles
                    errors.append(abs(error))
                    print(
                        f"{name:24s} {accelerator:14s} {mode:9s} {op:16s} {cycles:10.0f} "
                        f"{layer.total_cycles:10d} {100 * error:+6.1f}%"
                    )
    print(f"\n{len(errors)} ops: median |error| {100 * statistics.median(errors):.2f}%, worst {100 * max(errors):.2f}%")
    return walls


def speed(args: Args) -> tuple[float, float, int]:
    """Median cold and warm CPU milliseconds of a whole MobileNetV2 on ``args.preset``, and its op count.

    CPU time (``time.process_time``), not wall time: the cores are shared, and
    CPU time is what the model costs.
    """
    from archsim.config.loader import load_arch
    from archsim.npu import blocks, network
    from archsim.simulate import simulate
    from workloads.registry import load_workload

    workload = load_workload("mobilenet_v2")
    config = load_arch(args.preset)
    simulate(workload, config)  # imports
    cold, warm = [], []
    for _ in range(args.repeats):
        blocks.choose_block.cache_clear()
        blocks.fitting_candidates.cache_clear()
        network.cost_operation.cache_clear()
        start = time.process_time()
        simulate(workload, config)
        cold.append(time.process_time() - start)
    for _ in range(args.repeats):
        start = time.process_time()
        simulate(workload, config)
        warm.append(time.process_time() - start)
    return 1e3 * statistics.median(cold), 1e3 * statistics.median(warm), len(workload)


def main() -> None:
    """Fidelity table, then the speed figure."""
    args = parse_args()
    walls: list[float] = []
    if not args.skip_vela:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            walls = fidelity(write_models(folder), folder)
    cold, warm, layers = speed(args)
    print(
        f"\nmobilenet_v2 ({layers} ops) on {args.preset}: {cold:.1f} ms cold, {warm:.1f} ms warm CPU "
        f"(median of {args.repeats})"
    )
    if walls:
        vela = 1e3 * statistics.median(walls)
        print(f"vela per test model (compile + estimate, 1-8 ops, wall): {vela:.0f} ms median")


if __name__ == "__main__":
    main()
