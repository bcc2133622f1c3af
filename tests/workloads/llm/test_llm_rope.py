"""Rotary embeddings (``rope``) and GPT-2's learned position add (``pos_add``) as ops of the LLM graphs.

RoFormer (Su et al. 2021, eq. 34) rotates each pair of a head's first ``rotary_dim``
dimensions: ``(x1 cos - x2 sin, x2 cos + x1 sin)``, 6 operations per pair, 3 per element.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mappers.multicore  # noqa: F401  (registers the multi-core system family)
from archsim.config.loader import load_arch
from archsim.simulate import simulate
from workloads.errors import InputError
from workloads.graph import Workload
from workloads.llm import MODELS, load_llm, read_hf_config
from workloads.ops import VectorFn, VectorOp

ROTARY = sorted(name for name, c in MODELS.items() if not c.position_embeddings)


def _ops(workload: Workload, suffix: str) -> list[VectorOp]:
    return [n.op for n in workload if n.name.endswith(suffix) and isinstance(n.op, VectorOp)]


@pytest.mark.parametrize("model", ROTARY)
def test_every_layer_of_a_rotary_model_has_one_rope(model: str) -> None:
    workload = load_llm(f"{model}:phase=request,prompt=8,tokens=3,layers=2")
    names = [n.name for n in workload if n.name.endswith(".rope")]
    assert names == ["prefill.L0.rope", "prefill.L1.rope", "decode.L0.rope", "decode.L1.rope"]
    assert not _ops(workload, ".pos_add")
    order = [n.name.rsplit(".", 1)[1] for n in workload if n.name.startswith("decode.L0.")]
    assert order[:4] == ["norm1", "qkv", "rope", "scores"]


def test_gpt2_adds_its_learned_positions_once_per_token_and_has_no_rope() -> None:
    workload = load_llm("gpt2:phase=request,prompt=10,batch=3,tokens=2,layers=2")
    assert not _ops(workload, ".rope")
    prefill, decode = _ops(workload, "prefill.pos_add") + _ops(workload, "decode.pos_add")
    assert (prefill.fn, prefill.output_elements, prefill.input_elements) == (VectorFn.ADD, 30 * 768, 2 * 30 * 768)
    assert (decode.output_elements, decode.input_elements, decode.vector_ops) == (3 * 768, 2 * 3 * 768, 3 * 768)
    assert [n.name for n in workload][:2] == ["prefill.pos_add", "prefill.L0.norm1"]


def test_rope_elements_prefill_decode_and_grouped_query_heads() -> None:
    # Llama-3-8B: 32 query heads, 8 key/value heads, head_dim 128, all of it rotated.
    (prefill,) = _ops(load_llm("llama3-8b:phase=prefill,prompt=16,batch=2,layers=1"), ".rope")
    rotated = 2 * 16 * (32 + 8) * 128
    assert (prefill.output_elements, prefill.input_elements) == (rotated, rotated + 2 * 16 * 128)
    assert prefill.vector_ops == 3 * rotated
    (decode,) = _ops(load_llm("llama3-8b:phase=decode,context=4096,batch=5,layers=1"), ".rope")
    rotated = 5 * (32 + 8) * 128  # one new token per sequence, whatever the context
    assert (decode.output_elements, decode.input_elements, decode.vector_ops) == (
        rotated,
        rotated + 5 * 128,
        3 * rotated,
    )
    # Multi-head Llama-2-7B rotates as many key heads as query heads.
    (mha,) = _ops(load_llm("llama2-7b:phase=decode,batch=5,layers=1"), ".rope")
    assert mha.output_elements == 5 * (32 + 32) * 128


def test_table_bytes_at_the_activation_precision_and_no_parameters() -> None:
    fp16 = load_llm("qwen2.5-0.5b:phase=decode,batch=4,layers=1")
    assert fp16.tensor_bytes("decode.L0.rope_table") == 4 * 64 * 2
    assert fp16.tensor_bytes("decode.L0.rope:out") == 4 * (14 + 2) * 64 * 2
    int8 = load_llm("qwen2.5-0.5b:phase=decode,batch=4,layers=1,abits=8")
    assert int8.tensor_bytes("decode.L0.rope_table") == 4 * 64
    assert MODELS["qwen2.5-0.5b"].parameters() == 494_032_768


def test_matmul_counts_do_not_move() -> None:
    workload = load_llm("llama3.2-1b:phase=prefill,prompt=32,layers=1")
    assert sum(n.op.macs for n in workload if n.name.endswith(".rope")) == 0


def _config(tmp_path: Path, **extra: object) -> Path:
    data = {
        "model_type": "phi3",
        "hidden_size": 3072,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "num_hidden_layers": 2,
        "intermediate_size": 8192,
        "vocab_size": 200064,
        **extra,
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    return path


def test_partial_rotary_factor_rotates_that_fraction_of_head_dim(tmp_path: Path) -> None:
    path = _config(tmp_path, partial_rotary_factor=0.75)  # Phi-4-mini's value, head_dim 96
    assert read_hf_config(path).rotary_dim == 72
    (rope,) = _ops(load_llm(f"{path}:phase=decode,batch=2,layers=1"), ".rope")
    assert (rope.output_elements, rope.input_elements) == (2 * (32 + 8) * 72, 2 * (32 + 8) * 72 + 2 * 72)
    assert read_hf_config(_config(tmp_path)).rotary_dim == 96


@pytest.mark.parametrize("value", [0, 1.5, -0.5, "half", True])
def test_bad_partial_rotary_factor_names_file_and_key(tmp_path: Path, value: object) -> None:
    path = _config(tmp_path, partial_rotary_factor=value)
    with pytest.raises(InputError, match=r"config\.json: key 'partial_rotary_factor' must be a number in \(0, 1\]"):
        read_hf_config(path)


def test_a_factor_leaving_an_odd_rotary_dim_is_refused(tmp_path: Path) -> None:
    path = _config(tmp_path, partial_rotary_factor=0.01)  # int(96 * 0.01) = 0 dimensions
    with pytest.raises(InputError, match=r"config\.json: .*partial_rotary_factor=0\.01 rotates 0 of head_dim=96"):
        read_hf_config(path)


# Llama-3.2-1B decode, batch 2, int8 activations: 2 x (32 + 8) x 64 rotated elements, 2 x 64 table elements.
ROTATED, TABLE = 5120, 128


@pytest.mark.parametrize(
    "arch",
    ["a100-like", "a100-manycore", "fpga-zcu102-int8", "ethos-u85-256", "loopnest-tpu-like", "system-quad-systolic"],
)
def test_every_family_prices_the_rope(arch: str) -> None:
    metrics = simulate(
        load_llm("llama3.2-1b:phase=decode,context=256,batch=2,layers=1,abits=8,wbits=8"), load_arch(arch)
    )
    (row,) = [r for r in metrics.layers if r.layer == "decode.L0.rope"]
    assert row.total_cycles > 0
    if arch in ("a100-like", "a100-manycore", "fpga-zcu102-int8"):  # op counts: Q/K rotated elements + table in
        assert (row.ifmap_dram_reads, row.ofmap_dram_writes) == (ROTATED + TABLE, ROTATED)
    if arch == "ethos-u85-256":  # sized from the graph's input tensor: all of qkv (docs/llm.md says so), which
        # the U85 cache plan leaves in DRAM: a map read only by an add/mul not chained onto its producer (docs/npu.md)
        reads = (row.ifmap_sram_reads, row.ifmap_dram_reads, row.ofmap_sram_writes)
        assert reads == (0, 2 * (2048 + 2 * 512) + TABLE, ROTATED)
    if arch == "loopnest-tpu-like":
        assert row.extras["vector_ops"] == 3 * ROTATED
