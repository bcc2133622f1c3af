"""Every row of shared/reference/scalesim/ref_layers.csv (SCALE-Sim 3.0.0 measurements).

Run with ``scalesim_quirks=True`` (SCALE-Sim's bookkeeping). Tolerances per column:
compute cycles, SRAM words, ifmap/filter DRAM words, mapping efficiency and compute
utilization exact; ofmap DRAM words within 1e-5; total cycles and overall
utilization within 0.1% on every row (the issue asks for 1%; the worst rows are
the spilling ``mobilenet Conv2`` ones, where SCALE-Sim's address-set SRAM hits
overlapping windows: 0.09%). The default model (no quirks) is checked against
the same rows for the direction of each documented difference, including the
DRAM channel bound SCALE-Sim lacks.
"""

from __future__ import annotations

import csv
import math
import statistics
from functools import cache

import pytest
from support.paths import SCALESIM_REFERENCE

from archsim.config.systolic import SystolicConfig
from archsim.metrics import LayerMetrics
from archsim.systolic import simulate_layer
from archsim.systolic.backend import SCALAR
from archsim.systolic.costs import hardware
from archsim.systolic.gemm import gemm_job
from archsim.systolic.model import gemm_cost
from workloads.ops import Op
from workloads.readers.scalesim_csv import read_scalesim_csv

REFERENCE = SCALESIM_REFERENCE
TOPOLOGIES = {
    "alexnet": "topologies/conv_nets/alexnet.csv",
    "resnet50": "topologies/mlperf/Resnet50.csv",
    "mobilenet": "topologies/conv_nets/mobilenet.csv",
    "vit_s": "topologies/GEMM_mnk/vit_s.csv",
}
EXACT_COLUMNS = {
    "ifmap_sram_reads": "ifmap_sram_reads",
    "filter_sram_reads": "filter_sram_reads",
    "ofmap_sram_writes": "ofmap_sram_writes",
    "dram_ifmap_reads": "ifmap_dram_reads",
    "dram_filter_reads": "filter_dram_reads",
}
OFMAP_DRAM_TOLERANCE = 1e-5
"""SCALE-Sim counts the empty tail of partial write lines in the middle of a drain (16 words in 3.9 M)."""
TOTAL_TOLERANCE = 0.001


def _rows() -> list[dict[str, str]]:
    with (REFERENCE / "ref_layers.csv").open() as handle:
        return list(csv.DictReader(handle))


@cache
def _ops(topology: str) -> dict[str, Op]:
    return {op.name: op for op in read_scalesim_csv(REFERENCE / "data" / TOPOLOGIES[topology]).ops}


def _config(row: dict[str, str], quirks: bool) -> SystolicConfig:
    bw = float(row["bandwidth"])
    return SystolicConfig(
        rows=int(row["array_rows"]),
        cols=int(row["array_cols"]),
        dataflow=row["dataflow"],
        ifmap_sram_kb=float(row["ifmap_sram_kb"]),
        filter_sram_kb=float(row["filter_sram_kb"]),
        ofmap_sram_kb=float(row["ofmap_sram_kb"]),
        ifmap_dram_bw=bw,
        filter_dram_bw=bw,
        ofmap_dram_bw=bw,
        scalesim_quirks=quirks,
    )


ROWS = _rows()
IDS = [f"{r['topology']}-{r['layer']}-{r['dataflow']}-{r['array_rows']}x{r['array_cols']}" for r in ROWS]


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_reference_row(row: dict[str, str]) -> None:
    ours = simulate_layer(_ops(row["topology"])[row["layer"]], _config(row, quirks=True))
    ref_total, ref_stall = int(row["total_cycles"]), int(row["stall_cycles"])
    assert ours.compute_cycles == ref_total - ref_stall
    for ref_column, our_column in EXACT_COLUMNS.items():
        assert getattr(ours, our_column) == int(row[ref_column]), our_column
    assert ours.ofmap_dram_writes == pytest.approx(int(row["dram_ofmap_writes"]), rel=OFMAP_DRAM_TOLERANCE)
    assert 100 * ours.mapping_efficiency == pytest.approx(float(row["mapping_eff_pct"]), rel=1e-9)
    assert 100 * ours.compute_util == pytest.approx(float(row["compute_util_pct"]), rel=1e-9)
    assert ours.total_cycles == pytest.approx(ref_total, rel=TOTAL_TOLERANCE)
    assert 100 * ours.overall_util == pytest.approx(float(row["overall_util_pct"]), rel=TOTAL_TOLERANCE)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_corrected_model_differs_only_where_documented(row: dict[str, str]) -> None:
    op = _ops(row["topology"])[row["layer"]]
    quirky = simulate_layer(op, _config(row, quirks=True))
    right = simulate_layer(op, _config(row, quirks=False))
    assert right.compute_cycles == quirky.compute_cycles
    bw = float(row["bandwidth"])
    channel_bound = max(
        math.ceil(words / bw) for words in (right.ifmap_dram_reads, right.filter_dram_reads, right.ofmap_dram_writes)
    )
    assert right.total_cycles >= channel_bound  # SCALE-Sim's rows often are not: up to 11x the bandwidth
    # Late prefetches counted once; where the buffers alone would finish early, the busiest channel sets the time.
    assert right.stall_cycles <= quirky.stall_cycles or right.total_cycles == channel_bound
    assert right.ifmap_dram_reads <= quirky.ifmap_dram_reads  # no padding entries, no line rounding
    assert right.filter_dram_reads <= quirky.filter_dram_reads
    assert right.ofmap_sram_writes <= quirky.ofmap_sram_writes  # no duplicated os writes
    assert right.compute_util >= quirky.compute_util * (1 - 1e-12)  # the real fold length
    assert right.ifmap_sram_reads == quirky.ifmap_sram_reads


def _relative_errors(quirks: bool) -> dict[str, list[float]]:
    """Per column, ours vs SCALE-Sim's relative error over all reference rows (signed for total cycles)."""
    errors: dict[str, list[float]] = {"total": [], "stall": [], "overall_util": [], "ofmap_dram": []}
    for row in ROWS:
        ours = simulate_layer(_ops(row["topology"])[row["layer"]], _config(row, quirks=quirks))
        total, stall = int(row["total_cycles"]), int(row["stall_cycles"])
        errors["total"].append((ours.total_cycles - total) / total)
        errors["stall"].append(abs(ours.stall_cycles - stall) / stall if stall else float(ours.stall_cycles != 0))
        util = float(row["overall_util_pct"])
        errors["overall_util"].append(abs(100 * ours.overall_util - util) / util)
        writes = int(row["dram_ofmap_writes"])
        errors["ofmap_dram"].append(abs(ours.ofmap_dram_writes - writes) / writes)
    return errors


def test_compat_mode_errors_are_the_documented_maxima() -> None:
    """docs/systolic.md and README: total 0.086%, stall 0.42%, overall util 0.086%, ofmap DRAM 4e-6; medians 0."""
    errors = _relative_errors(quirks=True)
    assert round(100 * max(abs(e) for e in errors["total"]), 3) == 0.086
    assert round(100 * max(errors["stall"]), 2) == 0.42
    assert round(100 * max(errors["overall_util"]), 3) == 0.086
    assert round(max(errors["ofmap_dram"]), 6) == 4e-6
    for column in errors.values():
        assert sorted(abs(e) for e in column)[len(column) // 2] == 0


def test_default_model_differences_from_scalesim_are_the_documented_ones() -> None:
    """docs/systolic.md and README: the default model's total cycles vs SCALE-Sim's on the 68 rows.

    Longer on 55 rows (SCALE-Sim's layers move more DRAM words than bandwidth x its cycles), median
    +211%, at most +1092%; up to 41% shorter where SCALE-Sim counts a late prefetch's stall twice.
    """
    total = _relative_errors(quirks=False)["total"]
    assert len(total) == 68
    assert sum(e > 0.001 for e in total) == 55
    assert round(100 * sorted(total)[len(total) // 2]) == 211
    assert round(100 * max(total)) == 1092
    assert round(100 * min(total)) == -41


# docs/systolic.md's quirks table, worst rows and address-set effects, at the precision it states them.


@cache
def _runs() -> tuple[tuple[dict[str, str], LayerMetrics, LayerMetrics], ...]:
    """(reference row, compat-mode metrics, default-mode metrics) for every row."""
    return tuple(
        (row, simulate_layer(op, _config(row, quirks=True)), simulate_layer(op, _config(row, quirks=False)))
        for row in ROWS
        for op in [_ops(row["topology"])[row["layer"]]]
    )


def _label(row: dict[str, str]) -> str:
    return f"{row['topology']} {row['layer']} {row['dataflow']} {row['array_rows']}x{row['array_cols']}"


def _reduction(default: float, compat: float) -> float:
    return 1 - default / compat if compat else 0.0


def test_quirks_table_effects_of_the_default_model() -> None:
    runs = _runs()
    ofmap_sram = [_reduction(d.ofmap_sram_writes, q.ofmap_sram_writes) for _, q, d in runs]
    assert round(100 * max(ofmap_sram)) == 67  # "ofmap SRAM writes up to 67% lower"
    ifmap_dram = [_reduction(d.ifmap_dram_reads, q.ifmap_dram_reads) for _, q, d in runs]
    assert (round(100 * max(ifmap_dram)), round(100 * statistics.median(ifmap_dram), 1)) == (79, 6.8)
    filter_dram = [_reduction(d.filter_dram_reads, q.filter_dram_reads) for _, q, d in runs]
    worst = max(range(len(runs)), key=filter_dram.__getitem__)
    row, compat, default = runs[worst]
    assert round(100 * filter_dram[worst]) == 99  # "filter up to 99% (mobilenet Conv2 ws 128x128: 36,870 vs 288)"
    assert (_label(row), compat.filter_dram_reads, default.filter_dram_reads) == (
        "mobilenet Conv2 ws 128x128", 36_870, 288
    )  # fmt: skip
    util = [d.compute_util / q.compute_util - 1 for _, q, d in runs]
    assert (round(100 * max(util)), round(100 * statistics.median(util))) == (31, 1)
    # Overall util divides by total + 1 in the default model: at most 0.04% on the smallest row.
    assert max(1 / (q.total_cycles + 1) for _, q, _ in runs) < 0.0004


def test_doubled_late_prefetch_stall_rows() -> None:
    """ "the three spilling mobilenet Conv2 rows: stalls 42-45% lower, total cycles up to 41% lower"."""
    spilling = [
        (q, d) for row, q, d in _runs() if row["topology"] == "mobilenet" and row["layer"] == "Conv2" and q.stall_cycles
    ]
    assert len(spilling) == 3
    stalls = sorted(round(100 * _reduction(d.stall_cycles, q.stall_cycles)) for q, d in spilling)
    assert (stalls[0], stalls[-1]) == (42, 45)
    assert round(100 * max(_reduction(d.total_cycles, q.total_cycles) for q, d in spilling)) == 41


def test_compat_fidelity_worst_rows() -> None:
    runs = _runs()
    total = max(runs, key=lambda r: abs(r[1].total_cycles / int(r[0]["total_cycles"]) - 1))
    assert (_label(total[0]), total[1].total_cycles, int(total[0]["total_cycles"])) == (
        "mobilenet Conv2 ws 128x128", 591_698, 592_207
    )  # fmt: skip
    stalled = [r for r in runs if int(r[0]["stall_cycles"])]
    stall = max(stalled, key=lambda r: abs(r[1].stall_cycles / int(r[0]["stall_cycles"]) - 1))
    assert (_label(stall[0]), stall[1].stall_cycles, int(stall[0]["stall_cycles"])) == (
        "vit_s L3 ws 32x32",
        7_892,
        7_925,
    )
    writes = max(runs, key=lambda r: abs(r[1].ofmap_dram_writes - int(r[0]["dram_ofmap_writes"])))
    assert (_label(writes[0]), int(writes[0]["dram_ofmap_writes"]) - writes[1].ofmap_dram_writes) == (
        "resnet50 Conv1 is 32x32", 16
    )  # fmt: skip
    util = max(abs(100 * q.compute_util / float(row["compute_util_pct"]) - 1) for row, q, _ in runs)
    assert 0 < util < 1e-14  # "9e-15"


def test_address_set_first_miss_on_the_spilling_ws_rows() -> None:
    """Address-set vs position-based misses in compat mode: 3.9% / 1.2% fewer cycles; position-based
    misses were 4.09% / 1.1% above SCALE-Sim's totals (32x32 / 128x128)."""
    figures = {}
    for row, compat, _ in _runs():
        if (row["topology"], row["layer"], row["dataflow"]) != ("mobilenet", "Conv2", "ws"):
            continue
        op, config = _ops("mobilenet")["Conv2"], _config(row, quirks=True)
        by_position = gemm_cost(SCALAR, gemm_job(op), hardware(config), config.dataflow, None, True, None).total_cycles
        reference = int(row["total_cycles"])
        figures[row["array_rows"]] = (
            round(100 * _reduction(compat.total_cycles, by_position), 1),
            round(100 * (by_position / reference - 1), 2),
        )
    assert figures == {"32": (3.9, 4.09), "128": (1.2, 1.14)}
