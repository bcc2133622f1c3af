"""ZigZag 3.9.1's own mapping of every reference layer, costed by archsim: energy and latency within 2%."""

from __future__ import annotations

import math

import pytest
from support.zigzag_reference import hardware, layer_of_row, mapping_of_row

from archsim.loopnest.cost import evaluate


def test_every_reference_row_within_two_percent(reference_rows: list[dict[str, str]]) -> None:
    assert len(reference_rows) == 221  # every layer row of the file, not a sample
    worst_energy = worst_latency = 0.0
    for row in reference_rows:
        cost = evaluate(layer_of_row(row), hardware(row["accelerator"]), mapping_of_row(row))
        e = cost.energy_pj / float(row["energy_pJ"]) - 1
        lat = cost.latency_cycles / float(row["latency_cycles"]) - 1
        assert abs(e) <= 0.02 and abs(lat) <= 0.02, (row["run_id"], row["layer_name"], e, lat)
        worst_energy, worst_latency = max(worst_energy, abs(e)), max(worst_latency, abs(lat))
    # measured: every row matches to float rounding (docs/loopnest.md)
    assert worst_energy < 1e-9 and worst_latency < 1e-9


def test_breakdowns_match_zigzag(reference_rows: list[dict[str, str]]) -> None:
    for row in reference_rows[:40]:
        cost = evaluate(layer_of_row(row), hardware(row["accelerator"]), mapping_of_row(row))
        assert cost.mac_energy_pj == pytest.approx(float(row["mac_energy_pJ"]), rel=1e-9)
        assert cost.stall_cycles == pytest.approx(float(row["stall_slack_cycles"]), abs=1e-6)
        assert cost.onload_cycles == pytest.approx(float(row["onload_cycles"]), abs=1e-6)
        assert cost.offload_cycles == pytest.approx(float(row["offload_cycles"]), abs=1e-6)
        assert cost.drain_cycles == int(row["systolic_drain_cycles"])
        assert cost.ideal_cycles == int(row["ideal_cycles"])
        assert cost.spatial_utilization == pytest.approx(float(row["spatial_utilization"]), rel=1e-9)


def test_word_accesses_match_zigzag(reference_rows: list[dict[str, str]]) -> None:
    names = {"rdU": "th", "wrD": "fh", "rdD": "tl", "wrU": "fl"}
    for row in reference_rows[::7]:
        cost = evaluate(layer_of_row(row), hardware(row["accelerator"]), mapping_of_row(row))
        for block in row["mem_word_accesses"].split(" ; "):
            op, _, body = block.partition(": ")
            levels = {lv.memory: lv.accesses for op_key, lvs in cost.levels.items() if op_key.value == op for lv in lvs}
            for item in body.split(") "):
                mem, _, counts = item.rstrip(")").partition("(")
                for pair in counts.split(","):
                    key, _, value = pair.partition("=")
                    got = {d.value: n for d, n in levels[mem].items()}[names[key]]
                    assert got == int(value), (row["run_id"], row["layer_name"], op, mem, key)


def test_upstream_tpu_like_resnet18_total(reference_rows: list[dict[str, str]]) -> None:
    rows = [r for r in reference_rows if r["run_id"] == "net_resnet18onnx_tpu_like_lat_lpf6"]
    assert len(rows) == 21
    total = math.fsum(evaluate(layer_of_row(r), hardware("tpu_like"), mapping_of_row(r)).energy_pj for r in rows)
    assert total == pytest.approx(1_871_436_380.66, rel=1e-9)
