"""docs/cosearch.md's joint-vs-sequential table, recomputed: every final design's latency, energy and spec verdicts.

The designs are read from the table itself (``benchmarks/bench_cosearch_families.py`` found them), evaluated on
their co-search space with the hardware model, and checked against the medians, the "meets specs" counts and the
"(breaks ...)" notes printed. The accuracies come from proxy training and stay the benchmark's: the network's
accuracy does not enter latency, energy or any of these specs.
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


def table_rows() -> list[list[str]]:
    """The table's rows (cells) of the joint-vs-sequential comparison."""
    text = (REPO / "docs" / "cosearch.md").read_text()
    rows = [line.strip("|").split(" | ") for line in text.splitlines() if line.startswith("| cosearch-")]
    return [[cell.strip() for cell in row] for row in rows if row[2].strip() in ("sequential", "joint")]


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
    else:  # "64x16 ws bw32 x1"
        rows, cols = words[0].split("x")
        design |= {
            "rows": int(rows),
            "cols": int(cols),
            "dataflow": words[1],
            "dram_bw": int(words[2].removeprefix("bw")),
            "int4_macs_per_pe": int(words[3].removeprefix("x")),
        }
    return design, broken.group(1) if broken else ""


ROWS = table_rows()


def test_the_table_has_both_flows_of_every_family() -> None:
    assert sorted((row[0], row[2]) for row in ROWS) == sorted(
        (space, flow)
        for space in ("cosearch-npu", "cosearch-fpga", "cosearch-systolic-int4")
        for flow in ("sequential", "joint")
    )


@pytest.mark.parametrize("row", ROWS, ids=[f"{row[0]}-{row[2]}" for row in ROWS])
def test_documented_designs_cost_and_verdicts(row: list[str]) -> None:
    space_name, specs, _, meets, _, latency_ms, energy_mj, designs = row
    space = get_cosearch_space(space_name)
    evaluator = CoSearchEvaluator(space, CachedEvaluator(FunctionEvaluator(lambda _: 0.9, "constant"), MemoryStore()))
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
