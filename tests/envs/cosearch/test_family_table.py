"""docs/cosearch.md's joint-vs-sequential tables, recomputed: every final design's cost and spec verdicts.

The designs are read from the tables themselves (``benchmarks/bench_cosearch_families.py`` and
``benchmarks/bench_cosearch.py`` found them), evaluated on their co-search space with the hardware model, and
checked against the figures printed: per family, the medians, the "meets specs" counts and the "(breaks ...)"
notes; on ``cosearch-small``, each row's latency, energy, area, MACs and verdict. The accuracies come from proxy
training and stay the benchmarks': the network's accuracy does not enter the costs or any of these specs.
"""

from __future__ import annotations

import re
import statistics
from typing import Any

import pytest

from envs.accuracy import CachedEvaluator, FunctionEvaluator, MemoryStore
from envs.constraints import parse_constraints
from envs.cosearch import get_cosearch_space
from envs.cosearch.evaluate import CoSearchEvaluator
from tests.support.paths import REPO

NETWORK = re.compile(r"r(\d+) w([\d.]+) d(\d+) k(\d+) e(\d+) int(\d+)$")
DOC = (REPO / "docs" / "cosearch.md").read_text()


def table_rows(first_cell: str) -> list[list[str]]:
    """The cells of the doc's table rows that start with ``first_cell`` (a space name or a flow)."""
    rows = [line.strip("|").split(" | ") for line in DOC.splitlines() if line.startswith(f"| {first_cell}")]
    return [[cell.strip() for cell in row] for row in rows]


def constant_accuracy_evaluator(space_name: str) -> tuple[Any, CoSearchEvaluator]:
    """The space and an evaluator whose accuracy is a constant (no training: costs only)."""
    space = get_cosearch_space(space_name)
    return space, CoSearchEvaluator(space, CachedEvaluator(FunctionEvaluator(lambda _: 0.9, "constant"), MemoryStore()))


def design_of(space: str, text: str) -> tuple[dict[str, Any], str]:
    """A design's knobs from its table text, and the specs it breaks ("" when none)."""
    broken = re.search(r" \(breaks ([\w,]+)\)$", text)
    text = text[: broken.start()] if broken else text
    network_text, hardware_text = text.split(", ", 1)
    match = NETWORK.match(network_text)
    assert match, network_text
    r, w, d, k, e, bits = match.groups()
    design: dict[str, Any] = {
        "resolution": int(r),
        "width": float(w),
        "depth": int(d),
        "kernel": int(k),
        "expand": int(e),
        "bits": int(bits),
    }
    words = hardware_text.split()
    if space == "cosearch-npu":  # "64 MACs 512 KB 4 B/c 1000 MHz int4+int8"
        design |= {
            "macs_per_cycle": int(words[0]),
            "sram_size_kb": int(words[2]),
            "dram_bytes_per_cycle": int(words[4]),
            "clock_mhz": int(words[6]),
            "weight_precisions": words[8],
        }
    elif space == "cosearch-fpga":  # "zcu104 128x8 dsp"
        tm, tn = words[1].split("x")
        design |= {"board": words[0], "tm": int(tm), "tn": int(tn), "mac_impl": words[2]}
    else:  # "64x16 ws bw32 x1" (cosearch-systolic-int4) or "64x32 os bw8 sram 256/256/128 KB" (cosearch-small)
        rows, cols = words[0].split("x")
        design |= {"rows": int(rows), "cols": int(cols), "dataflow": words[1], "dram_bw": int(words[2][2:])}
        if words[3] == "sram":
            ifmap, filters, ofmap = (int(kb) for kb in words[4].split("/"))
            design |= {"ifmap_sram_kb": ifmap, "filter_sram_kb": filters, "ofmap_sram_kb": ofmap}
        else:
            design["int4_macs_per_pe"] = int(words[3].removeprefix("x"))
    return design, broken.group(1) if broken else ""


ROWS = [row for row in table_rows("cosearch-") if row[2] in ("sequential", "joint")]
SMALL_ROWS = table_rows("sequential |") + table_rows("joint |")


def test_the_table_has_both_flows_of_every_family() -> None:
    assert sorted((row[0], row[2]) for row in ROWS) == sorted(
        (space, flow)
        for space in ("cosearch-npu", "cosearch-fpga", "cosearch-systolic-int4")
        for flow in ("sequential", "joint")
    )


@pytest.mark.parametrize("row", ROWS, ids=[f"{row[0]}-{row[2]}" for row in ROWS])
def test_documented_designs_cost_and_verdicts(row: list[str]) -> None:
    space_name, specs, _, meets, _, latency_ms, energy_mj, designs = row
    space, evaluator = constant_accuracy_evaluator(space_name)
    bounds = parse_constraints(s.strip() for s in specs.split(","))
    latencies, energies, met = [], [], 0
    for text in designs.split(" / "):
        design, broken = design_of(space_name, text)
        metrics = evaluator.evaluate(space.encode(design))
        assert metrics.valid, (text, metrics)
        violated = ",".join(name for name, bound in bounds.items() if metrics.get(name) > bound)
        assert violated == broken, text
        met += not violated
        latencies.append(metrics.latency_s * 1e3)
        energies.append(metrics.energy_pj / 1e9)
    assert met == int(meets)
    assert f"{statistics.median(latencies):.2f}" == latency_ms
    assert f"{statistics.median(energies):.3f}" == energy_mj


def test_the_small_comparison_has_three_seeds_of_each_flow() -> None:
    assert sorted((row[0], row[1]) for row in SMALL_ROWS) == [
        (f, str(i)) for f in ("joint", "sequential") for i in range(3)
    ]


@pytest.mark.parametrize("row", SMALL_ROWS, ids=[f"{row[0]}-{row[1]}" for row in SMALL_ROWS])
def test_documented_small_comparison_rows(row: list[str]) -> None:
    _, _, _, latency_ms, energy_mj, area_mm2, mmacs, verdict, text = row
    space, evaluator = constant_accuracy_evaluator("cosearch-small")
    design, _ = design_of("cosearch-small", text)
    metrics = evaluator.evaluate(space.encode(design))
    bounds = {"latency_s": 2e-3, "area_mm2": 5.0}  # the benchmark's specs (docs/cosearch.md)
    violated = ",".join(name for name, bound in bounds.items() if metrics.get(name) > bound)
    assert (violated + " violated" if violated else "met") == verdict
    assert f"{metrics.latency_s * 1e3:.2f}" == latency_ms
    assert f"{metrics.energy_pj / 1e9:.2f}" == energy_mj
    assert f"{metrics.area_mm2:.2f}" == area_mm2
    assert f"{metrics.get('macs') / 1e6:.0f}" == mmacs
