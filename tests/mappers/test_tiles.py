"""Tiles as units of residency: the rewritten workload keeps the work and lets the mapper keep bands on chip."""

from __future__ import annotations

import dataclasses

import pytest

from mappers.checker import check
from mappers.mapper import map_workload
from mappers.problem import MappingProblem
from mappers.tiles import best_tiling, tiled_workload
from workloads.builder import GraphBuilder
from workloads.errors import InputError
from workloads.graph import Workload
from workloads.registry import load_workload


def chain(size: int = 16, channels: int = 8) -> Workload:
    b = GraphBuilder("chain")
    x = b.input((1, channels, size, size))
    x = b.conv(x, channels, 3, padding=1, name="c0")
    x = b.conv(x, channels, 3, padding=1, name="c1")
    y = b.conv(x, channels, 3, padding=1, name="c2")
    x = b.add(x, y, name="add")
    b.linear(b.global_avgpool(x, name="gap"), 4, name="fc")
    return b.build()


@pytest.mark.parametrize("tiles", [1, 2, 4])
def test_tiling_keeps_macs_and_compulsory_bytes(tiles: int) -> None:
    workload = chain()
    tiled = tiled_workload(workload, tiles)
    assert sum(op.macs for op in tiled.ops) == sum(op.macs for op in workload.ops)
    whole = MappingProblem(workload, 10**9)
    cut = MappingProblem(tiled, 10**9)
    assert cut.compulsory_bytes == whole.compulsory_bytes
    assert len(tiled.nodes) == (len(workload.nodes) if tiles == 1 else 4 * tiles + 2)


def test_band_reads_only_the_bands_its_halo_reaches() -> None:
    tiled = tiled_workload(chain(), 4)
    band = next(n for n in tiled.nodes if n.name == "c1#1")
    assert [t for t in band.inputs if t.startswith("c0")] == ["c0:out#0", "c0:out#1", "c0:out#2"]


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.75])
def test_tiled_mappings_pass_the_checker_and_best_tiling_takes_the_better(fraction: float) -> None:
    workload = chain()
    scratchpad = int(MappingProblem(workload, 10**9).peak_working_set * fraction)
    whole = map_workload(workload, scratchpad, time_limit=20)
    tiled_wl = tiled_workload(workload, 4)
    tiled = map_workload(tiled_wl, scratchpad, time_limit=20)
    assert whole.status == tiled.status == "optimal"
    assert check(tiled_wl, scratchpad, tiled.to_payload()).ok
    tiles, best = best_tiling(workload, scratchpad, (1, 4), time_limit=40)
    assert best.noncompulsory_bytes == min(whole.noncompulsory_bytes, tiled.noncompulsory_bytes)
    assert tiles == (4 if tiled.noncompulsory_bytes < whole.noncompulsory_bytes else 1)


def test_tiles_save_bytes_on_a_tight_scratchpad() -> None:
    workload = chain()
    scratchpad = int(MappingProblem(workload, 10**9).peak_working_set * 0.5)
    whole = map_workload(workload, scratchpad, time_limit=20)
    tiled = map_workload(tiled_workload(workload, 4), scratchpad, time_limit=20)
    assert whole.noncompulsory_bytes > 0
    assert tiled.noncompulsory_bytes < whole.noncompulsory_bytes


def test_map_cli_tiles(tmp_path, capsys) -> None:
    import json

    from archsim.cli import main

    out = tmp_path / "m.json"
    assert (
        main(["map", "-w", "resnet18", "--scratchpad-kb", "490", "--tiles", "4", "--format", "json", "-o", str(out)])
        == 0
    )
    data = json.loads(out.read_text())
    assert data["tiles"] == 4 and data["noncompulsory_bytes"] == 0
    assert main(["map", "-w", "resnet18", "--scratchpad-kb", "490", "--tiles", "0"]) == 2
    assert "--tiles" in capsys.readouterr().err


def test_a_wait_between_ops_survives_the_bands() -> None:
    """The workload's ``after`` (a request's decode after its prefill) joins the last band of the first op to
    the first band of the second, so a banded mapping keeps the order."""
    b = GraphBuilder("two")
    x = b.input((1, 64, 32))
    y = b.input((1, 64, 32), name="y")
    b.linear(x, 32, name="fc1")
    b.linear(y, 32, name="fc2")
    workload = dataclasses.replace(b.build(), after=(("fc1", "fc2"),))
    banded = tiled_workload(workload, 4)
    assert banded.after == (("fc1#3", "fc2#0"),)
    problem = MappingProblem(banded, 1 << 20)
    names = [op.name for op in problem.ops]
    assert names.index("fc1#3") in problem.predecessors[names.index("fc2#0")]


def test_an_llm_is_banded_by_tokens_graph_inputs_included() -> None:
    """An LLM's ``(tokens, hidden)`` activations and its ``(tokens, rotary)`` table have a row per token: the
    rotary op's bands each read their own quarter of the table."""
    banded = tiled_workload(load_workload("llama3.2-1b:phase=prefill,prompt=64,layers=1"), 4)
    rope = [node for node in banded.nodes if node.name.startswith("prefill.L0.rope#")]
    assert [node.inputs for node in rope] == [
        (f"prefill.L0.qkv:out#{k}", f"prefill.L0.rope_table#{k}") for k in range(4)
    ]
    assert {banded.tensor(f"prefill.L0.rope_table#{k}").shape for k in range(4)} == {(16, 64)}


def test_best_tiling_skips_band_counts_whose_ops_outgrow_the_scratchpad() -> None:
    """EfficientNet-B0's depthwise bands need a 65,856-byte window where the whole layer streams in 64 KiB."""
    workload = load_workload("efficientnet_b0")
    tiles, best = best_tiling(workload, 64 * 1024, time_limit=6)
    assert tiles == 1 and best.status == "optimal"
    skipped = best.solver["skipped_tilings"]
    assert set(skipped) == {"2", "4"} and all("needs at least 65856 bytes" in why for why in skipped.values())


def test_best_tiling_raises_when_no_band_count_fits_and_honours_the_solver() -> None:
    with pytest.raises(InputError, match="needs at least"):
        best_tiling(load_workload("gpt2_decode"), 64 * 1024, time_limit=3)
    _, best = best_tiling(chain(), int(MappingProblem(chain(), 10**9).peak_working_set * 0.5), (1, 2), 8, "cbc")
    assert best.solver["solver"] == "cbc"
