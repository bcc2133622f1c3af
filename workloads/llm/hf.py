"""Read a Hugging Face ``config.json`` (a local file or a model folder) into an :class:`LlmConfig`.

Nothing is downloaded. Each supported ``model_type`` is read with the key names,
defaults and block structure of its ``transformers`` (5.x) configuration and
modelling classes (:data:`SUPPORTED_TYPES`; docs/llm.md lists what each reads).
A ``config.json`` without ``model_type`` is read as Llama-like (gated SiLU MLP,
RMSNorm, ``attention_bias``/``mlp_bias`` biases), as before types were told
apart. Any other ``model_type`` is an error naming it and the supported ones; so
is a key that changes the structure in a way this reader does not model
(DeepSeek's latent attention, Phi's ``qk_layernorm``, ...). Errors name the file and the key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workloads.errors import InputError
from workloads.llm.config import LlmConfig

UNMODELLED_KEYS = {
    "kv_lora_rank": "multi-head latent attention",
    "q_lora_rank": "multi-head latent attention",
    "n_routed_experts": "DeepSeek-style experts",
    "n_shared_experts": "DeepSeek-style shared experts",
    "first_k_dense_replace": "DeepSeek-style dense first layers",
}
"""Keys of structures the reader does not model: any non-null value is an error, whatever the type."""

SLIDING, FULL = "sliding_attention", "full_attention"
"""The values of ``layer_types``."""


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
    keys = _Keys(file, data)
    for key, what in UNMODELLED_KEYS.items():
        if data.get(key) is not None:
            raise InputError(f"{file}: key {key!r} ({what}) is not modelled by this reader")
    model_type = data.get("model_type")
    if model_type is None:
        reader = _untyped
    elif model_type in READERS:
        reader = READERS[model_type]
    else:
        supported = ", ".join(SUPPORTED_TYPES)
        raise InputError(f"{file}: key 'model_type' is {model_type!r}, which is not supported; supported: {supported}")
    try:
        fields = reader(keys)
        if not fields.get("position_embeddings"):
            fields["max_positions"] = keys.integer("max_position_embeddings", 0)
        return LlmConfig(name=label, source=str(file), **fields)
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{file}: {exc}") from None


class _Keys:
    """Typed access to the keys of one config file, with errors naming the file and key."""

    def __init__(self, file: Path, data: dict[str, Any]) -> None:
        self.file = file
        self.data = data

    def error(self, key: str, detail: str) -> InputError:
        """A one-line error naming the file and ``key``."""
        return InputError(f"{self.file}: key {key!r} {detail}")

    def integer(self, key: str, default: int | None = None) -> int:
        value = self.data.get(key)
        if value is None:
            if default is None:
                raise InputError(f"{self.file}: missing key {key!r} (a positive integer)")
            return default
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.error(key, f"must be a non-negative integer, got {value!r}")
        return value

    def positive(self, key: str, default: int | None = None) -> int:
        value = self.integer(key, default)
        if value == 0:
            raise self.error(key, "must be positive, got 0")
        return value

    def fraction(self, key: str, default: float) -> float:
        value = self.data.get(key)
        if value is None:
            rope = self.data.get("rope_parameters")
            value = rope.get(key) if isinstance(rope, dict) else None
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise self.error(key, f"must be a number in (0, 1], got {value!r}")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def present(self, key: str) -> bool:
        """True when ``key`` is given with a non-null value."""
        return self.data.get(key) is not None

    def window(self, key: str = "sliding_window") -> int:
        """A sliding window (null or absent: none)."""
        return self.integer(key, 0)

    def indices(self, key: str, layers: int) -> tuple[int, ...]:
        """A list of layer indices (absent: none)."""
        value = self.data.get(key) or []
        if not isinstance(value, list) or any(not isinstance(i, int) or isinstance(i, bool) for i in value):
            raise self.error(key, f"must be a list of layer indices, got {value!r}")
        if any(not 0 <= i < layers for i in value):
            raise self.error(key, f"must hold layer indices in 0..{layers - 1}, got {value!r}")
        return tuple(sorted(set(value)))

    def layer_types(self, layers: int) -> tuple[str, ...] | None:
        """``layer_types`` (one of full_attention/sliding_attention per layer), or None when absent."""
        value = self.data.get("layer_types")
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != layers or any(t not in (SLIDING, FULL) for t in value):
            raise self.error("layer_types", f"must list {FULL} or {SLIDING} for each of the {layers} layers")
        return tuple(value)

    def forbid(self, key: str, allowed: object, what: str) -> None:
        """Error when ``key`` is given with a value other than ``allowed`` (a structure not modelled)."""
        value = self.data.get(key)
        if value is not None and value != allowed:
            raise self.error(key, f"= {value!r} ({what}) is not modelled by this reader; only {allowed!r} is")

    def activation(self, key: str, default: str, gated: bool = True) -> str:
        """``silu`` or ``gelu`` from an HF activation name (a non-gated MLP takes GELU variants only)."""
        value = self.data.get(key) or default
        if isinstance(value, str) and value.startswith("gelu"):
            return "gelu"
        if gated and value in ("silu", "swish"):
            return "silu"
        allowed = "silu or a gelu variant" if gated else "a gelu variant"
        raise self.error(key, f"is {value!r}; this reader models {allowed} here")

    def gelu(self, key: str, default: str) -> bool:
        """False (not gated) once ``key`` names a GELU variant, the one activation of a non-gated MLP modelled."""
        self.activation(key, default, gated=False)
        return False


def _shape(keys: _Keys, kv_required: bool = True, head_dim_required: bool = False) -> dict[str, Any]:
    """Hidden size, layers, heads, key/value heads, head size and vocabulary under HF's common key names.

    ``kv_required``/``head_dim_required``: the type's transformers default for a missing key is a
    fixed number (e.g. Mistral's 8 key/value heads), not ``heads`` / ``hidden // heads``, so the
    key must be given.
    """
    hidden = keys.integer("hidden_size")
    heads = keys.positive("num_attention_heads")
    kv_heads = keys.integer("num_key_value_heads", None if kv_required else heads)
    head_dim = keys.integer("head_dim", None if head_dim_required else hidden // heads)
    return {
        "hidden": hidden,
        "layers": keys.integer("num_hidden_layers"),
        "heads": heads,
        "kv_heads": kv_heads,
        "head_dim": head_dim,
        "vocab": keys.integer("vocab_size"),
    }


def _sliding(window: int, types: tuple[str, ...] | None, layers: int) -> dict[str, Any]:
    """The window and its full-attention layers from ``layer_types`` (None: every layer slides)."""
    if not window or types is None:
        return {"sliding_window": window}
    global_layers = tuple(i for i, t in enumerate(types) if t == FULL)
    if len(global_layers) == layers:
        return {"sliding_window": 0}
    return {"sliding_window": window, "global_layers": global_layers}


def _untyped(keys: _Keys) -> dict[str, Any]:
    """No ``model_type``: Llama-like, experts and window under any of their usual names."""
    shape = _shape(keys, kv_required=False)
    experts = keys.integer("num_local_experts", keys.integer("num_experts", 1))
    window = keys.window() if keys.flag("use_sliding_window", True) else 0
    return shape | {
        "ffn": keys.integer("intermediate_size"),
        "experts": max(experts, 1),
        "top_k": keys.integer("num_experts_per_tok", 1) if experts > 1 else 1,
        "sliding_window": window,
        "tied_embeddings": keys.flag("tie_word_embeddings", False),
        "qkv_bias": keys.flag("attention_bias", False),
        "out_bias": keys.flag("attention_bias", False),
        "mlp_bias": keys.flag("mlp_bias", False),
        "partial_rotary_factor": keys.fraction("partial_rotary_factor", 1.0),
    }


def _silu_mlp(keys: _Keys) -> dict[str, Any]:
    """The MLP keys the Llama-style types share: ``intermediate_size``, ``hidden_act`` (SiLU), untied embeddings."""
    return {
        "ffn": keys.integer("intermediate_size"),
        "activation": keys.activation("hidden_act", "silu"),
        "tied_embeddings": keys.flag("tie_word_embeddings", False),
    }


def _llama(keys: _Keys) -> dict[str, Any]:
    """``LlamaConfig``: optional ``attention_bias`` (Q, K, V and O) and ``mlp_bias``; no window."""
    bias = keys.flag("attention_bias", False)
    return (
        _shape(keys, kv_required=False)
        | _silu_mlp(keys)
        | {
            "qkv_bias": bias,
            "out_bias": bias,
            "mlp_bias": keys.flag("mlp_bias", False),
            "partial_rotary_factor": keys.fraction("partial_rotary_factor", 1.0),
        }
    )


def _mistral(keys: _Keys) -> dict[str, Any]:
    """``MistralConfig``: ``sliding_window`` on every layer (must be given: transformers' default is 4096)."""
    if "sliding_window" not in keys.data:
        raise InputError(f"{keys.file}: missing key 'sliding_window' (an integer, or null for none)")
    return _shape(keys) | _silu_mlp(keys) | {"sliding_window": keys.window()}


def _mixtral(keys: _Keys) -> dict[str, Any]:
    """``MixtralConfig``: ``num_local_experts`` experts ``intermediate_size`` wide, top ``num_experts_per_tok``."""
    return (
        _shape(keys)
        | _silu_mlp(keys)
        | {
            "experts": keys.positive("num_local_experts"),
            "top_k": keys.positive("num_experts_per_tok"),
            "sliding_window": keys.window(),
        }
    )


def _qwen_window(keys: _Keys, layers: int) -> dict[str, Any]:
    """Qwen2/Qwen3: a window only with ``use_sliding_window``, on layers from ``max_window_layers`` up."""
    if not keys.flag("use_sliding_window", False):
        return {}
    window = keys.window()
    types = keys.layer_types(layers)
    if types is None:
        lower = keys.integer("max_window_layers", 28)
        types = tuple(SLIDING if i >= lower else FULL for i in range(layers))
    return _sliding(window, types, layers)


def _qwen2(keys: _Keys) -> dict[str, Any]:
    """``Qwen2Config``: biases on Q, K and V (always, as its modelling code builds them)."""
    shape = _shape(keys)
    return shape | _silu_mlp(keys) | {"qkv_bias": True} | _qwen_window(keys, shape["layers"])


def _qwen3(keys: _Keys) -> dict[str, Any]:
    """``Qwen3Config``: explicit ``head_dim``, per-head Q/K RMSNorm, ``attention_bias`` on Q, K, V and O."""
    shape = _shape(keys, head_dim_required=True)
    bias = keys.flag("attention_bias", False)
    return (
        shape
        | _silu_mlp(keys)
        | {"qkv_bias": bias, "out_bias": bias, "qk_norm": True}
        | _qwen_window(keys, shape["layers"])
    )


def _qwen_experts(keys: _Keys, layers: int) -> dict[str, Any]:
    """Qwen MoE experts: ``moe_intermediate_size`` wide; dense (``intermediate_size``) on ``mlp_only_layers``
    and on layers ``i`` with ``(i + 1) % decoder_sparse_step != 0``."""
    experts = keys.positive("num_experts")
    step = keys.positive("decoder_sparse_step", 1)
    only = keys.indices("mlp_only_layers", layers)
    dense = tuple(i for i in range(layers) if i in only or (i + 1) % step)
    width = keys.positive("moe_intermediate_size")
    ffn = keys.positive("intermediate_size") if dense else keys.integer("intermediate_size", width) or width
    return {
        "ffn": ffn,
        "experts": experts,
        "top_k": keys.positive("num_experts_per_tok"),
        "expert_ffn": width,
        "dense_layers": dense,
    }


def _qwen2_moe(keys: _Keys) -> dict[str, Any]:
    """``Qwen2MoeConfig``: Qwen2 attention (``qkv_bias``), experts plus a gated shared expert."""
    shape = _shape(keys)
    layers = shape["layers"]
    window: dict[str, Any] = {}
    if keys.flag("use_sliding_window", False):
        types = keys.layer_types(layers)
        if types is None:
            detail = "= true without layer_types is not modelled (transformers versions disagree on its layers)"
            raise keys.error("use_sliding_window", detail)
        window = _sliding(keys.window(), types, layers)
    return (
        shape
        | _qwen_experts(keys, layers)
        | {
            "shared_expert_ffn": keys.positive("shared_expert_intermediate_size"),
            "activation": keys.activation("hidden_act", "silu"),
            "tied_embeddings": keys.flag("tie_word_embeddings", False),
            "qkv_bias": keys.flag("qkv_bias", True),
        }
        | window
    )


def _qwen3_moe(keys: _Keys) -> dict[str, Any]:
    """``Qwen3MoeConfig``: Qwen3 attention (Q/K norms), experts without a shared one; a window on every layer."""
    shape = _shape(keys)
    bias = keys.flag("attention_bias", False)
    return (
        shape
        | _qwen_experts(keys, shape["layers"])
        | {
            "activation": keys.activation("hidden_act", "silu"),
            "tied_embeddings": keys.flag("tie_word_embeddings", False),
            "qkv_bias": bias,
            "out_bias": bias,
            "qk_norm": True,
            "sliding_window": keys.window() if keys.flag("use_sliding_window", False) else 0,
        }
    )


def _phi3(keys: _Keys) -> dict[str, Any]:
    """``Phi3Config``: fused QKV and gate/up (same shapes as Llama's), ``sliding_window`` on every layer."""
    return (
        _shape(keys, kv_required=False)
        | _silu_mlp(keys)
        | {
            "sliding_window": keys.window(),
            "partial_rotary_factor": keys.fraction("partial_rotary_factor", 1.0),
        }
    )


def _gemma(keys: _Keys) -> dict[str, Any]:
    """``GemmaConfig``: explicit ``head_dim``, gated GELU MLP, tied, embeddings scaled by sqrt(hidden)."""
    bias = keys.flag("attention_bias", False)
    act = "hidden_activation" if keys.present("hidden_activation") else "hidden_act"
    return _shape(keys, head_dim_required=True) | {
        "ffn": keys.integer("intermediate_size"),
        "activation": keys.activation(act, "gelu"),
        "tied_embeddings": keys.flag("tie_word_embeddings", True),
        "qkv_bias": bias,
        "out_bias": bias,
        "embedding_scale": True,
    }


def _gemma_window(keys: _Keys, layers: int, pattern: int) -> dict[str, Any]:
    """Gemma-2/3: ``sliding_window`` (must be given) on the layers ``layer_types`` names, by default all but
    every ``pattern``-th."""
    if "sliding_window" not in keys.data:
        raise InputError(f"{keys.file}: missing key 'sliding_window' (an integer, or null for none)")
    types = keys.layer_types(layers) or tuple(SLIDING if (i + 1) % pattern else FULL for i in range(layers))
    return _sliding(keys.window(), types, layers)


def _gemma2(keys: _Keys) -> dict[str, Any]:
    """``Gemma2Config``: Gemma plus four norms a layer, local/global layers alternating, tanh soft-caps."""
    fields = _gemma(keys)
    return (
        fields
        | {
            "sandwich_norm": True,
            "attn_softcap": _softcap(keys, "attn_logit_softcapping", 50.0),
            "logit_softcap": _softcap(keys, "final_logit_softcapping", 30.0),
        }
        | _gemma_window(keys, fields["layers"], 2)
    )


def _gemma3_text(keys: _Keys) -> dict[str, Any]:
    """``Gemma3TextConfig``: Gemma-2 plus Q/K norms, ``sliding_window_pattern`` (5 local : 1 global), no caps."""
    keys.forbid("use_bidirectional_attention", False, "bidirectional attention")
    fields = _gemma(keys)
    pattern = keys.positive("sliding_window_pattern", 6)
    return (
        fields
        | {
            "sandwich_norm": True,
            "qk_norm": True,
            "attn_softcap": _softcap(keys, "attn_logit_softcapping", None),
            "logit_softcap": _softcap(keys, "final_logit_softcapping", None),
        }
        | _gemma_window(keys, fields["layers"], pattern)
    )


def _softcap(keys: _Keys, key: str, default: float | None) -> bool:
    """Whether a tanh soft-cap is on (a positive number; null: off; absent: the type's default)."""
    value = keys.data.get(key, default)
    if value is None:
        return False
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise keys.error(key, f"must be a positive number or null, got {value!r}")
    return True


def _gpt_neox(keys: _Keys) -> dict[str, Any]:
    """``GPTNeoXConfig`` (Pythia): fused QKV, parallel attention/MLP, LayerNorm, biases, ``rotary_pct``, untied."""
    bias = keys.flag("attention_bias", True)
    return _shape(keys, kv_required=False) | {
        "kv_heads": keys.positive("num_attention_heads"),
        "ffn": keys.integer("intermediate_size"),
        "gated_mlp": keys.gelu("hidden_act", "gelu"),
        "tied_embeddings": keys.flag("tie_word_embeddings", False),
        "norm": "layernorm",
        "qkv_bias": bias,
        "out_bias": bias,
        "mlp_bias": True,
        "parallel_residual": keys.flag("use_parallel_residual", True),
        "partial_rotary_factor": keys.fraction("rotary_pct", keys.fraction("partial_rotary_factor", 0.25)),
    }


def _phi(keys: _Keys) -> dict[str, Any]:
    """``PhiConfig`` (Phi-1/2): one LayerNorm feeding parallel attention and MLP, biases everywhere, LM-head bias."""
    keys.forbid("qk_layernorm", False, "per-head query/key LayerNorm")
    return _shape(keys, kv_required=False) | {
        "ffn": keys.integer("intermediate_size"),
        "gated_mlp": keys.gelu("hidden_act", "gelu_new"),
        "tied_embeddings": keys.flag("tie_word_embeddings", False),
        "norm": "layernorm",
        "qkv_bias": True,
        "out_bias": True,
        "mlp_bias": True,
        "parallel_residual": True,
        "shared_norm": True,
        "lm_head_bias": True,
        "partial_rotary_factor": keys.fraction("partial_rotary_factor", 0.5),
    }


def _starcoder2(keys: _Keys) -> dict[str, Any]:
    """``Starcoder2Config``: GELU MLP, LayerNorm, ``use_bias`` on every linear, GQA, window on every layer, tied."""
    bias = keys.flag("use_bias", True)
    return _shape(keys) | {
        "ffn": keys.integer("intermediate_size"),
        "gated_mlp": keys.gelu("hidden_act", "gelu_pytorch_tanh"),
        "sliding_window": keys.window(),
        "tied_embeddings": keys.flag("tie_word_embeddings", True),
        "norm": "layernorm",
        "qkv_bias": bias,
        "out_bias": bias,
        "mlp_bias": bias,
    }


def _gpt2(keys: _Keys) -> dict[str, Any]:
    """``GPT2Config``: ``n_embd``, ``n_layer``, ``n_head``, ``n_inner``, learned positions, biases, tied."""
    hidden = keys.integer("n_embd")
    heads = keys.positive("n_head")
    return {
        "hidden": hidden,
        "layers": keys.integer("n_layer"),
        "heads": heads,
        "kv_heads": heads,
        "head_dim": hidden // heads,
        "ffn": keys.integer("n_inner", 4 * hidden),
        "vocab": keys.integer("vocab_size"),
        "gated_mlp": keys.gelu("activation_function", "gelu_new"),
        "tied_embeddings": keys.flag("tie_word_embeddings", True),
        "norm": "layernorm",
        "qkv_bias": True,
        "out_bias": True,
        "mlp_bias": True,
        "position_embeddings": keys.integer("n_positions", 1024),
    }


READERS: dict[str, Callable[[_Keys], dict[str, Any]]] = {
    "llama": _llama,
    "mistral": _mistral,
    "mixtral": _mixtral,
    "qwen2": _qwen2,
    "qwen3": _qwen3,
    "qwen2_moe": _qwen2_moe,
    "qwen3_moe": _qwen3_moe,
    "phi3": _phi3,
    "gemma": _gemma,
    "gemma2": _gemma2,
    "gemma3_text": _gemma3_text,
    "gpt2": _gpt2,
    "gpt_neox": _gpt_neox,
    "phi": _phi,
    "starcoder2": _starcoder2,
}
"""``model_type`` -> the reader of its keys."""

SUPPORTED_TYPES = tuple(READERS)
"""The ``model_type`` values read (any other is an error)."""
