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
    ("tokens", "within"),
    [(24, True), (25, False)],  # a decode from 1,000 cached positions feeds positions 1,000 .. 999 + tokens
)
def test_positions_beyond_the_model_are_flagged(
    tokens: int, within: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    spec = f"gpt2:phase=decode,context=1000,tokens={tokens},layers=1"
    assert main(["simulate", "-w", spec, "-a", "tpu-like", "-f", "json", "-o", str(out)]) == 0
    total = json.loads(out.read_text())["total"]
    assert (total["positions"], total["max_positions"], total["within_max_positions"]) == (1000 + tokens, 1024, within)
    assert total["tpot_s"] > 0  # a what-if beyond the model's positions still gets its hardware figures
    warned = "beyond the model's 1,024 (max_position_embeddings)" in capsys.readouterr().err
    assert warned is not within


def test_positions_limit_is_not_guessed_when_unstated(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    fields = {"hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 128}
    config.write_text(json.dumps({**fields, "vocab_size": 100}))
    out = tmp_path / "r.json"
    assert main(["simulate", "-w", f"{config}:context=500000", "-a", "tpu-like", "-f", "json", "-o", str(out)]) == 0
    total = json.loads(out.read_text())["total"]
    assert (total["max_positions"], total["within_max_positions"]) == (None, None)
    config.write_text(json.dumps({**fields, "vocab_size": 100, "max_position_embeddings": 4096}))
    assert main(["simulate", "-w", f"{config}:context=4096", "-a", "tpu-like", "-f", "json", "-o", str(out)]) == 0
    total = json.loads(out.read_text())["total"]
    assert (total["positions"], total["max_positions"], total["within_max_positions"]) == (4097, 4096, False)


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
    assert {r["within_max_positions"] for r in rows} == {"True"}  # Llama-3.2-1B has 131,072 positions
    image = tmp_path / "llm.png"
    assert main(["plot", "llm", str(table), "-o", str(image)]) == 0
    assert image.stat().st_size > 10_000
    assert main(["sweep", "-w", "resnet18", "--vary", "batch=1,2"]) == 2
