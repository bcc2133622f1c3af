"""archsim vs Stream 2.1.1 on Stream's 2-conv fixture, same hardware (its YAML) and the same allocation.

Stream runs in its own venv (Python >= 3.12): make it with
``python3.12 -m venv ../venv-stream && ../venv-stream/bin/pip install stream-dse==2.1.1 six``.

    python benchmarks/bench_stream.py [--stream-python ../venv-stream/bin/python]

Allocation on both sides: the fixture's mapping (``make_2_conv_mapping``): every conv split in four
along its output channels over the four compute cores (``inter_core_tiling``), layer by layer.
archsim reads the same hardware YAML (``archsim.config.stream_yaml``), prices each slice with the
loop-nest family (ZigZag's cost model) and times the schedule with the shared DRAM/interconnect model.
Not part of CI.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

from archsim.config.loader import load_arch
from archsim.system.metrics import evaluate
from mappers.multicore.split import split_schedule
from workloads.builder import GraphBuilder
from workloads.graph import Workload

STREAM_SCRIPT = """
import json, os, sys, time
import stream
from stream.api import SolveOptions, evaluate_mapping
from stream.inputs.testing.mapping.make_2_conv_mapping import make_2_conv_mapping
from stream.inputs.testing.workload.make_2_conv import TwoConvWorkloadConfig, make_2_conv_workload
hw = sys.argv[1]
cfg = TwoConvWorkloadConfig(1, 32, 32, 8, 16, 32, 3, "i8", "i8")
workload, mapping = make_2_conv_workload(cfg), make_2_conv_mapping(cfg)
hardware = os.path.join(os.path.dirname(stream.__file__), "inputs", "examples", "hardware", hw + ".yaml")
began = time.time()
est = evaluate_mapping(hardware, workload, "/tmp/stream_bench_" + hw, mapping, SolveOptions(artifacts=False))
print("RESULT " + json.dumps({"cycles": est.cycles, "hardware_file": hardware, "wall_s": time.time() - began}))
"""


def two_conv() -> Workload:
    """Stream's fixture: 1x8x32x32 input, 3x3 convs to 16 then 32 channels, SAME padding, int8."""
    b = GraphBuilder("2conv_1_8_32_32_16_32_3")
    x = b.input((1, 8, 32, 32))
    x = b.conv(x, 16, 3, padding=1, name="Conv1")
    b.conv(x, 32, 3, padding=1, name="Conv2")
    return b.build()


def run_stream(python: str, hardware: str) -> dict:
    """Stream's cycles for the fixture on ``hardware`` (a subprocess in Stream's venv)."""
    done = subprocess.run([python, "-c", STREAM_SCRIPT, hardware], capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main() -> None:
    """Print the side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stream-python", default="../venv-stream/bin/python")
    args = parser.parse_args()
    workload = two_conv()
    print("| hardware | Stream cycles | Stream s | archsim cycles | archsim s | archsim / Stream |")
    print("|---|---:|---:|---:|---:|---:|")
    for hardware in ("tpu_like_quad_core", "eyeriss_like_quad_core"):
        stream = run_stream(args.stream_python, hardware)
        began = time.perf_counter()
        system = load_arch(stream["hardware_file"])
        metrics = evaluate(workload, system, split_schedule(workload, system))
        seconds = time.perf_counter() - began
        print(
            f"| {hardware} | {stream['cycles']:,.0f} | {stream['wall_s']:.1f} | {metrics.makespan_cycles:,.0f} | "
            f"{seconds:.1f} | {metrics.makespan_cycles / stream['cycles']:.2f} |"
        )
        for layer in metrics.layers:
            print(
                f"    {layer.layer}: compute {layer.compute_cycles:,} cycles, "
                f"start {layer.extras['start_cycle']:,.0f}, "
                f"end {layer.extras['end_cycle']:,.0f}, DRAM {layer.extras['dram_read_bytes']:,} B read, "
                f"link {layer.extras['link_bytes']:,} B"
            )


if __name__ == "__main__":
    main()
