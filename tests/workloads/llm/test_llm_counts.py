"""LLM workloads against the standard per-token counts: MACs, weight bytes, KV-cache bytes.

Per generated token a decoder does one MAC per active weight (PaLM, Chowdhery et al.
2022, App. B) plus, per layer, ``heads * head_dim`` MACs for each attended key in
Q K^T and again in P V. Grouped-query attention shares K/V heads (the cache holds
``kv_heads``, not ``heads``); a mixture of experts runs ``top_k`` experts per token.
"""

from __future__ import annotations

import math

import pytest

from workloads.graph import TensorKind
from workloads.llm import MODELS, load_llm, parse_spec
from workloads.llm.footprint import kv_cache_bytes, weight_bytes
from workloads.llm.spec import LlmSpec


def _per_token_macs(spec: LlmSpec, keys: int) -> int:
    c = spec.config
    dense = c.layer_matmul_weights(active_experts=c.top_k) * spec.layers + c.vocab * c.hidden
    return dense + 2 * spec.layers * c.heads * c.head_dim * keys


@pytest.mark.parametrize("model", sorted(MODELS))
def test_decode_step_macs_are_active_weights_plus_attention(model: str) -> None:
    text = f"{model}:phase=decode,context=3000,batch=3,tokens=5"
    spec = parse_spec(text)
    keys = spec.config.attended(3000 + 3)  # the mean of steps attending 3001..3005 positions
    assert load_llm(text).total_macs == 3 * _per_token_macs(spec, keys)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_prefill_macs_per_prompt_token(model: str) -> None:
    text = f"{model}:phase=prefill,prompt=1024,batch=2"
    spec = parse_spec(text)
    c = spec.config
    layers = 2 * 1024 * c.layer_matmul_weights(active_experts=c.top_k) * c.layers
    attention = 2 * 2 * 1024 * c.attended(1024) * c.layers * c.heads * c.head_dim
    assert load_llm(text).total_macs == layers + attention + 2 * c.vocab * c.hidden


def test_sliding_window_caps_the_keys() -> None:
    short = load_llm("mistral-7b:phase=decode,context=4095").total_macs
    long = load_llm("mistral-7b:phase=decode,context=20000").total_macs
    assert short == long  # 4096 keys either way
    assert load_llm("llama3-8b:phase=decode,context=20000").total_macs > short


def _bytes_of(text: str, kind: TensorKind, suffix: str = "") -> int:
    workload = load_llm(text)
    return sum(workload.tensor_bytes(t.name) for t in workload.tensors if t.kind is kind and t.name.endswith(suffix))


def test_kv_cache_tensors_have_their_own_precision_and_grow_linearly() -> None:
    spec = parse_spec("llama3.2-1b:phase=decode,context=1023,batch=4,kvbits=16")
    c = spec.config
    sizes = []
    for context in (1023, 2047, 4095):
        text = f"llama3.2-1b:phase=decode,context={context},batch=4"
        cache = _bytes_of(text, TensorKind.INPUT, "_cache")
        assert cache == 2 * c.layers * 4 * c.kv_heads * (context + 1) * c.head_dim * 2  # GQA: 8 of 32 heads
        sizes.append(cache)
    assert sizes[2] - sizes[1] == 2 * (sizes[1] - sizes[0])
    int8 = _bytes_of("llama3.2-1b:phase=decode,context=1023,batch=4,kvbits=8,group=64", TensorKind.INPUT, "_cache")
    scales = _bytes_of("llama3.2-1b:phase=decode,context=1023,batch=4,kvbits=8,group=64", TensorKind.INPUT, ":scales")
    assert int8 == sizes[0] // 2
    assert scales == int8 // 64 * 2
    assert kv_cache_bytes(spec) == 2 * c.layers * 4 * c.kv_heads * 1024 * c.head_dim * 2


@pytest.mark.parametrize(("wbits", "group"), [(16, 128), (8, 0), (4, 32), (4, 128)])
def test_weight_bytes_include_group_scales(wbits: int, group: int) -> None:
    text = f"llama3-8b:phase=decode,context=128,wbits={wbits},group={group}"
    spec = parse_spec(text)
    c = spec.config
    matrices = c.layer_matmul_weights() * c.layers + c.vocab * c.hidden
    scales = 0 if wbits == 16 else (matrices // group if group else c.layers * _out_channels(spec) + c.vocab)
    weights = _bytes_of(text, TensorKind.WEIGHT, ":w")
    assert weights == matrices * wbits // 8
    assert _bytes_of(text, TensorKind.WEIGHT, ":scales") == 2 * scales
    resident = weight_bytes(spec)
    embeddings_and_norms = (c.parameters() - matrices) * 2
    assert resident == weights + 2 * scales + embeddings_and_norms


def _out_channels(spec: LlmSpec) -> int:
    """Output channels of one layer's matrices (one scale each when ``group`` is 0)."""
    c = spec.config
    return (c.q_width + 2 * c.kv_width) + c.hidden + 2 * c.ffn + c.hidden


def test_moe_runs_top_k_experts_per_token_and_keeps_all_resident() -> None:
    spec = parse_spec("mixtral-8x7b:phase=decode,context=511")
    c = spec.config
    workload = load_llm(spec.text)
    expert_ops = [op for op in workload.ops if "experts" in op.name]
    assert sum(op.macs for op in expert_ops) == c.layers * 2 * 3 * c.hidden * c.ffn
    assert weight_bytes(spec) > 2 * c.active_parameters() * 3  # the six idle experts stay in memory
    batch = load_llm("mixtral-8x7b:phase=decode,context=511,batch=16")
    gate_up = next(op for op in batch.ops if op.name.endswith("experts_gate_up"))
    assert gate_up.n == 8 * 2 * c.ffn and gate_up.m == math.ceil(16 * 2 / 8)


def test_request_is_prefill_plus_a_representative_step() -> None:
    request = load_llm("llama3.2-1b:phase=request,prompt=300,tokens=8")
    prefill = load_llm("llama3.2-1b:phase=prefill,prompt=300")
    step = load_llm("llama3.2-1b:phase=decode,context=300,tokens=7")
    assert request.total_macs == prefill.total_macs + step.total_macs
    assert {op.name.split(".")[0] for op in request.ops} == {"prefill", "decode"}
