"""Built-in LLMs, written from the ``config.json`` each model publishes on the Hugging Face Hub.

The values are the published configs' (quoted from memory of those files, and
checked against the models' stated parameter counts in
``tests/workloads/llm/test_catalog.py``). Only the keys that shape the
computation are kept: hidden size, layers, heads, key/value heads, head size,
MLP width, vocabulary, experts, sliding window, tied embeddings, biases, and
the positions each model was built for (``max_position_embeddings``).
"""

from __future__ import annotations

from workloads.llm.config import LlmConfig

_HUB = "huggingface.co/{}/blob/main/config.json"

MODELS: dict[str, LlmConfig] = {
    config.name: config
    for config in (
        LlmConfig(
            name="gpt2",
            hidden=768,
            layers=12,
            heads=12,
            kv_heads=12,
            head_dim=64,
            ffn=3072,
            vocab=50257,
            gated_mlp=False,
            tied_embeddings=True,
            norm="layernorm",
            qkv_bias=True,
            out_bias=True,
            mlp_bias=True,
            position_embeddings=1024,
            source=_HUB.format("openai-community/gpt2"),
        ),
        LlmConfig(
            name="llama2-7b",
            hidden=4096,
            layers=32,
            heads=32,
            kv_heads=32,
            head_dim=128,
            ffn=11008,
            vocab=32000,
            max_positions=4096,
            source=_HUB.format("meta-llama/Llama-2-7b-hf"),
        ),
        LlmConfig(
            name="llama3.2-1b",
            hidden=2048,
            layers=16,
            heads=32,
            kv_heads=8,
            head_dim=64,
            ffn=8192,
            vocab=128256,
            tied_embeddings=True,
            max_positions=131072,
            source=_HUB.format("meta-llama/Llama-3.2-1B"),
        ),
        LlmConfig(
            name="llama3.2-3b",
            hidden=3072,
            layers=28,
            heads=24,
            kv_heads=8,
            head_dim=128,
            ffn=8192,
            vocab=128256,
            tied_embeddings=True,
            max_positions=131072,
            source=_HUB.format("meta-llama/Llama-3.2-3B"),
        ),
        LlmConfig(
            name="llama3-8b",
            hidden=4096,
            layers=32,
            heads=32,
            kv_heads=8,
            head_dim=128,
            ffn=14336,
            vocab=128256,
            max_positions=8192,
            source=_HUB.format("meta-llama/Meta-Llama-3-8B"),
        ),
        LlmConfig(
            name="mistral-7b",
            hidden=4096,
            layers=32,
            heads=32,
            kv_heads=8,
            head_dim=128,
            ffn=14336,
            vocab=32000,
            sliding_window=4096,
            max_positions=32768,
            source=_HUB.format("mistralai/Mistral-7B-v0.1"),
        ),
        LlmConfig(
            name="qwen2.5-0.5b",
            hidden=896,
            layers=24,
            heads=14,
            kv_heads=2,
            head_dim=64,
            ffn=4864,
            vocab=151936,
            tied_embeddings=True,
            qkv_bias=True,
            max_positions=32768,
            source=_HUB.format("Qwen/Qwen2.5-0.5B"),
        ),
        LlmConfig(
            name="qwen2.5-1.5b",
            hidden=1536,
            layers=28,
            heads=12,
            kv_heads=2,
            head_dim=128,
            ffn=8960,
            vocab=151936,
            tied_embeddings=True,
            qkv_bias=True,
            max_positions=131072,
            source=_HUB.format("Qwen/Qwen2.5-1.5B"),
        ),
        LlmConfig(
            name="phi3-mini",
            hidden=3072,
            layers=32,
            heads=32,
            kv_heads=32,
            head_dim=96,
            ffn=8192,
            vocab=32064,
            sliding_window=2047,
            max_positions=4096,
            source=_HUB.format("microsoft/Phi-3-mini-4k-instruct"),
        ),
        LlmConfig(
            name="mixtral-8x7b",
            hidden=4096,
            layers=32,
            heads=32,
            kv_heads=8,
            head_dim=128,
            ffn=14336,
            vocab=32000,
            experts=8,
            top_k=2,
            max_positions=32768,
            source=_HUB.format("mistralai/Mixtral-8x7B-v0.1"),
        ),
    )
}
"""Model name (as used in workload specs) -> its configuration."""
