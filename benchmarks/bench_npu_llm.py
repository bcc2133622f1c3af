"""archsim's NPU model against Arm Vela 5.2 on an int8 Llama-style decoder block (docs/llm.md's table).

Writes the block of tests/support/tflite_llm.py, compiles it live with Vela for
Ethos-U85-256 and U85-512 (Vela's default system and memory mode), simulates the
same file on the matching archsim presets and prints, per accelerator, every op
Vela gives cycles to (Vela, archsim, signed error), the median and worst absolute
error, and the wall time of Vela's compile next to archsim's reading and simulation of the block.

Run: ``python benchmarks/bench_npu_llm.py``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from support_loader import load_test_support

from archsim.config.loader import load_arch
from archsim.simulate import simulate
from workloads.registry import load_workload

load_test_support()

from support.tflite_llm import vela_cycles_by_op, write_decoder_block  # noqa: E402

ACCELERATORS = ("ethos-u85-256", "ethos-u85-512", "ethos-u85-1024", "ethos-u85-2048")


def compare(model: Path, accelerator: str, out_dir: Path) -> None:
    """Print one accelerator's per-op table and timings."""
    target = out_dir / accelerator
    command = [sys.executable, "-m", "ethosu.vela", str(model), "--accelerator-config", accelerator]
    start = time.perf_counter()
    subprocess.run([*command, "--verbose-performance", "--output-dir", str(target)], check=True, capture_output=True)
    vela_seconds = time.perf_counter() - start
    reference = vela_cycles_by_op(target / f"{model.stem}_per-layer.csv")
    start = time.perf_counter()
    workload = load_workload(str(model))
    read_seconds = time.perf_counter() - start
    start = time.perf_counter()
    layers = simulate(workload, load_arch(accelerator)).layers
    archsim_seconds = time.perf_counter() - start
    ours = {layer.layer: layer.total_cycles for layer in layers}
    print(f"\n{accelerator}\n| op | Vela | archsim | error |\n|---|---:|---:|---:|")
    errors = []
    for name, cycles in reference.items():
        error = ours[name] / cycles - 1
        errors.append(abs(error))
        print(f"| {name} | {cycles:,.0f} | {ours[name]:,} | {100 * error:+.1f}% |")
    median, worst = statistics.median(errors), max(errors)
    print(f"median {100 * median:.2f}%, worst {100 * worst:.1f}% over {len(errors)} ops")
    print(
        f"wall time: Vela compile {vela_seconds:.2f} s; archsim read {1e3 * read_seconds:.1f} ms "
        f"(the first read imports the TFLite reader), simulate {1e3 * archsim_seconds:.1f} ms"
    )


def main() -> None:
    """Compare both U85 configurations."""
    with tempfile.TemporaryDirectory() as folder:
        model = write_decoder_block(Path(folder) / "block.tflite")
        for accelerator in ACCELERATORS:
            compare(model, accelerator, Path(folder))


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
