"""Figures read the same across files: several workloads, one colour per component and agent, full names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from archsim.cli import main
from archsim.plots import energy_breakdown, median_curves, scratchpad_timeline, studies_scatter
from archsim.plots.style import agent_color, component_color
from archsim.simulate import simulate
from workloads.registry import load_workload


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    """Two different workloads on the systolic preset, MobileNetV2 on an NPU (its energy has a flash component)."""
    from archsim.config.loader import load_arch

    return {
        "alexnet": simulate(load_workload("alexnet"), load_arch("systolic-32x32")),
        "mbv2": simulate(load_workload("mobilenet_v2"), load_arch("systolic-32x32")),
        "npu": simulate(load_workload("mobilenet_v2"), load_arch("ethos-u55-128")),
    }


def test_utilization_and_energy_of_two_workloads_from_the_command_line(
    results: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = []
    for name in ("alexnet", "mbv2"):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(results[name].to_json()))
        files.append(str(path))
    assert main(["plot", "utilization", *files, "-o", str(tmp_path / "u.png")]) == 0
    assert main(["plot", "energy", *files, "-o", str(tmp_path / "e.png")]) == 0
    assert (tmp_path / "u.png").stat().st_size > 0 and capsys.readouterr().err == ""
    from archsim.plots import utilization_comparison

    panels = utilization_comparison([results["alexnet"], results["mbv2"]]).axes
    assert [a.get_title() for a in panels] == ["alexnet: utilization per layer", "mobilenet_v2: utilization per layer"]
    figure = energy_breakdown([results["alexnet"], results["mbv2"]])
    assert figure.axes[0].get_title() == "alexnet, mobilenet_v2: energy by component"


def _bar_colours(figure) -> dict[str, str]:
    axes = figure.axes[0]
    return {c.get_label(): to_hex(c.patches[0].get_facecolor()) for c in axes.containers}


def test_each_energy_component_keeps_its_colour_whatever_the_file_order(results: dict) -> None:
    first = _bar_colours(energy_breakdown([results["alexnet"], results["npu"]]))
    second = _bar_colours(energy_breakdown([results["npu"], results["mbv2"]]))
    assert {"dram", "flash", "mac", "sram"} <= set(first)
    assert first == {name: second[name] for name in first}
    assert first["dram"] == to_hex(component_color("dram")) != first["flash"]


def test_each_agent_keeps_its_colour_in_every_learning_curve_figure() -> None:
    curves = {"bo": np.ones((2, 5)), "random": np.ones((2, 5)), "ppo": np.ones((2, 5))}
    figure = median_curves(curves, "best")
    colours = {line.get_label().split(":")[0]: to_hex(line.get_color()) for line in figure.axes[0].get_lines()}
    reordered = median_curves({"ppo": np.ones((2, 5)), "bo": np.ones((2, 5))}, "best")
    again = {line.get_label().split(":")[0]: to_hex(line.get_color()) for line in reordered.axes[0].get_lines()}
    assert colours["bo"] == again["bo"] == to_hex(agent_color("bo")) and colours["ppo"] == again["ppo"]
    assert len(set(colours.values())) == 3


class _Metrics:
    def __init__(self, latency: float, energy: float) -> None:
        self.values = {"latency_s": latency, "energy_pj": energy}
        self.valid = True

    def get(self, name: str) -> float:
        return self.values[name]


class _Trial:
    def __init__(self, trial_id: int, latency: float, energy: float) -> None:
        self.trial_id, self.reward, self.metrics = trial_id, 0.0, _Metrics(latency, energy)


def test_studies_get_one_colour_each_and_a_legend() -> None:
    studies = {
        "study-a": [_Trial(i, 1.0 + i, 10.0 - i) for i in range(5)],
        "study-b": [_Trial(i, 2.0 + i, 20.0 - 2 * i) for i in range(4)],
    }
    axes = studies_scatter(studies).axes[0]
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert labels == ["study-a: 5 designs, front 5", "study-b: 4 designs, front 4"]
    clouds = [to_hex(c.get_facecolor()[0]) for c in axes.collections]
    assert len(clouds) == 2 and clouds[0] != clouds[1]


def test_timeline_writes_every_tensor_name_in_full() -> None:
    long = "stage4.0.expand_with_a_long_name:out"
    steps = [
        {"op": f"op{i}", "streamed": False, "resident": [{"tensor": t, "offset": o, "bytes": b} for t, o, b in res],
         "loads": [], "stores": [], "window": None}
        for i, res in enumerate([[(long, 0, 20), ("tall_tensor_name:out", 20, 70)], [("x:out", 0, 90)]])
    ]  # fmt: skip
    payload = {"workload": "toy", "scratchpad_bytes": 100, "status": "optimal", "offchip_bytes": 1,
               "compulsory_bytes": 1, "noncompulsory_bytes": 0, "steps": steps, "tensors": {}, "ops": {}}  # fmt: skip
    figure = scratchpad_timeline(payload)
    axes = figure.axes[0]
    texts = [t.get_text() for t in axes.texts]
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert not any("…" in t for t in texts + legend)
    assert "tall_tensor_name" in texts and "x" in texts  # across or along the box
    assert "[1]" in texts and "[1] stage4.0.expand_with_a_long_name" in legend  # numbered, named in the key
    assert len([p for p in axes.patches if isinstance(p, Rectangle)]) == 3
