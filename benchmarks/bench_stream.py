"""archsim vs Stream 2.1.1 on 2-conv networks, same hardware (its YAML) and the same allocation.

Stream runs in its own venv (Python >= 3.12): make it with
``python3.12 -m venv ../venv-stream && ../venv-stream/bin/pip install stream-dse==2.1.1 six``.

    python benchmarks/bench_stream.py                       # the table, side by side
    python benchmarks/bench_stream.py --rows stream_rows.csv  # also write the rows the tests compare to

Cases: Stream's 2-conv fixture (``make_2_conv_workload``: 3x3 SAME convolutions, int8) at three
sizes on ``tpu_like_quad_core`` and ``eyeriss_like_quad_core``; both convs split four ways along
their output channels over the four compute cores (``inter_core_tiling``), either one fused group
(intermediate on chip) or one group per layer (intermediate through DRAM); see
``benchmarks/stream_case.py``. archsim reads the same hardware YAML
(``archsim.config.stream_yaml``: loop-nest cores priced as Stream prices them), builds the same
allocation from the same mapping YAML (``mappers.multicore.stream_mapping``) and times it with the
shared DRAM/interconnect model. Not part of CI; the committed rows are
``tests/mappers/multicore/data/stream_rows.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tempfile
import time
from pathlib import Path

from archsim.config.loader import load_arch
from archsim.system.metrics import evaluate
from mappers.multicore.stream_mapping import read_stream_mapping
from workloads.builder import GraphBuilder
from workloads.graph import Workload

HERE = Path(__file__).resolve().parent
SIZES = ((32, 32, 8, 16, 32), (16, 16, 16, 32, 64), (64, 64, 8, 16, 16))
"""(height, width, input channels, Conv1 channels, Conv2 channels); the first is Stream's own fixture."""
HARDWARE = ("tpu_like_quad_core", "eyeriss_like_quad_core")
GROUPS = ("fused", "layer")
FIELDS = ("hardware", "height", "width", "in_channels", "out1", "out2", "groups", "stream_cycles", "archsim_cycles")


def two_conv(height: int = 32, width: int = 32, in_channels: int = 8, out1: int = 16, out2: int = 32) -> Workload:
    """Stream's fixture: 1 x C x H x W input, 3x3 SAME convs to ``out1`` then ``out2`` channels, int8."""
    b = GraphBuilder(f"2conv_1_{in_channels}_{height}_{width}_{out1}_{out2}_3")
    x = b.input((1, in_channels, height, width))
    x = b.conv(x, out1, 3, padding=1, name="Conv1")
    b.conv(x, out2, 3, padding=1, name="Conv2")
    return b.build()


def run_stream(python: str, case: dict) -> dict:
    """Stream's result for ``case`` (a subprocess in Stream's venv)."""
    done = subprocess.run(
        [python, str(HERE / "stream_case.py"), json.dumps(case)], capture_output=True, text=True, check=True
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def archsim_cycles(hardware_file: str, mapping_file: Path, case: dict) -> tuple[float, float]:
    """archsim's makespan for ``case`` on the hardware file with Stream's mapping file, and the seconds it took."""
    began = time.perf_counter()
    workload = two_conv(case["height"], case["width"], case["in_channels"], case["out1"], case["out2"])
    system = load_arch(hardware_file)
    metrics = evaluate(workload, system, read_stream_mapping(mapping_file, workload, system))
    return metrics.makespan_cycles, time.perf_counter() - began


def main() -> None:
    """Print the side-by-side table (and write the rows when asked)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stream-python", default=str(HERE.parent.parent / "venv-stream" / "bin" / "python"))
    parser.add_argument("--rows", type=Path, help="write the measured rows to this CSV")
    args = parser.parse_args()
    rows = []
    folder = tempfile.mkdtemp(prefix="stream_bench_")
    print("| hardware | HxW, C -> K1 -> K2 | groups | Stream cycles | Stream s | archsim cycles | archsim s | ratio |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for hardware in HARDWARE:
        for height, width, cin, out1, out2 in SIZES:
            for groups in GROUPS:
                case = {"hardware": hardware, "height": height, "width": width, "in_channels": cin}
                case |= {"out1": out1, "out2": out2, "groups": groups, "mapping_dir": folder}
                stream = run_stream(args.stream_python, case)
                mapping = Path(folder) / f"stream_mapping_{groups}.yaml"
                ours, seconds = archsim_cycles(stream["hardware_file"], mapping, case)
                print(
                    f"| {hardware} | {height}x{width}, {cin} -> {out1} -> {out2} | {groups} | "
                    f"{stream['cycles']:,.0f} | {stream['wall_s']:.1f} | {ours:,.0f} | {seconds:.1f} | "
                    f"{ours / stream['cycles']:.3f} |",
                    flush=True,
                )
                del case["mapping_dir"]
                rows.append(case | {"stream_cycles": stream["cycles"], "archsim_cycles": ours})
    if args.rows:
        with args.rows.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
