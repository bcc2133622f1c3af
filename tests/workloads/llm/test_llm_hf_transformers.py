"""Every supported ``model_type`` against transformers itself: parameters and prefill MACs.

For each type a tiny ``config.json`` is written here (nothing is downloaded), read by
our reader, and built by ``transformers.AutoModelForCausalLM.from_config`` (CPU,
float32, eager attention and eager experts, so every product is an ``mm``/``bmm``
that torch's ``FlopCounterMode`` sees). Keys a type defaults (``tie_word_embeddings``,
biases, ``rotary_pct``, ...) are left out where the default is what is under test.

(a) ``LlmConfig.parameters()`` equals ``sum(p.numel() for p in model.parameters())``
(torch yields a tied embedding/LM-head weight once).

(b) The prefill Workload's MACs equal the forward pass's FLOPs / 2 (``logits_to_keep=1``:
the LM head on the last position, as our prefill), and so do one decode step's over a KV
cache that transformers filled with a previous pass (batch 2: the step's 4 token-expert
pairs cover the 4 experts, one row each, as our routing). Nothing is excluded when the prompt
fits every sliding window. With a longer prompt, eager attention still multiplies
the whole ``prompt x prompt`` square and masks it, while we count only the keys a
sliding layer attends (``min(prompt, window)``, our convention for Mistral-style
windows): the difference is asserted to be exactly those masked products,
``2 x batch x heads x head_dim x prompt x (prompt - window)`` per sliding layer
(scores and context). Rotary cos/sin, norms, softmax, soft-caps and activations
have no matmul in either count. Mixture-of-experts MACs are exact whatever the
router picks because the prompt's ``tokens x top_k`` pairs divide evenly over the
experts (our balanced routing then runs the same rows in all).

The same tiny configs also check, without transformers, that the fp16 weight footprint is
two bytes per parameter and that the new block structures run on every kind of family.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workloads.llm import load_llm, parse_spec, read_hf_config
from workloads.llm.footprint import weight_bytes

BASE = {
    "hidden_size": 64,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "intermediate_size": 96,
    "vocab_size": 128,
    "bos_token_id": 0,
    "eos_token_id": 0,
    "pad_token_id": 0,
}
"""Shared tiny shapes (token ids inside the vocabulary)."""

MOE = {"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32}

CONFIGS: dict[str, dict[str, Any]] = {
    "llama": BASE | {"head_dim": 24, "attention_bias": True, "mlp_bias": True},
    "mistral": BASE | {"sliding_window": 8},
    "mixtral": BASE | {"num_local_experts": 4, "num_experts_per_tok": 2, "sliding_window": None},
    "qwen2": BASE | {"use_sliding_window": True, "sliding_window": 8, "max_window_layers": 2},
    "qwen3": BASE | {"head_dim": 24, "attention_bias": True},
    "qwen2_moe": BASE | MOE | {"shared_expert_intermediate_size": 48, "decoder_sparse_step": 2, "mlp_only_layers": [3]},
    "qwen3_moe": BASE | MOE | {"head_dim": 24, "mlp_only_layers": [0]},
    "phi3": BASE | {"sliding_window": 8, "partial_rotary_factor": 0.5},
    "gemma": BASE | {"head_dim": 24},
    "gemma2": BASE | {"head_dim": 24, "sliding_window": 8},
    "gemma3_text": BASE | {"head_dim": 24, "sliding_window": 8, "sliding_window_pattern": 2},
    "gpt2": {"n_embd": 64, "n_layer": 4, "n_head": 4, "vocab_size": 128, "n_positions": 32},
    "gpt_neox": BASE | {"num_key_value_heads": None, "rotary_pct": 0.5},
    "phi": BASE | {"partial_rotary_factor": 0.5},
    "starcoder2": BASE | {"sliding_window": 8},
}
"""model_type -> its tiny config (``None`` values are left out)."""

BATCH, SHORT, LONG = 2, 6, 12
"""Prompts: SHORT fits every window (8), LONG does not."""


def _write(tmp_path: Path, model_type: str) -> tuple[Path, dict[str, Any]]:
    data = {k: v for k, v in CONFIGS[model_type].items() if v is not None or k == "sliding_window"}
    folder = tmp_path / model_type
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": model_type, **data}))
    return folder, data


def _transformers_model(model_type: str, data: dict[str, Any]) -> Any:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(0)
    config = AutoConfig.for_model(model_type, **data)
    extra = {"experts_implementation": "eager"} if "moe" in model_type or model_type == "mixtral" else {}
    return AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32, **extra).eval()


def _torch_macs(model: Any, prompt: int, cached: int = 0) -> int:
    """MACs of one forward pass over ``prompt`` new tokens per sequence, after ``cached`` tokens in the KV cache."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    generator = torch.Generator().manual_seed(1)
    past = None
    with torch.no_grad():
        if cached:
            ids = torch.randint(0, BASE["vocab_size"], (BATCH, cached), generator=generator)
            past = model(input_ids=ids, use_cache=True).past_key_values
        ids = torch.randint(0, BASE["vocab_size"], (BATCH, prompt), generator=generator)
        with FlopCounterMode(display=False) as counter:
            model(input_ids=ids, cache=past, logits_to_keep=1, use_cache=bool(cached))
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


@pytest.mark.parametrize("model_type", sorted(CONFIGS))
def test_parameters_and_prefill_macs_equal_transformers(tmp_path: Path, model_type: str) -> None:
    folder, data = _write(tmp_path, model_type)
    ours = read_hf_config(folder)
    model = _transformers_model(model_type, data)
    assert ours.parameters() == sum(p.numel() for p in model.parameters())

    short = load_llm(f"{folder}:phase=prefill,prompt={SHORT},batch={BATCH}").total_macs
    assert short == _torch_macs(model, SHORT)

    long = load_llm(f"{folder}:phase=prefill,prompt={LONG},batch={BATCH}").total_macs
    masked = sum(
        2 * BATCH * ours.heads * ours.head_dim * LONG * (LONG - ours.window(i))
        for i in range(ours.layers)
        if ours.window(i) and ours.window(i) < LONG
    )
    assert long + masked == _torch_macs(model, LONG)

    # one decode step over a cache of SHORT positions: SHORT + 1 keys, within every window
    decode = load_llm(f"{folder}:phase=decode,context={SHORT},batch={BATCH}").total_macs
    assert decode == _torch_macs(model, 1, cached=SHORT)


def test_the_tiny_configs_cover_what_differs(tmp_path: Path) -> None:
    """The configs above do exercise the structures they are meant to (not all read as defaults)."""
    read = {t: read_hf_config(_write(tmp_path, t)[0]) for t in CONFIGS}
    assert read["qwen2"].global_layers == (0, 1) and read["qwen2"].sliding_window == 8
    assert read["gemma2"].global_layers == (1, 3) and read["gemma3_text"].global_layers == (1, 3)
    assert read["qwen2_moe"].dense_layers == (0, 2, 3) and read["qwen2_moe"].shared_expert_ffn == 48
    assert read["qwen3_moe"].dense_layers == (0,) and read["qwen3_moe"].expert_width == 32
    assert read["gemma"].tied_embeddings and read["starcoder2"].tied_embeddings and not read["phi"].tied_embeddings
    assert read["gpt_neox"].parallel_residual and read["phi"].shared_norm and read["phi"].lm_head_bias
    assert read["gpt_neox"].rotary_dim == 8 and read["phi"].rotary_dim == 8 and read["phi3"].rotary_dim == 8
    assert read["gemma"].activation == "gelu" and read["mixtral"].sliding_window == 0


@pytest.mark.parametrize("model_type", sorted(CONFIGS))
def test_fp16_weight_footprint_is_two_bytes_a_parameter(tmp_path: Path, model_type: str) -> None:
    """Per-layer structures (dense/MoE layers, shared experts, biases, extra norms) reach the footprint."""
    folder, _ = _write(tmp_path, model_type)
    spec = parse_spec(f"{folder}:phase=decode,context=20,wbits=16")
    assert weight_bytes(spec) == 2 * spec.config.parameters()


@pytest.mark.parametrize("model_type", ["gemma2", "gemma3_text", "gpt_neox", "phi", "qwen2_moe"])
def test_new_block_structures_run_on_every_kind_of_family(tmp_path: Path, model_type: str) -> None:
    """The new ops (qk_norm, softcap, post norms, parallel_add, shared expert, embed_scale) are priced everywhere."""
    import mappers.multicore  # noqa: F401  (maps the multi-core system)
    from archsim.config.loader import load_arch
    from archsim.simulate import simulate
    from workloads.registry import load_workload

    folder, _ = _write(tmp_path, model_type)
    workload = load_workload(f"{folder}:phase=request,prompt=16,tokens=3,wbits=8,abits=8,kvbits=8")
    for arch in (
        "a100-like",
        "a100-manycore",
        "fpga-zcu102-int8",
        "ethos-u85-256",
        "loopnest-tpu-like",
        "system-quad-systolic",
    ):
        total = simulate(workload, load_arch(arch)).total()
        assert 0 < total["ttft_s"] < 1 and 0 < total["tpot_s"] < 1, arch
