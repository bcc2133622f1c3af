"""Imported ONNX and TFLite models simulate end to end, through the API and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.onnx_models import OnnxGraphWriter, write_resnet_style
from support.tflite_models import write_mobilenet_head

from archsim.cli import main
from archsim.config.loader import load_arch
from archsim.simulate import simulate
from workloads.registry import load_workload


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    return {
        "onnx": write_resnet_style(folder / "resnet.onnx", image=64, width=16),
        "tflite": write_mobilenet_head(folder / "head.tflite"),
    }


@pytest.mark.parametrize("kind", ["onnx", "tflite"])
def test_imported_models_simulate_layer_by_layer(models: dict[str, Path], kind: str) -> None:
    workload = load_workload(str(models[kind]))
    config = load_arch("systolic-32x32")
    metrics = simulate(workload, config)
    assert [layer.layer for layer in metrics.layers] == [node.name for node in workload]
    assert sum(layer.macs for layer in metrics.layers) == workload.total_macs
    for layer in metrics.layers:
        if layer.macs:
            assert layer.compute_cycles >= layer.macs / (32 * 32)
            assert layer.ifmap_dram_reads > 0 and layer.total_cycles >= layer.compute_cycles


@pytest.mark.parametrize("kind", ["onnx", "tflite"])
def test_cli_simulates_and_lists_imported_models(
    models: dict[str, Path], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(models[kind])
    assert main(["simulate", "--workload", path, "--arch", "systolic-32x32", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["layers"]) == len(load_workload(path))
    assert sum(row["macs"] for row in result["layers"]) == load_workload(path).total_macs
    assert main(["workload", path, "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    weights = {t["name"] for t in listing["tensors"] if t["kind"] == "weight"}
    assert ("fc.weight" if kind == "onnx" else "fc_0/weights") in weights


def test_cli_errors_on_dynamic_shapes_and_accepts_input_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    g = OnnxGraphWriter()
    path = g.save(tmp_path / "dyn.onnx", [g.conv(g.input("x", ("batch", 3, 16, 16)), 3, 4, 3, "conv")])
    assert main(["workload", str(path), "--format", "json"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--input-shape x=1x3x16x16" in error
    assert main(["workload", str(path), "--input-shape", "x=2x3x16x16", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert sum(op["macs"] for op in listing["ops"]) == 2 * 16 * 16 * 4 * 3 * 9
