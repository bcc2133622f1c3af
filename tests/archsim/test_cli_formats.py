"""``-o FILE`` picks the output format from its suffix when ``--format`` is not given, and refuses a mismatch.

Before, ``archsim sweep --vary ... -o s.parquet`` wrote CSV text into ``s.parquet`` (and ignored
``--format parquet``), and ``archsim simulate -o r.json`` wrote the table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from archsim.cli import main

LLM = "llama3.2-1b:phase=decode,layers=1"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_simulate_json_from_the_suffix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert _run(capsys, "simulate", "-w", "alexnet", "-a", "systolic-32x32", "-o", str(out)) == (0, "")
    assert {"arch", "layers", "total"} <= set(json.loads(out.read_text()))
    table = tmp_path / "r.txt"  # a suffix that names no format: the command's default (the table)
    assert _run(capsys, "simulate", "-w", "alexnet", "-a", "systolic-32x32", "-o", str(table))[0] == 0
    assert "TOTAL" in table.read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "-w", "alexnet", "-o", "{d}/r.parquet"], "this command writes table or csv or json, not parquet"),
        (["simulate", "-w", "alexnet", "-f", "csv", "-o", "{d}/r.json"], "the suffix says json but --format is csv"),
        (["sweep", "-w", LLM, "--vary", "context=64", "-o", "{d}/s.json"], "writes csv or parquet, not json"),
        (["sweep", "-w", LLM, "--vary", "context=64", "-f", "parquet"], "give -o FILE"),
    ],
)
def test_mismatched_or_impossible_formats_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    code, err = _run(capsys, *(a.format(d=tmp_path) for a in argv))
    assert code == 2 and message in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_llm_vary_sweep_writes_parquet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    argv = ["sweep", "-w", LLM, "-a", "tpu-like", "--vary", "context=64,256", "--vary", "batch=1,2", "-o", str(out)]
    assert _run(capsys, *argv)[0] == 0
    table = pq.read_table(out)
    assert table.num_rows == 4 and table.column_names[:2] == ["context", "batch"]
    assert str(table.schema.field("context").type) == "int64" and str(table.schema.field("tpot_s").type) == "double"
    csv_out = tmp_path / "s.csv"
    assert _run(capsys, *argv[:-1], str(csv_out))[0] == 0
    rows = csv_out.read_text().splitlines()
    assert len(rows) == 5 and rows[0].startswith("context,batch,")
    assert [float(r.split(",")[3]) for r in rows[1:]] == pytest.approx(table.column("tpot_s").to_pylist(), rel=1e-12)
    images = {source: tmp_path / f"{source.suffix[1:]}.png" for source in (out, csv_out)}
    for source, image in images.items():  # plot llm reads either
        assert _run(capsys, "plot", "llm", str(source), "-o", str(image))[0] == 0
    assert images[out].read_bytes() == images[csv_out].read_bytes()


def test_design_sweep_writes_parquet_from_the_suffix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "grid.parquet"
    argv = ["sweep", "--knob", "rows=8,32", "--knob", "dataflow=all", "-w", "alexnet", "--no-progress", "-o", str(out)]
    assert _run(capsys, *argv)[0] == 0
    assert pq.read_table(out).num_rows == 6
