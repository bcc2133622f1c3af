"""Read a Hugging Face ``config.json`` (a local file or a model folder) into an :class:`LlmConfig`.

Nothing is downloaded. The keys are those of ``transformers``' configuration
classes: ``LlamaConfig``, ``MistralConfig``, ``MixtralConfig``, ``Qwen2Config``,
``Phi3Config`` (``hidden_size``, ``num_hidden_layers``, ``num_attention_heads``,
``num_key_value_heads``, ``head_dim``, ``intermediate_size``, ``vocab_size``,
``sliding_window``, ``num_local_experts``, ``num_experts_per_tok``,
``tie_word_embeddings``, ``partial_rotary_factor``) and ``GPT2Config`` (``n_embd``, ``n_layer``, ``n_head``,
``n_inner``, ``n_positions``). Errors name the file and the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workloads.errors import InputError
from workloads.llm.config import LlmConfig

GPT2_TYPES = frozenset({"gpt2"})
"""``model_type`` values read with GPT-2's key names and block structure."""

QKV_BIAS_TYPES = frozenset({"qwen2"})
"""``model_type`` values whose Q/K/V projections carry biases (Qwen2's ``attention_bias`` is implicit)."""


def config_path(path: Path) -> Path:
    """The ``config.json`` of ``path`` (the file itself, or inside a model folder)."""
    candidate = path / "config.json" if path.is_dir() else path
    if not candidate.is_file():
        raise InputError(f"{candidate}: no such file (give a Hugging Face config.json or a folder holding one)")
    return candidate


def read_hf_config(path: Path | str, name: str | None = None) -> LlmConfig:
    """The :class:`LlmConfig` of a Hugging Face ``config.json`` file or model folder."""
    file = config_path(Path(path))
    try:
        data = json.loads(file.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{file}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{file}: expected a JSON object of configuration keys")
    label = name or (file.parent.name if file.name == "config.json" else file.stem)
    reader = _Keys(file, data)
    try:
        if str(data.get("model_type", "")).lower() in GPT2_TYPES:
            return _gpt2(reader, label)
        return _llama_like(reader, label)
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{file}: {exc}") from None


class _Keys:
    """Typed access to the keys of one config file, with errors naming the file and key."""

    def __init__(self, file: Path, data: dict[str, Any]) -> None:
        self.file = file
        self.data = data

    def integer(self, key: str, default: int | None = None) -> int:
        value = self.data.get(key)
        if value is None:
            if default is None:
                raise InputError(f"{self.file}: missing key {key!r} (a positive integer)")
            return default
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InputError(f"{self.file}: key {key!r} must be a non-negative integer, got {value!r}")
        return value

    def fraction(self, key: str, default: float) -> float:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise InputError(f"{self.file}: key {key!r} must be a number in (0, 1], got {value!r}")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise InputError(f"{self.file}: key {key!r} must be true or false, got {value!r}")
        return value


def _llama_like(keys: _Keys, name: str) -> LlmConfig:
    hidden = keys.integer("hidden_size")
    heads = keys.integer("num_attention_heads")
    if heads == 0:
        raise InputError(f"{keys.file}: key 'num_attention_heads' must be positive, got 0")
    experts = keys.integer("num_local_experts", keys.integer("num_experts", 1))
    window = keys.integer("sliding_window", 0) if keys.flag("use_sliding_window", True) else 0
    model_type = str(keys.data.get("model_type", "")).lower()
    return LlmConfig(
        name=name,
        hidden=hidden,
        layers=keys.integer("num_hidden_layers"),
        heads=heads,
        kv_heads=keys.integer("num_key_value_heads", heads),
        head_dim=keys.integer("head_dim", hidden // heads),
        ffn=keys.integer("intermediate_size"),
        vocab=keys.integer("vocab_size"),
        gated_mlp=True,
        experts=max(experts, 1),
        top_k=keys.integer("num_experts_per_tok", 1) if experts > 1 else 1,
        sliding_window=window,
        tied_embeddings=keys.flag("tie_word_embeddings", False),
        norm="rmsnorm",
        qkv_bias=keys.flag("attention_bias", model_type in QKV_BIAS_TYPES),
        out_bias=keys.flag("attention_bias", False),
        mlp_bias=keys.flag("mlp_bias", False),
        partial_rotary_factor=keys.fraction("partial_rotary_factor", 1.0),
        source=str(keys.file),
    )


def _gpt2(keys: _Keys, name: str) -> LlmConfig:
    hidden = keys.integer("n_embd")
    heads = keys.integer("n_head")
    if heads == 0:
        raise InputError(f"{keys.file}: key 'n_head' must be positive, got 0")
    return LlmConfig(
        name=name,
        hidden=hidden,
        layers=keys.integer("n_layer"),
        heads=heads,
        kv_heads=heads,
        head_dim=hidden // heads,
        ffn=keys.integer("n_inner", 4 * hidden),
        vocab=keys.integer("vocab_size"),
        gated_mlp=False,
        tied_embeddings=keys.flag("tie_word_embeddings", True),
        norm="layernorm",
        qkv_bias=True,
        out_bias=True,
        mlp_bias=True,
        position_embeddings=keys.integer("n_positions", 1024),
        source=str(keys.file),
    )
