"""``archsim map``: the JSON contract, the table, and errors as exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archsim.cli import main
from mappers.checker import check
from workloads.registry import load_workload

KEYS = {
    "status",
    "offchip_bytes",
    "compulsory_bytes",
    "baselines",
    "schedule",
    "steps",
    "solve_seconds",
    "tensors",
}


def test_json_contract_and_replay(tmp_path: Path) -> None:
    out = tmp_path / "map.json"
    args = ["--workload", "transformer_encoder", "--scratchpad-kb", "288", "--time-limit", "10"]
    code = main(["map", *args, "--format", "json", "-o", str(out)])
    assert code == 0
    payload = json.loads(out.read_text())
    assert set(payload) >= KEYS
    assert payload["status"] in {"optimal", "feasible", "heuristic", "divide_and_conquer"}
    assert set(payload["baselines"]) >= {"no_reuse", "lru", "belady"}
    assert len(payload["schedule"]) == len(payload["steps"]) == 21
    step = payload["steps"][0]
    assert {"op", "resident", "loads", "stores"} <= set(step)
    assert all({"tensor", "offset", "bytes"} <= set(e) for s in payload["steps"] for e in s["resident"])
    assert payload["offchip_bytes"] <= min(payload["baselines"].values())
    workload = load_workload("transformer_encoder")
    assert check(workload, 288 * 1024, payload).offchip_bytes == payload["offchip_bytes"]
    assert all(payload["tensors"][t.name]["bytes"] == workload.tensor_bytes(t.name) for t in workload.tensors)


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "--workload", "resnet18", "--scratchpad-kb", "512", "--time-limit", "5"]) == 0
    text = capsys.readouterr().out
    assert "baseline: belady" in text
    assert "layer1.0.conv1" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workload", "resnet18", "--scratchpad-kb", "1"], "needs at least"),
        (["--workload", "resnet18", "--scratchpad-kb", "0"], "--scratchpad-kb"),
        (["--workload", "resnet18", "--scratchpad-kb", "64", "--time-limit", "0"], "--time-limit"),
        (["--workload", "no_such_net", "--scratchpad-kb", "64"], "unknown network"),
    ],
)
def test_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_json_on_stdout_is_only_json() -> None:
    """highspy prints a banner to the process's standard output on its first solver; a fresh process that
    maps with HiGHS must still print nothing but the JSON (regression: the banner came first)."""
    code = "import sys; from archsim.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["map", "--workload", "mobilenet_v2", "--scratchpad-kb", "256", "--time-limit", "5", "--format", "json"]
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    payload = json.loads(run.stdout)
    assert payload["solver"]["solver"] == "highs" and payload["solver"]["placement"] == "milp"
