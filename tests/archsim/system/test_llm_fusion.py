"""Fusion cuts an LLM's layers into token tiles on a multi-core system (docs/llm.md, systems).

An LLM's activations are ``(tokens, hidden)``: a norm, a weight matmul, a SiLU-and-multiply or a residual
add computes each token row on its own, so a stack of them runs in bands of tokens, as a CNN's stack runs
in bands of rows. Attention's activation x activation matmuls stay whole. The case: one GPT-2 layer (int8),
a 2,048-token prompt, batch 8, on ``system-quad-systolic`` with its cores' SRAM raised to 4/8/2 MiB
(ifmap/filter/ofmap), where a tile's rows and the stack's weights fit a core.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import archsim.presets
from archsim.config.loader import load_arch
from archsim.config.system import SystemConfig
from archsim.system.tiles import cut_layer, output_rows, row_tileable, tile_bounds
from mappers.multicore.flow import simulate_system
from workloads.llm.build import build_llm
from workloads.llm.spec import parse_spec

SPEC = "gpt2:phase=prefill,prompt=2048,batch=8,layers=1,wbits=8,abits=8,kvbits=8"


def _big_quad(tmp_path: Path) -> SystemConfig:
    preset = Path(archsim.presets.__file__).with_name("system-quad-systolic.toml").read_text()
    small = "ifmap_sram_kb = 256, filter_sram_kb = 256, ofmap_sram_kb = 128"
    assert preset.count(small) == 4
    path = tmp_path / "big-quad.toml"
    path.write_text(preset.replace(small, "ifmap_sram_kb = 4096, filter_sram_kb = 8192, ofmap_sram_kb = 2048"))
    config = load_arch(str(path))
    assert isinstance(config, SystemConfig)
    return config


def test_token_tiles_of_every_row_wise_llm_op_add_up_to_it() -> None:
    workload = build_llm(parse_spec("llama3.2-1b:phase=prefill,prompt=64,batch=3,layers=1"))
    tiled = [node for node in workload if row_tileable(workload, node)]
    assert {node.name.split(".")[-1] for node in tiled} >= {"norm1", "qkv", "rope", "o_proj", "gate_up", "down"}
    assert not any(node.name.endswith((".scores", ".context")) for node in tiled)
    for node in tiled:
        bands = tile_bounds(output_rows(workload, node) or 1, 40)
        pieces = [cut_layer(workload, node, end - start, f"{node.name}#{k}") for k, (start, end) in enumerate(bands)]
        assert sum(tile.op.macs for tile, _ in pieces) == node.op.macs, node.name
        assert sum(tensors[-1].numel for _, tensors in pieces) == workload.tensor(node.outputs[0]).numel


@pytest.mark.parametrize(
    ("fusion", "dram_gb", "fused"), [("none", 2.148, set()), ("auto", 1.909, {"norm1", "attn_add"})]
)
def test_fusion_keeps_an_llm_layers_intermediates_on_chip(
    tmp_path: Path, fusion: str, dram_gb: float, fused: set[str]
) -> None:
    workload = build_llm(parse_spec(SPEC))
    metrics = simulate_system(workload, _big_quad(tmp_path), fusion=fusion)  # the timeline is checked inside
    assert round(metrics.dram_bytes / 1e9, 3) == dram_gb
    stacks = {row.layer.split("#")[0] for row in metrics.layers if "#" in row.layer}
    assert {name.split("..")[0].split(".")[-1] for name in stacks} == fused
    assert sum(row.macs for row in metrics.layers) == workload.total_macs


def test_on_the_presets_small_buffers_the_search_keeps_the_layers_whole() -> None:
    """With 256/256/128 KiB per core a tile's rows and the stack's weights do not fit, so tiling a stack
    would re-read its weights every tile: the search finds nothing to fuse and matches layer by layer."""
    workload = build_llm(parse_spec(SPEC))
    metrics = simulate_system(workload, load_arch("system-quad-systolic"), fusion="auto")
    assert not any("#" in row.layer for row in metrics.layers)
    assert round(metrics.dram_bytes / 1e9, 3) == 2.148


def test_pipelined_token_tiles_spread_a_prefill_over_cores(tmp_path: Path) -> None:
    """A layer is a chain, so layer by layer it runs on one core; the pipeline scheduler splits each fused
    stack into segments on successive cores and pipelines its token tiles through them."""
    workload, system = build_llm(parse_spec(SPEC)), _big_quad(tmp_path)
    chain = simulate_system(workload, system, fusion="none")
    piped = simulate_system(workload, system, fusion="auto", scheduler="pipeline")
    assert chain.schedule["tasks_per_core"][1:] == [0, 0, 0]
    assert sum(n > 0 for n in piped.schedule["tasks_per_core"]) == 2
    assert (round(chain.latency_s * 1e3, 1), round(piped.latency_s * 1e3, 1)) == (307.5, 268.0)
