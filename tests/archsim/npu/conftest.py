"""Arm Vela runs on the NPU test models, read per operator and cached per test session."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.tflite_models import write_conv2d, write_depthwise, write_fc, write_mobilenet_head

MODELS = {
    "conv3x3_56x56x64_64": lambda p: write_conv2d(p, 56, 56, 64, 64, kernel=3),
    "conv1x1_56x56x128_128": lambda p: write_conv2d(p, 56, 56, 128, 128, kernel=1),
    "dwconv3x3_56x56x128": lambda p: write_depthwise(p, 56, 56, 128, kernel=3),
    "fc_1024_1000": lambda p: write_fc(p, 1024, 1000),
    "mobilenet_v1_head": write_mobilenet_head,
}
"""The differential-test models (TFLite int8, written by tests/support)."""

MODES = {"default": (), "sram_only": ("--memory-mode", "Sram_Only")}
"""Vela memory-mode options; ``default`` is Vela's default system config and memory mode."""


@dataclass(frozen=True)
class VelaOp:
    """One original operator of the model as Vela estimates it (its NPU ops summed)."""

    op_type: str
    total: float
    npu: float
    sram: float
    dram: float
    flash: float


def model_path(directory: Path, name: str) -> Path:
    """Write ``name``'s model into ``directory`` once; return its path."""
    path = directory / f"{name}.tflite"
    if not path.exists():
        MODELS[name](path)
    return path


def run_vela(model: Path, accelerator: str, mode: str, out_dir: Path) -> list[VelaOp]:
    """Vela's per-operator estimates, one entry per original TFLite operator with NPU cycles."""
    target = out_dir / f"{model.stem}_{accelerator}_{mode}"
    csv_path = target / f"{model.stem}_per-layer.csv"
    if not csv_path.exists():
        command = [
            sys.executable,
            "-m",
            "ethosu.vela",
            str(model),
            "--accelerator-config",
            accelerator,
            "--verbose-performance",
            "--output-dir",
            str(target),
            *MODES[mode],
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    ops: list[VelaOp] = []
    previous_name = ""
    with csv_path.open() as handle:
        for row in csv.DictReader(handle):
            original, name = row["Original Operator"], row["Name"]
            figures = [float(row[k]) for k in ("Op Cycles", "NPU", "SRAM AC", "DRAM AC", "OffFlash AC")]
            # Fused activations and the internal ops of a decomposed operator (softmax) extend the last entry.
            extends = ops and (name == previous_name or (original == ops[-1].op_type and original == "Softmax"))
            if extends:
                last = ops[-1]
                ops[-1] = VelaOp(
                    original,
                    *(
                        a + b
                        for a, b in zip((last.total, last.npu, last.sram, last.dram, last.flash), figures, strict=True)
                    ),
                )
            else:
                ops.append(VelaOp(original, *figures))
            previous_name = name
    return [op for op in ops if op.total > 0]


@pytest.fixture(scope="session")
def vela(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str, str], tuple[Path, list[VelaOp]]]:
    """``vela(model, accelerator, mode)`` -> (model file, Vela's per-operator estimates), each run once."""
    root = tmp_path_factory.mktemp("vela")
    cache: dict[tuple[str, str, str], tuple[Path, list[VelaOp]]] = {}

    def run(model: str, accelerator: str, mode: str) -> tuple[Path, list[VelaOp]]:
        key = (model, accelerator, mode)
        if key not in cache:
            path = model_path(root, model)
            cache[key] = (path, run_vela(path, accelerator, mode, root))
        return cache[key]

    return run
