"""Streamed sweeps: CSV and Parquet equal the in-memory rows, memory stays flat, a killed sweep resumes."""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from toy import TOY_SPACE, toy_evaluator

from archsim.cli import main
from archsim.errors import InputError
from envs.evaluate import DesignMetrics, FunctionEvaluator
from envs.sweep import StreamedSweep, sweep_rows

IDENTITY = {"space": "toy", "knobs": {}, "workload": "none"}


def expected_rows() -> list[dict]:
    return sweep_rows(TOY_SPACE, toy_evaluator(), chunk=1000)


def as_text(rows: list[dict]) -> list[dict[str, str]]:
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


def test_csv_and_parquet_streams_hold_every_design_in_order(tmp_path: Path) -> None:
    rows = expected_rows()
    assert len(rows) == TOY_SPACE.size and sum(not r["valid"] for r in rows) > 0
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"grid.{fmt}"
        sweep = StreamedSweep(TOY_SPACE, toy_evaluator(), out, fmt, IDENTITY, chunk=50)
        assert sweep.run() == TOY_SPACE.size
        assert not out.with_name(out.name + ".parts").exists()
        if fmt == "csv":
            with open(out) as f:
                assert list(csv.DictReader(f)) == as_text(rows)
        else:
            table = pq.read_table(out)
            assert table.num_rows == len(rows) and table.to_pylist() == rows


class Crashing(FunctionEvaluator):
    """The toy model, dying (as a killed process would) after ``chunks`` chunks."""

    def __init__(self, chunks: int) -> None:
        super().__init__(TOY_SPACE, toy_evaluator().fn)
        self.left = chunks

    def compute_many(self, points: list) -> list[DesignMetrics]:
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return super().compute_many(points)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_killed_sweep_leaves_no_output_and_resumes_where_it_stopped(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"grid.{fmt}"
    with pytest.raises(KeyboardInterrupt):
        StreamedSweep(TOY_SPACE, Crashing(3), out, fmt, IDENTITY, chunk=50).run()
    assert not out.exists(), "a partial sweep must not look complete"
    assert len(list(out.with_name(out.name + ".parts").glob(f"part-*.{fmt}"))) == 3
    resumed = StreamedSweep(TOY_SPACE, toy_evaluator(), out, fmt, IDENTITY, chunk=50)
    assert resumed.run() == TOY_SPACE.size - 150 and resumed.resumed == 150
    if fmt == "csv":
        with open(out) as f:
            assert list(csv.DictReader(f)) == as_text(expected_rows())
    else:
        assert pq.read_table(out).to_pylist() == expected_rows()


def test_parts_of_another_sweep_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    with pytest.raises(KeyboardInterrupt):
        StreamedSweep(TOY_SPACE, Crashing(1), out, "csv", IDENTITY, chunk=50).run()
    other = {**IDENTITY, "workload": "alexnet"}
    with pytest.raises(InputError, match="partial output of a different sweep") as info:
        StreamedSweep(TOY_SPACE, toy_evaluator(), out, "csv", other, chunk=50).run()
    assert "\n" not in str(info.value)


def peak_bytes(space_size_limit: int, tmp_path: Path) -> int:
    """Peak traced memory of a streamed sweep over the first ``space_size_limit`` rows of the toy space."""
    space = TOY_SPACE.restrict({"rows": (4, 8, 16, 32)[: space_size_limit // 108]}, name=f"toy{space_size_limit}")
    evaluator = FunctionEvaluator(space, toy_evaluator().fn)
    tracemalloc.start()
    StreamedSweep(space, evaluator, tmp_path / f"m{space_size_limit}.parquet", "parquet", IDENTITY, chunk=27).run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_stays_flat_as_the_grid_grows(tmp_path: Path) -> None:
    small, large = peak_bytes(108, tmp_path), peak_bytes(432, tmp_path)
    # Four times the designs, same chunk: the peak is that of one chunk, not of the grid.
    assert large < 1.5 * small


def test_sweep_command_streams_csv_and_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "--knob", "rows=8,32", "--knob", "dataflow=all", "-w", "alexnet", "--no-progress"]
    assert main([*argv, "-f", "parquet", "-o", str(tmp_path / "g.parquet")]) == 0
    assert main([*argv, "-o", str(tmp_path / "g.csv")]) == 0
    with open(tmp_path / "g.csv") as f:
        text_rows = list(csv.DictReader(f))
    table = pq.read_table(tmp_path / "g.parquet").to_pylist()
    assert len(text_rows) == len(table) == 6
    assert [float(r["edp_js"]) for r in text_rows] == [r["edp_js"] for r in table]
    assert main([*argv, "-f", "parquet"]) == 2
    assert capsys.readouterr().err.strip() == (
        "archsim sweep: error: --format parquet: give -o FILE (Parquet is not written to standard output)"
    )


def test_sweep_takes_the_workload_loading_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--precision`` quantises the swept workload as ``simulate``'s does; a resumed sweep must match it."""
    argv = ["sweep", "--space", "npu", "-w", "llama3.2-1b:phase=decode,context=256,layers=1,wbits=8", "--no-progress"]
    argv += ["--knob", "macs_per_cycle=128", "--knob", "sram_size_kb=512", "--knob", "clock_mhz=500"]
    assert main([*argv, "-o", str(tmp_path / "fp16.csv")]) == 0
    with open(tmp_path / "fp16.csv") as f:
        fp16 = list(csv.DictReader(f))
    assert fp16 and all(r["valid"] == "False" and "int8/int16 only" in r["error"] for r in fp16)
    assert main([*argv, "--precision", "int8", "-o", str(tmp_path / "int8.csv")]) == 0
    with open(tmp_path / "int8.csv") as f:
        int8 = list(csv.DictReader(f))
    assert len(int8) == len(fp16) and all(r["valid"] == "True" and float(r["latency_s"]) > 0 for r in int8)
    assert main(["sweep", "--vary", "context=128", "-w", "gpt2", "--precision", "int8"]) == 2
    assert "wbits=, abits=, kvbits=" in capsys.readouterr().err
