"""LLM specs through the command line: simulate (JSON totals, warnings, errors), sweep --vary, plot llm."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from archsim.cli import main

SPEC = "llama3.2-1b:phase=request,prompt=64,tokens=5,batch=2,layers=2,wbits=4"


def test_simulate_json_has_the_serving_totals(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert main(["simulate", "-w", SPEC, "-a", "tpu-like", "-f", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    total = data["total"]
    for key in ("ttft_s", "tpot_s", "tokens_per_s", "energy_per_token_pj", "weight_bytes", "kv_cache_bytes"):
        assert total[key] > 0, key
    assert all("bound" in row for row in data["layers"])
    assert total["request_latency_s"] == pytest.approx(total["ttft_s"] + 4 * total["tpot_s"])


@pytest.mark.parametrize("arch", ["eyeriss-like", "fpga-ultra96v2-int8"])
def test_every_family_runs_a_decode_spec(arch: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "-w", "qwen2.5-0.5b:context=256,layers=1,abits=8,wbits=8", "-a", arch]) == 0
    assert "TPOT" in capsys.readouterr().out


def test_unfit_model_warns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "-w", "llama3-8b:context=131072,batch=64", "-a", "a100-like", "-f", "csv"]) == 0
    assert "does not fit: dram needs" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("spec", "needle"),
    [("llama3.2-1b:kvbits=2", "kvbits=2 is not allowed"), ("nosuch.json:phase=decode", "nosuch.json: no such file")],
)
def test_bad_spec_exits_2_with_one_line(spec: str, needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "-w", spec]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_sweep_and_plot(tmp_path: Path) -> None:
    table = tmp_path / "s.csv"
    spec = "llama3.2-1b:phase=decode,layers=1"
    assert (
        main(
            [
                "sweep",
                "-w",
                spec,
                "-a",
                "tpu-like",
                "--vary",
                "context=128,1024",
                "--vary",
                "batch=1,4",
                "-o",
                str(table),
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(table.open()))
    assert [(r["context"], r["batch"]) for r in rows] == [("128", "1"), ("128", "4"), ("1024", "1"), ("1024", "4")]
    assert float(rows[2]["tpot_s"]) > float(rows[0]["tpot_s"])
    assert int(rows[2]["kv_cache_bytes"]) > int(rows[0]["kv_cache_bytes"])
    image = tmp_path / "llm.png"
    assert main(["plot", "llm", str(table), "-o", str(image)]) == 0
    assert image.stat().st_size > 10_000
    assert main(["sweep", "-w", "resnet18", "--vary", "batch=1,2"]) == 2
