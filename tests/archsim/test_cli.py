"""The command-line contract of DESIGN.md: commands, flags, columns, JSON keys, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import SCALESIM_TOPOLOGIES

from archsim.cli import main
from archsim.metrics import LAYER_COLUMNS

TOPOLOGIES = SCALESIM_TOPOLOGIES
ALEXNET_CSV = str(TOPOLOGIES / "conv_nets" / "alexnet.csv")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_csv_has_contract_columns(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "simulate", "--workload", ALEXNET_CSV, "--arch", "systolic-32x32", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["layer"] for r in rows] == ["Conv1", "Conv2", "Conv3", "Conv4", "Conv5"]
    assert list(rows[0])[: len(LAYER_COLUMNS)] == list(LAYER_COLUMNS)
    for row in rows:
        assert int(row["total_cycles"]) == int(row["compute_cycles"]) + int(row["stall_cycles"])


def test_simulate_json_shape_and_dataflow_override(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "simulate", "-w", ALEXNET_CSV, "-a", "systolic-32x32", "--dataflow", "ws", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"arch", "workload", "layers", "total"}
    assert data["arch"]["dataflow"] == "ws"
    assert data["total"]["total_cycles"] == sum(r["total_cycles"] for r in data["layers"])


def test_simulate_writes_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.json"
    code, out, _ = run_cli(capsys, "simulate", "-w", ALEXNET_CSV, "-a", "google", "--format", "json", "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["workload"] == "alexnet"


def test_table_output_shows_totals(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "simulate", "-w", ALEXNET_CSV, "-a", "eyeriss-like")
    assert code == 0
    assert "TOTAL" in out and "Conv5" in out and "latency" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "-w", "nosuch.csv", "-a", "google"], "nosuch.csv: no such file"),
        (["simulate", "-w", ALEXNET_CSV, "-a", "tpu9"], "unknown preset 'tpu9'"),
        (
            ["simulate", "-a", "TPU-like"],
            "unknown preset 'TPU-like' (did you mean 'tpu-like'?; names are case-sensitive)",
        ),
        (["simulate", "-w", "not_a_net", "-a", "google"], "unknown network 'not_a_net'"),
        (["simulate", "-w", "model.xyz", "-a", "google"], "unknown file type '.xyz'"),
        (
            ["simulate", "-w", "Resnet18"],
            "unknown network 'Resnet18' (did you mean 'resnet18'?; names are case-sensitive)",
        ),
        (["simulate", "-w", "LLAMA3.2-1B"], "(did you mean 'llama3.2-1b'?; names are case-sensitive)"),
        (["simulate", "-w", "resnet_18"], "unknown network 'resnet_18' (did you mean 'resnet18'?);"),
        (["simulate", "-w", ALEXNET_CSV, "-a", "google", "--precision", "int3"], "unknown precision 'int3'"),
        (["workload", ALEXNET_CSV, "--input-shape", "x=1xq"], "expected NAME=DIMS"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_malformed_csv_row_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    topo = tmp_path / "bad.csv"
    topo.write_text(
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
        "L1, 8, 8, 3, 3, -4, 8, 1,\n"
    )
    code, _, err = run_cli(capsys, "simulate", "-w", str(topo), "-a", "google")
    assert code == 2
    assert "bad.csv:2: field 'Channels' must be a positive integer, got -4" in err


def test_workload_json_lists_ops_and_tensors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "workload", ALEXNET_CSV, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {"name", "kind", "inputs", "outputs", "macs"} <= set(data["ops"][0])
    assert {"name", "bytes", "kind"} <= set(data["tensors"][0])
    assert data["ops"][1]["inputs"][0] == data["ops"][0]["outputs"][0]
    assert sum(op["macs"] for op in data["ops"]) == data["macs"]


def test_archs_lists_presets_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "archs", "--format", "json")
    assert code == 0
    names = {entry["name"]: entry["family"] for entry in json.loads(out)}
    assert names["google"] == "systolic"


def test_every_preset_description_is_one_complete_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "archs", "--format", "json")
    entries = json.loads(out)
    assert code == 0 and len(entries) >= 27
    for entry in entries:
        text = entry["description"]
        assert text[:1].isupper() and text.endswith(".") and "\n" not in text, entry["name"]
        assert text.count("(") == text.count(")"), entry["name"]  # nothing cut mid-parenthesis


def test_console_script_starts_without_heavy_imports() -> None:
    code = (
        "import sys; from archsim.cli import main; main(['archs', '--format', 'json']);"
        "heavy = [m for m in ('torch', 'stable_baselines3', 'ray', 'onnx', 'pulp', 'optuna') if m in sys.modules];"
        "print(heavy, file=sys.stderr); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_table_units_and_the_clock_a_scalesim_cfg_leaves_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "small.cfg"
    cfg.write_text(
        "[general]\nrun_name = small\n\n[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\n"
        "IfmapSramSzkB: 64\nFilterSramSzkB: 64\nOfmapSramSzkB: 32\nIfmapOffset: 0\nFilterOffset: 10000000\n"
        "OfmapOffset: 20000000\nBandwidth: 10\nDataflow: ws\n"
    )
    code, out, _ = run_cli(capsys, "simulate", "-w", "alexnet", "-a", str(cfg))
    assert code == 0
    assert all(h in out for h in ("ifmap DRAM rd (words)", "filter DRAM rd (words)", "ofmap DRAM wr (words)"))
    assert "energy (uJ)" in out and "latency (ms)" in out and " MHz (" in out
    assert f"note: {cfg}: a SCALE-Sim .cfg sets no clock; latency assumes 1,000 MHz" in out.replace("\n", "")
    code, preset, _ = run_cli(capsys, "simulate", "-w", "alexnet", "-a", "tpu-like")
    assert "latency" in preset and " at 700 MHz " in preset and "sets no clock" not in preset


@pytest.mark.parametrize(
    ("name", "text", "key"),
    [
        ("array.toml", 'family = "systolic"\nrows = 0\ncols = 8\n', "rows"),
        ("npu.yaml", "family: npu\nmacs_per_cycle: 3\n", "macs_per_cycle"),
        ("flow.toml", 'rows = 8\ncols = 8\ndataflow = "xs"\n', "dataflow"),
    ],
)
def test_config_errors_name_the_file_and_the_users_own_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, key: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    code, _, err = run_cli(capsys, "simulate", "-w", "alexnet", "-a", str(path))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"archsim simulate: error: {path}: ") and key in err
    assert f"{path}: {path.stem}:" not in err  # the file names the config once


def test_top_level_help_names_every_hardware_family() -> None:
    from archsim.cli import build_parser
    from archsim.simulate import SIMULATORS

    description = str(build_parser().description)
    missing = [family for family in [*SIMULATORS, "system"] if family not in description]
    assert not missing, f"`archsim --help` omits the families {missing}: {description}"


@pytest.mark.parametrize(
    ("module", "extra"),
    [
        ("ortools", "multicore"),
        ("ortools.sat.python", "multicore"),
        ("sb3_contrib", "soc"),
        ("pettingzoo", "marl"),
        ("pyarrow", "parquet"),
        ("psycopg", "postgres"),
        ("ray", "ray"),
    ],
)
def test_an_optional_dependency_maps_to_the_extra_that_installs_it(module: str, extra: str) -> None:
    from archsim.cli import missing_extra

    assert missing_extra(module) == extra


def test_a_base_or_foreign_module_is_no_extra() -> None:
    from archsim.cli import missing_extra

    assert missing_extra("numpy") is None and missing_extra("no_such_module") is None and missing_extra(None) is None


def test_a_missing_optional_dependency_exits_2_naming_its_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [m for m in sys.modules if m.startswith("ortools.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ortools", None)  # `import ortools` now fails as if it were not installed
    assert main(["simulate", "-w", "resnet18", "-a", "system-hetero", "--scheduler", "exact"]) == 2
    assert capsys.readouterr().err == (
        "archsim simulate: error: ortools is not installed (pip install 'archsim[multicore]')\n"
    )
