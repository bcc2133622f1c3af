"""The spec grammar, the config.json reader and their one-line errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from workloads.errors import InputError
from workloads.llm import MODELS, llm_spec_of, load_llm, parse_spec, read_hf_config
from workloads.registry import load_workload

# Llama-3.2-1B's published config.json (huggingface.co/meta-llama/Llama-3.2-1B), the keys that shape compute.
LLAMA_32_1B = {
    "architectures": ["LlamaForCausalLM"],
    "head_dim": 64,
    "hidden_act": "silu",
    "hidden_size": 2048,
    "intermediate_size": 8192,
    "max_position_embeddings": 131072,
    "model_type": "llama",
    "num_attention_heads": 32,
    "num_hidden_layers": 16,
    "num_key_value_heads": 8,
    "tie_word_embeddings": True,
    "vocab_size": 128256,
}

# Published parameter counts (model cards / the models' safetensors totals).
PUBLISHED_PARAMETERS = {
    "gpt2": 124_439_808,
    "llama2-7b": 6_738_415_616,
    "llama3-8b": 8_030_261_248,
    "mistral-7b": 7_241_732_096,
    "mixtral-8x7b": 46_702_792_704,
    "llama3.2-1b": 1_235_814_400,
    "qwen2.5-0.5b": 494_032_768,
}


@pytest.mark.parametrize(("model", "count"), sorted(PUBLISHED_PARAMETERS.items()))
def test_catalog_parameter_counts_match_the_published_ones(model: str, count: int) -> None:
    assert MODELS[model].parameters() == count


# Positions each model was built for: max_position_embeddings of its published config.json (n_positions for GPT-2).
POSITIONS = {"gpt2": 1024, "llama2-7b": 4096, "llama3-8b": 8192, "llama3.2-1b": 131072, "llama3.2-3b": 131072,
             "mistral-7b": 32768, "mixtral-8x7b": 32768, "phi3-mini": 4096, "qwen2.5-0.5b": 32768,
             "qwen2.5-1.5b": 131072}  # fmt: skip


def test_every_built_in_model_states_its_positions() -> None:
    assert {name: config.position_limit for name, config in MODELS.items()} == POSITIONS


def test_mixtral_active_parameters() -> None:
    assert MODELS["mixtral-8x7b"].active_parameters() == pytest.approx(12.9e9, rel=0.005)


def test_reader_gives_the_catalog_entry(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(LLAMA_32_1B))
    read = read_hf_config(tmp_path)
    assert dataclasses.replace(read, name="llama3.2-1b", source=MODELS["llama3.2-1b"].source) == MODELS["llama3.2-1b"]
    assert read_hf_config(tmp_path / "config.json").name == tmp_path.name


def test_spec_round_trip_and_registry() -> None:
    text = "llama3.2-1b:phase=decode,context=2048,batch=4,wbits=4"
    workload = load_workload(text)
    spec = llm_spec_of(workload)
    assert spec is not None and spec.run.context == 2048 and spec.run.wbits == 4
    assert parse_spec(workload.name) == spec
    family = load_workload("llm:layers=2,phase=request,tokens=16")
    assert llm_spec_of(family) is not None and llm_spec_of(load_workload("resnet18")) is None


def test_family_request_ignores_context() -> None:
    """Every combination of the ``llm`` family builds: a request decodes from its prompt, whatever ``context``."""
    request = llm_spec_of(load_workload("llm:layers=2,phase=request,prompt=128,context=256,tokens=16"))
    same = llm_spec_of(load_workload("llm:layers=2,phase=request,prompt=128,tokens=16"))
    assert request is not None and same is not None
    assert request.run == same.run and request.run.context == 0
    decode = llm_spec_of(load_workload("llm:layers=2,phase=decode,prompt=128,context=256"))
    assert decode is not None and decode.run.context == 256


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("llama3.2-1b:wbits=3", "wbits=3 is not allowed; allowed: 4, 8, 16"),
        ("llama3.2-1b:phase=train", "allowed: prefill, decode, request"),
        ("llama3.2-1b:ctx=5", "key one of phase, prompt"),
        ("llama3.2-1b:batch=two", "batch='two' must be an integer"),
        ("llama3.2-1b:batch=0", "batch=0 must be a positive integer"),
        ("llama3.2-1b:layers=99", "exceeds the model's 16 layers"),
        ("llama3.2-1b:phase=request,prompt=10,context=20", "a request's decode starts from its prompt"),
    ],
)
def test_bad_specs_name_the_key(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle.replace("(", r"\(").replace(")", r"\)")) as info:
        load_llm(text)
    assert "\n" not in str(info.value)


def test_reader_errors_name_file_and_key(tmp_path: Path) -> None:
    missing = tmp_path / "a.json"
    missing.write_text(json.dumps({k: v for k, v in LLAMA_32_1B.items() if k != "hidden_size"}))
    with pytest.raises(InputError, match=r"a\.json: missing key 'hidden_size'"):
        read_hf_config(missing)
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps(LLAMA_32_1B | {"num_key_value_heads": 5}))
    with pytest.raises(InputError, match=r"b\.json: .*heads=32 must be a multiple of kv_heads=5"):
        read_hf_config(bad)
    broken = tmp_path / "c.json"
    broken.write_text("{")
    with pytest.raises(InputError, match=r"c\.json: not valid JSON"):
        read_hf_config(broken)
    with pytest.raises(InputError, match=r"config\.json: no such file"):
        read_hf_config(tmp_path)
    typed = tmp_path / "d.json"
    typed.write_text(json.dumps(LLAMA_32_1B | {"vocab_size": "big"}))
    with pytest.raises(InputError, match=r"d\.json: key 'vocab_size' must be a non-negative integer"):
        load_workload(f"{typed}:phase=prefill")
