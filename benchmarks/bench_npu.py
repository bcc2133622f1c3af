"""archsim's NPU model against Arm Vela 5.2: per-operator cycles side by side, and speed.

Fidelity: writes the test models with the test-suite writers (five single
layers / heads and three whole 224x224 networks: MobileNetV1, MobileNetV2,
ResNet-18; int8, and the networks again in 16x8, int16 activations with int8
weights), compiles each with Vela for every Ethos-U preset (U55-32/64/128/256,
U65-256/512, U85-128/256/512) in Vela's default memory mode and in Sram_Only,
simulates the same files with the matching archsim presets and prints, per
network, preset and mode, the median and worst absolute per-operator error and
the error of the network total (a markdown table, as in docs/npu.md), then
the worst operators. ``--rows FILE`` writes every operator row as CSV.

Speed: a whole MobileNetV2 (``load_workload('mobilenet_v2')``) on an NPU preset,
cold (block-search and per-operation caches cleared before each run) and warm (median of
``--repeats``, CPU time), next to Vela's wall time per model. ``--tflite``: instead, the test
writers' TFLite MobileNetV2 (3.47 M weights), loaded afresh for each run so that its weight
streams are encoded each time, next to Vela compiling the same file in the same script.

Run: ``python benchmarks/bench_npu.py [--repeats 20] [--preset ethos-u55-128] [--skip-vela] [--tflite] [--rows F]``
"""

from __future__ import annotations

import argparse
import csv
import runpy
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYER_ACCELERATORS = ("ethos-u55-128", "ethos-u55-256", "ethos-u65-256")
WORST_SHOWN = 15


@dataclass
class Args:
    """Benchmark settings."""

    repeats: int = 20
    """Timed MobileNetV2 runs (cold and warm each)."""
    preset: str = "ethos-u55-128"
    """NPU preset for the speed figure."""
    skip_vela: bool = False
    """Only time archsim (no Vela runs)."""
    rows: str = ""
    """CSV file for every operator row (empty: none)."""
    tflite: bool = False
    """Time the TFLite MobileNetV2 (weight streams encoded per run) against Vela on the same file."""


def parse_args() -> Args:
    """Command-line flags into :class:`Args`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=Args.repeats)
    parser.add_argument("--preset", default=Args.preset)
    parser.add_argument("--skip-vela", action="store_true")
    parser.add_argument("--rows", default="")
    parser.add_argument("--tflite", action="store_true")
    ns = parser.parse_args()
    return Args(ns.repeats, ns.preset, ns.skip_vela, ns.rows, ns.tflite)


def _support() -> None:
    """Make tests/support importable as ``support`` (as the test suite does)."""
    runpy.run_path(str(ROOT / "tests" / "conftest.py"))


def models() -> dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]]:
    """Every fidelity model: name -> (writer of its TFLite file, accelerators it is compared on)."""
    _support()
    from support import tflite_models as tm
    from support.vela_runs import ETHOS_PRESETS as NETWORK_ACCELERATORS

    return {
        "conv3x3_56x56x64_64": (lambda p: tm.write_conv2d(p, 56, 56, 64, 64, kernel=3), LAYER_ACCELERATORS),
        "conv1x1_56x56x128_128": (lambda p: tm.write_conv2d(p, 56, 56, 128, 128, kernel=1), LAYER_ACCELERATORS),
        "dwconv3x3_56x56x128": (lambda p: tm.write_depthwise(p, 56, 56, 128, kernel=3), LAYER_ACCELERATORS),
        "fc_1024_1000": (lambda p: tm.write_fc(p, 1024, 1000), LAYER_ACCELERATORS),
        "mobilenet_v1_head": (tm.write_mobilenet_head, LAYER_ACCELERATORS),
        "mobilenet_v1_224": (tm.write_mobilenet_v1, NETWORK_ACCELERATORS),
        "mobilenet_v2_224": (tm.write_mobilenet_v2, NETWORK_ACCELERATORS),
        "resnet18_224": (tm.write_resnet18, NETWORK_ACCELERATORS),
        "mobilenet_v1_224_int16": (lambda p: tm.write_mobilenet_v1(p, dtype="int16"), NETWORK_ACCELERATORS),
        "mobilenet_v2_224_int16": (lambda p: tm.write_mobilenet_v2(p, dtype="int16"), NETWORK_ACCELERATORS),
        "resnet18_224_int16": (lambda p: tm.write_resnet18(p, dtype="int16"), NETWORK_ACCELERATORS),
    }


def fidelity(folder: Path, rows_file: str) -> list[float]:
    """Print the Vela vs archsim summary table and worst operators; return Vela's wall seconds per run."""
    _support()
    from support.vela_runs import MODES, PRESET_SUFFIX, Summary, align, run_vela

    from archsim.config.loader import load_arch
    from archsim.simulate import simulate
    from workloads.registry import load_workload

    walls: list[float] = []
    every: list[tuple[str, str, str, object]] = []
    print("| model | preset | Vela mode | ops | median abs. error | worst abs. error | total error |")
    print("|---|---|---|---:|---:|---:|---:|")
    for name, (writer, accelerators) in models().items():
        path = writer(folder / f"{name}.tflite")
        workload = load_workload(str(path))
        for accelerator in accelerators:
            for mode in MODES:
                reference, wall = run_vela(path, accelerator, mode, folder)
                walls.append(wall)
                preset = accelerator + PRESET_SUFFIX[mode]
                rows = align(reference, simulate(workload, load_arch(preset)).layers)
                summary = Summary.of(rows)
                every += [(name, preset, mode, row) for row in rows]
                print(
                    f"| {name} | {preset} | {mode} | {summary.ops} | {100 * summary.median:.1f}% | "
                    f"{100 * summary.worst:.1f}% | {100 * summary.total:+.1f}% |"
                )
    errors = [abs(row.error) for *_, row in every]
    print(f"\n{len(errors)} ops: median |error| {100 * statistics.median(errors):.2f}%, worst {100 * max(errors):.1f}%")
    print(f"\nworst {WORST_SHOWN} operators:")
    for name, preset, _, row in sorted(every, key=lambda item: -abs(item[3].error))[:WORST_SHOWN]:
        print(
            f"  {name:20s} {preset:20s} {row.name:14s} {row.op_type:16s} "
            f"vela {row.vela:9.0f} archsim {row.archsim:9.0f} {100 * row.error:+6.1f}%"
        )
    if rows_file:
        with open(rows_file, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["model", "preset", "op", "op_type", "vela_cycles", "archsim_cycles", "error"])
            for name, preset, _, row in every:
                writer.writerow([name, preset, row.name, row.op_type, row.vela, row.archsim, f"{row.error:.5f}"])
    return [w for w in walls if w > 0]


def speed(args: Args) -> tuple[float, float, int]:
    """Median cold and warm CPU milliseconds of a whole MobileNetV2 on ``args.preset``, and its op count.

    CPU time (``time.process_time``), not wall time: the cores are shared, and
    CPU time is what the model costs.
    """
    from archsim.config.loader import load_arch
    from archsim.npu import blocks, memory, network, placement
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
        memory.staged.cache_clear()
        placement.in_sram.cache_clear()
        start = time.process_time()
        simulate(workload, config)
        cold.append(time.process_time() - start)
    for _ in range(args.repeats):
        start = time.process_time()
        simulate(workload, config)
        warm.append(time.process_time() - start)
    return 1e3 * statistics.median(cold), 1e3 * statistics.median(warm), len(workload)


def tflite_speed(args: Args) -> None:
    """CPU seconds of loading and simulating the TFLite MobileNetV2 afresh (median of ``args.repeats``), beside
    Vela's wall seconds for compiling it once for the same preset."""
    _support()
    from support import tflite_models as tm
    from support.vela_runs import run_vela

    from archsim.config.loader import load_arch
    from archsim.simulate import simulate
    from workloads.registry import load_workload

    with tempfile.TemporaryDirectory() as tmp:
        path = tm.write_mobilenet_v2(Path(tmp) / "mobilenet_v2_224.tflite")
        config = load_arch(args.preset)
        simulate(load_workload(str(path)), config)  # imports, numba's compiled search
        runs = []
        for _ in range(args.repeats):
            start = time.process_time()
            workload = load_workload(str(path))
            simulate(workload, config)
            runs.append(time.process_time() - start)
        weights = sum(values.size for values in workload.weight_values.values())
        ours = 1e3 * statistics.median(runs)
        label = f"TFLite mobilenet_v2 ({weights / 1e6:.2f} M weights) on {args.preset}"
        print(f"{label}: {ours:.0f} ms CPU per load + simulate")
        if not args.skip_vela:
            _, wall = run_vela(path, args.preset.removesuffix("-sram"), "default", Path(tmp))
            print(f"vela on the same file: {1e3 * wall:.0f} ms wall; archsim {1e3 * wall / ours:.1f}x faster")


def main() -> None:
    """Fidelity table, then the speed figure."""
    args = parse_args()
    if args.tflite:
        tflite_speed(args)
        return
    walls: list[float] = []
    if not args.skip_vela:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            walls = fidelity(folder, args.rows)
    cold, warm, layers = speed(args)
    print(
        f"\nmobilenet_v2 ({layers} ops) on {args.preset}: {cold:.1f} ms cold, {warm:.1f} ms warm CPU "
        f"(median of {args.repeats})"
    )
    if walls:
        vela = 1e3 * statistics.median(walls)
        print(f"vela per model and preset (compile + estimate, wall): {vela:.0f} ms median")


if __name__ == "__main__":
    main()
