"""Arm Vela runs on the NPU test models, compiled once per model, accelerator and memory mode per test session."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from support.tflite_models import (
    write_conv2d,
    write_depthwise,
    write_fc,
    write_mobilenet_head,
    write_mobilenet_v1,
    write_mobilenet_v2,
    write_resnet18,
)
from support.vela_runs import VelaOp, run_vela

MODELS: dict[str, Callable[[Path], Path]] = {
    "conv3x3_56x56x64_64": lambda p: write_conv2d(p, 56, 56, 64, 64, kernel=3),
    "conv1x1_56x56x128_128": lambda p: write_conv2d(p, 56, 56, 128, 128, kernel=1),
    "dwconv3x3_56x56x128": lambda p: write_depthwise(p, 56, 56, 128, kernel=3),
    "fc_1024_1000": lambda p: write_fc(p, 1024, 1000),
    "mobilenet_v1_head": write_mobilenet_head,
    "mobilenet_v1_224": write_mobilenet_v1,
    "mobilenet_v2_224": write_mobilenet_v2,
    "resnet18_224": write_resnet18,
    "mobilenet_v1_224_int16": lambda p: write_mobilenet_v1(p, dtype="int16"),
    "mobilenet_v2_224_int16": lambda p: write_mobilenet_v2(p, dtype="int16"),
    "resnet18_224_int16": lambda p: write_resnet18(p, dtype="int16"),
}
"""The differential-test models (TFLite int8, and three networks in 16x8; written by tests/support)."""


def model_path(directory: Path, name: str) -> Path:
    """Write ``name``'s model into ``directory`` once (the writers are seeded); return its path."""
    path = directory / f"{name}.tflite"
    if not path.exists():
        private = path.with_name(f"{name}.{os.getpid()}.tflite")
        MODELS[name](private)
        os.replace(private, path)  # whole, so a worker sharing the folder never reads it half-written
    return path


@pytest.fixture(scope="session")
def vela(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str, str], tuple[Path, list[VelaOp]]]:
    """``vela(model, accelerator, mode)`` -> (model file, Vela's per-operator estimates), each compiled once.

    Under pytest-xdist the workers of one session share the folder (the parent of their
    temporary roots), so each model, accelerator and mode is compiled once per session.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent / "vela" if os.environ.get("PYTEST_XDIST_WORKER") else base / "vela"
    root.mkdir(exist_ok=True)
    cache: dict[tuple[str, str, str], tuple[Path, list[VelaOp]]] = {}

    def run(model: str, accelerator: str, mode: str) -> tuple[Path, list[VelaOp]]:
        key = (model, accelerator, mode)
        if key not in cache:
            path = model_path(root, model)
            cache[key] = (path, run_vela(path, accelerator, mode, root)[0])
        return cache[key]

    return run
