"""The int8 test models compile with Arm Vela 5.2 entirely onto the NPU, and Vela counts the MACs we import.

Vela is the independent reader here: the NPU engineer runs it on these files
for differential tests, so every model must land on the NPU (no CPU fallback),
and on single-layer models its MAC count must equal ours.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support.tflite_models import write_conv2d, write_depthwise, write_fc, write_mobilenet_head

from workloads.readers.tflite_reader import read_tflite

MODELS: dict[str, Callable[[Path], Path]] = {
    "conv3x3_56x56x64_64": lambda p: write_conv2d(p, 56, 56, 64, 64, 3, activation="relu"),
    "conv1x1_56x56x128_128": lambda p: write_conv2d(p, 56, 56, 128, 128, 1, activation=None),
    "depthwise3x3_56x56x128": lambda p: write_depthwise(p, 56, 56, 128, 3, activation="relu6"),
    "fc_1024_1000": lambda p: write_fc(p, 1024, 1000),
    "mobilenet_head": lambda p: write_mobilenet_head(p),
}


def _vela(model: Path, out_dir: Path) -> str:
    command = [sys.executable, "-m", "ethosu.vela", str(model), "--accelerator-config", "ethos-u55-128"]
    command += ["--output-dir", str(out_dir), "--verbose-performance"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _field(report: str, pattern: str) -> int:
    match = re.search(pattern, report)
    assert match, f"{pattern!r} not in Vela's report:\n{report}"
    return int(match.group(1))


MAC_OPS = ("Conv2D", "DepthwiseConv2D", "FullyConnected")


def _vela_layer_macs(report: str) -> dict[str, int]:
    """Layer name -> MAC count of Vela's conv/depthwise/FC rows in ``--verbose-performance``."""
    macs = {}
    for line in report.splitlines():
        cells = line.split()
        # Original op, NNG op, target, 9 figures, MAC count, 2 percentages, name.
        if len(cells) == 16 and cells[0] in MAC_OPS and cells[1] == cells[0] and cells[2] == "NPU":
            macs[cells[15]] = int(cells[12])
    return macs


@pytest.mark.parametrize("name", sorted(MODELS))
def test_vela_places_every_op_on_the_npu_and_counts_our_macs(name: str, tmp_path: Path) -> None:
    model = MODELS[name](tmp_path / f"{name}.tflite")
    report = _vela(model, tmp_path / "vela")
    assert _field(report, r"CPU operators = (\d+)") == 0
    assert _field(report, r"NPU operators = (\d+)") >= 1
    assert (tmp_path / "vela" / f"{name}_vela.tflite").is_file()
    ours = {node.name: node.op.macs for node in read_tflite(model) if node.op.macs}
    assert _vela_layer_macs(report) == ours
