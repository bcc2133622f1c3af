"""``archsim simulate`` on loop-nest configs: ZigZag files in, rows with mapping and energy by memory out,
bad input exits 2 with one line naming the file and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from archsim.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_zigzag_files_through_simulate(capsys, zz_inputs: Path, tiny_onnx: Path) -> None:
    hw, mapping = zz_inputs / "hardware" / "tpu_like.yaml", zz_inputs / "mapping" / "tpu_like.yaml"
    code, out, _ = run(
        capsys, "simulate", "-w", str(tiny_onnx), "-a", str(hw), "--mapping", str(mapping), "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["arch"]["family"] == "loopnest"
    layers = data["layers"]
    assert [row["layer"] for row in layers] == ["conv_a", "conv_b"]
    clipped = ["spatial D1{K:16} D2{C:8} |", "spatial D1{K:32} D2{C:16} |"]  # the file's K32/C32, clipped
    for row, head in zip(layers, clipped, strict=True):
        assert row["mapping"].startswith(head) and "O: rf_2B[" in row["mapping"]
        assert set(row["energy_by_memory_pj"]) == {"rf_128B", "rf_2B", "sram_2MB", "dram"}
        mem = sum(row["energy_by_memory_pj"].values())
        assert row["energy_pj"] == pytest.approx(mem + row["energy_by_component_pj"]["mac"])
        assert row["total_cycles"] >= row["macs"] / 1024  # never faster than the array's peak
        assert row["mapper"] == "proven"


def test_objective_changes_the_choice(capsys, zz_inputs: Path, tiny_onnx: Path) -> None:
    hw = str(zz_inputs / "hardware" / "eyeriss_like.yaml")
    totals = {}
    for objective in ("energy", "latency"):
        code, out, _ = run(capsys, "simulate", "-w", str(tiny_onnx), "-a", hw, "--objective", objective, "-f", "json")
        assert code == 0
        totals[objective] = json.loads(out)["total"]
    assert totals["energy"]["energy_pj"] <= totals["latency"]["energy_pj"]
    assert totals["latency"]["total_cycles"] <= totals["energy"]["total_cycles"]


def _edited(tmp_path: Path, source: Path, edit, suffix: str = ".yaml") -> Path:
    data = yaml.safe_load(source.read_text())
    edit(data)
    target = tmp_path / f"edited{suffix}"
    target.write_text(yaml.safe_dump(data, sort_keys=False))  # memory order is the hierarchy
    return target


def _one_line_error(capsys, argv: list[str], *needles: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unknown_operand_in_hardware_yaml(capsys, tmp_path, zz_inputs, tiny_onnx) -> None:
    def edit(d):
        d["memories"]["rf_128B"]["operands"] = ["I9"]

    bad = _edited(tmp_path, zz_inputs / "hardware" / "tpu_like.yaml", edit)
    _one_line_error(capsys, ["simulate", "-w", str(tiny_onnx), "-a", str(bad)], str(bad), "rf_128B", "I9")


def test_port_for_an_operand_the_memory_does_not_hold(capsys, tmp_path, zz_inputs, tiny_onnx) -> None:
    def edit(d):
        d["memories"]["rf_2B"]["ports"][0]["allocation"] = ["W, tl"]

    bad = _edited(tmp_path, zz_inputs / "hardware" / "tpu_like.yaml", edit)
    _one_line_error(capsys, ["simulate", "-w", str(tiny_onnx), "-a", str(bad)], str(bad), "rf_2B", "'W'")


def test_mapping_that_does_not_fit_a_buffer(capsys, tmp_path, zz_inputs, tiny_onnx) -> None:
    def edit(d):
        d["memories"]["sram_2MB"]["size"] = 64  # less than one spatial tile of inputs

    bad = _edited(tmp_path, zz_inputs / "hardware" / "tpu_like.yaml", edit)
    mapping = str(zz_inputs / "mapping" / "tpu_like.yaml")
    _one_line_error(
        capsys, ["simulate", "-w", str(tiny_onnx), "-a", str(bad), "--mapping", mapping], mapping, "sram_2MB"
    )


@pytest.mark.parametrize(
    ("unrolling", "needle"), [(["Q, 8"], "unknown loop dimension 'Q'"), (["K, 16", "C, 4"], "unrolls 64 ways")]
)
def test_dimension_the_array_cannot_unroll(capsys, tmp_path, zz_inputs, tiny_onnx, unrolling, needle) -> None:
    def edit(entries):
        entries[0]["spatial_mapping"]["D1"] = unrolling

    bad = _edited(tmp_path, zz_inputs / "mapping" / "tpu_like.yaml", edit)
    hw = str(zz_inputs / "hardware" / "tpu_like.yaml")
    _one_line_error(capsys, ["simulate", "-w", str(tiny_onnx), "-a", hw, "--mapping", str(bad)], str(bad), needle)


def test_mapping_flag_needs_a_loop_nest_config(capsys, zz_inputs, tiny_onnx) -> None:
    mapping = str(zz_inputs / "mapping" / "tpu_like.yaml")
    _one_line_error(
        capsys, ["simulate", "-w", str(tiny_onnx), "-a", "systolic-8x8", "--mapping", mapping], "--mapping", "systolic"
    )


@pytest.mark.parametrize("preset", ["loopnest-tpu-like", "loopnest-eyeriss-like"])
def test_presets_simulate(capsys, tiny_onnx: Path, preset: str) -> None:
    code, out, _ = run(capsys, "simulate", "-w", str(tiny_onnx), "-a", preset, "--objective", "energy", "-f", "json")
    assert code == 0
    data = json.loads(out)
    total = data["total"]
    peak = data["machine"]["peak_macs_per_cycle"]
    assert total["total_cycles"] >= total["macs"] / peak
    assert total["area_mm2"] > 0 and total["energy_pj"] > 0
    for row in data["layers"]:
        assert row["energy_pj"] == pytest.approx(sum(row["energy_by_component_pj"].values()))


def test_plots_of_a_loop_nest_result(capsys, tmp_path: Path, tiny_onnx: Path) -> None:
    result = tmp_path / "r.json"
    code, _, _ = run(
        capsys, "simulate", "-w", str(tiny_onnx), "-a", "loopnest-eyeriss-like", "-f", "json", "-o", str(result)
    )
    assert code == 0
    for kind, extra in (("energy", []), ("loopnest", ["--layer", "conv_b"])):
        image = tmp_path / f"{kind}.png"
        code, _, _ = run(capsys, "plot", kind, str(result), "-o", str(image), *extra)
        assert code == 0 and image.stat().st_size > 10_000
    _one_line_error(capsys, ["plot", "loopnest", str(result), "-o", str(tmp_path / "x.png"), "--layer", "nope"], "nope")
