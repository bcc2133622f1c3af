"""Transformer networks as GEMMs: BERT-base, ViT-B/16 and GPT-2 small (prefill and decode).

Q/K/V, output projections and MLPs are weight matmuls; Q K^T and softmax(.) V are
activation-activation matmuls (``weight_operand=False``) batched over the heads.
LayerNorm, softmax and residual adds are vector ops; GELU is fused into the first
MLP matmul. Head split/merge are reshape + transpose (data movement). Attention
scale and biases are folded (no MACs of their own); dropout is absent at inference.

- BERT-base: Devlin et al., NAACL 2019 (L=12, H=768, A=12, FFN 3072), post-norm
  layers as in google-research/bert ``modeling.py``; the input is the summed
  embeddings (lookups, not MACs), followed by the embedding LayerNorm.
- ViT-B/16: Dosovitskiy et al., ICLR 2021 (Table 1), pre-norm layers as torchvision
  ``vit_b_16``: 16x16/16 patch conv, class token, 197 tokens, head on the class token.
- GPT-2 small: Radford et al. 2019 (12 layers, d=768, 12 heads, vocabulary 50257),
  pre-norm layers with the fused ``c_attn`` QKV projection of openai/gpt-2 ``model.py``;
  the LM head is the tied token embedding, applied to the last position only
  (what generation needs).
"""

from __future__ import annotations

from workloads.builder import GraphBuilder
from workloads.graph import Workload
from workloads.ops import Activation
from workloads.precision import Precision

GPT2_VOCAB = 50257
"""GPT-2's vocabulary size (openai/gpt-2 hparams ``n_vocab``)."""

GPT2_PROMPT = 128
"""Prompt length of ``gpt2_prefill``."""

GPT2_PAST = 128
"""KV-cache length of ``gpt2_decode``: the step right after a ``gpt2_prefill`` prompt."""


def _split_heads(b: GraphBuilder, x: str, heads: int, name: str) -> str:
    """(1, T, d) -> (1, heads, T, d/heads)."""
    _, tokens, width = b.shape(x)
    x = b.reshape(x, (1, tokens, heads, width // heads), name=f"{name}.reshape")
    return b.transpose(x, (0, 2, 1, 3), name=f"{name}.transpose")


def _merge_heads(b: GraphBuilder, x: str, name: str) -> str:
    """(1, heads, T, d/heads) -> (1, T, d)."""
    _, heads, tokens, head_dim = b.shape(x)
    x = b.transpose(x, (0, 2, 1, 3), name=f"{name}.transpose")
    return b.reshape(x, (1, tokens, heads * head_dim), name=f"{name}.reshape")


def attention(b: GraphBuilder, x: str, heads: int, prefix: str, fused_qkv: bool = False, past: int = 0) -> str:
    """Multi-head self-attention on (1, T, d); returns the output projection (before the residual).

    ``fused_qkv`` computes Q, K, V with one d x 3d matmul (GPT-2's ``c_attn``) and slices
    it; ``past`` > 0 prepends a KV cache of that many positions (graph inputs
    ``{prefix}.k_cache`` / ``{prefix}.v_cache``), as a decode step does.
    """
    _, _, width = b.shape(x)
    if width % heads:
        raise ValueError(f"{b.name}: hidden size {width} is not divisible by {heads} heads")
    if fused_qkv:
        qkv = b.linear(x, 3 * width, name=f"{prefix}.qkv")
        q, k, v = (b.slice(qkv, 2, i * width, (i + 1) * width, name=f"{prefix}.{p}") for i, p in enumerate("qkv"))
    else:
        q, k, v = (b.linear(x, width, name=f"{prefix}.{p}") for p in "qkv")
    q, k, v = (_split_heads(b, t, heads, f"{prefix}.{p}_heads") for t, p in zip((q, k, v), "qkv", strict=True))
    if past:
        cache_shape = (1, heads, past, width // heads)
        k_cache = b.input(cache_shape, name=f"{prefix}.k_cache")
        v_cache = b.input(cache_shape, name=f"{prefix}.v_cache")
        k = b.concat([k_cache, k], axis=2, name=f"{prefix}.k_append")
        v = b.concat([v_cache, v], axis=2, name=f"{prefix}.v_append")
    scores = b.matmul(q, k, transpose_b=True, name=f"{prefix}.scores")
    probs = b.softmax(scores, name=f"{prefix}.softmax")
    context = b.matmul(probs, v, name=f"{prefix}.context")
    context = _merge_heads(b, context, f"{prefix}.merge")
    return b.linear(context, width, name=f"{prefix}.proj")


def _mlp(b: GraphBuilder, x: str, hidden: int, prefix: str) -> str:
    width = b.shape(x)[-1]
    h = b.linear(x, hidden, activation=Activation.GELU, name=f"{prefix}.fc1")
    return b.linear(h, width, name=f"{prefix}.fc2")


def post_norm_layer(b: GraphBuilder, x: str, heads: int, mlp_hidden: int, prefix: str) -> str:
    """BERT encoder layer: x = LN(x + Attn(x)); x = LN(x + MLP(x))."""
    a = attention(b, x, heads, f"{prefix}.attn")
    x = b.layernorm(b.add(a, x, name=f"{prefix}.attn_add"), name=f"{prefix}.ln1")
    h = _mlp(b, x, mlp_hidden, f"{prefix}.mlp")
    return b.layernorm(b.add(h, x, name=f"{prefix}.mlp_add"), name=f"{prefix}.ln2")


def pre_norm_layer(
    b: GraphBuilder, x: str, heads: int, mlp_hidden: int, prefix: str, fused_qkv: bool = False, past: int = 0
) -> str:
    """ViT/GPT-2 layer: x = x + Attn(LN(x)); x = x + MLP(LN(x))."""
    a = attention(b, b.layernorm(x, name=f"{prefix}.ln1"), heads, f"{prefix}.attn", fused_qkv, past)
    x = b.add(a, x, name=f"{prefix}.attn_add")
    h = _mlp(b, b.layernorm(x, name=f"{prefix}.ln2"), mlp_hidden, f"{prefix}.mlp")
    return b.add(h, x, name=f"{prefix}.mlp_add")


def bert_encoder(
    name: str,
    layers: int,
    hidden: int,
    heads: int,
    mlp_hidden: int,
    seq: int,
    source: str = "",
    precision: Precision = Precision.INT8,
) -> Workload:
    """A BERT-style post-norm encoder stack on (1, seq, hidden) embeddings, embedding LayerNorm first."""
    b = GraphBuilder(name, precision, source)
    x = b.input((1, seq, hidden), name="embeddings")
    x = b.layernorm(x, name="embeddings.ln")
    for index in range(layers):
        x = post_norm_layer(b, x, heads, mlp_hidden, f"layer{index}")
    return b.build()


def transformer_encoder() -> Workload:
    """One BERT-base encoder layer (d=768, 12 heads, FFN 3072) on a 128-token sequence."""
    b = GraphBuilder("transformer_encoder", source="Devlin et al., NAACL 2019: one BERT-base layer, seq 128")
    x = b.input((1, 128, 768), name="hidden")
    post_norm_layer(b, x, 12, 3072, "layer0")
    return b.build()


def bert_base() -> Workload:
    """BERT-base encoder (12 layers, d=768, 12 heads, FFN 3072), sequence 128."""
    return bert_encoder("bert_base", 12, 768, 12, 3072, 128, "Devlin et al., NAACL 2019 (BERT-base), seq 128")


def bert_base_512() -> Workload:
    """BERT-base encoder at its longest sequence, 512."""
    return bert_encoder("bert_base_512", 12, 768, 12, 3072, 512, "Devlin et al., NAACL 2019 (BERT-base), seq 512")


def vit_b16() -> Workload:
    """ViT-B/16 at 224x224: patch conv, class token + positions, 12 pre-norm layers, head."""
    b = GraphBuilder("vit_b16", source="Dosovitskiy et al., ICLR 2021 (Table 1); torchvision vit_b_16")
    x = b.input((1, 3, 224, 224))
    x = b.conv(x, 768, 16, stride=16, padding=0, name="patch_embed")
    x = b.reshape(x, (1, 768, 196), name="patch_flatten")
    x = b.transpose(x, (0, 2, 1), name="patch_tokens")
    cls = b.weight((1, 1, 768), name="class_token")
    x = b.concat([cls, x], axis=1, name="prepend_class")
    x = b.add(x, b.weight((1, 197, 768), name="pos_embedding"), name="add_positions")
    for index in range(12):
        x = pre_norm_layer(b, x, 12, 3072, f"layer{index}")
    x = b.layernorm(x, name="ln")
    x = b.slice(x, 1, 0, 1, name="class_out")
    x = b.linear(x, 1000, name="head")
    b.softmax(x, name="prob")
    return b.build()


def gpt2(name: str, tokens: int, past: int, source: str) -> Workload:
    """GPT-2 small on ``tokens`` new positions with a KV cache of ``past``; logits of the last one."""
    b = GraphBuilder(name, source=source)
    x = b.input((1, tokens, 768), name="embeddings")
    for index in range(12):
        x = pre_norm_layer(b, x, 12, 3072, f"h{index}", fused_qkv=True, past=past)
    x = b.layernorm(x, name="ln_f")
    if tokens > 1:
        x = b.slice(x, 1, tokens - 1, tokens, name="last_token")
    logits = b.linear(x, GPT2_VOCAB, name="lm_head")
    b.softmax(logits, name="prob")
    return b.build()


def gpt2_prefill() -> Workload:
    """GPT-2 small prefill of a 128-token prompt (GEMM-heavy)."""
    return gpt2("gpt2_prefill", GPT2_PROMPT, 0, f"Radford et al. 2019 (GPT-2 small), prefill of {GPT2_PROMPT} tokens")


def gpt2_decode() -> Workload:
    """GPT-2 small single-token decode step with a 128-position KV cache (GEMV-heavy, memory-bound)."""
    return gpt2(
        "gpt2_decode", 1, GPT2_PAST, f"Radford et al. 2019 (GPT-2 small), one decode step, KV cache {GPT2_PAST}"
    )
