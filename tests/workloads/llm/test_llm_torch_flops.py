"""LLM MACs against torch's FlopCounterMode on a small Llama-style reference decoder.

The reference is written here from the Llama/Mixtral architecture (not from our
builder): fused-free Q/K/V projections, grouped-query attention by repeating K/V
heads, a gated SiLU MLP or top-k experts, an LM head on the last position. Its
shapes come from a Hugging Face ``config.json`` written to a temporary folder and
read back by our reader. Tensors live on the meta device (no arithmetic).
FlopCounterMode counts 2 FLOPs per MAC of mm/bmm.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from workloads.llm import LlmConfig, load_llm, read_hf_config

META = torch.device("meta")


class _Layer(torch.nn.Module):
    def __init__(self, c: LlmConfig) -> None:
        super().__init__()
        self.c = c
        self.q = torch.nn.Linear(c.hidden, c.q_width, bias=False, device=META)
        self.k = torch.nn.Linear(c.hidden, c.kv_width, bias=False, device=META)
        self.v = torch.nn.Linear(c.hidden, c.kv_width, bias=False, device=META)
        self.o = torch.nn.Linear(c.q_width, c.hidden, bias=False, device=META)
        self.router = torch.nn.Linear(c.hidden, c.experts, bias=False, device=META) if c.is_moe else None
        self.experts = torch.nn.ModuleList(
            torch.nn.ModuleDict(
                {
                    "gate": torch.nn.Linear(c.hidden, c.ffn, bias=False, device=META),
                    "up": torch.nn.Linear(c.hidden, c.ffn, bias=False, device=META),
                    "down": torch.nn.Linear(c.ffn, c.hidden, bias=False, device=META),
                }
            )
            for _ in range(c.experts)
        )

    def _heads(self, x: torch.Tensor, heads: int) -> torch.Tensor:
        b, t, _ = x.shape
        return x.view(b, t, heads, self.c.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
        c = self.c
        q = self._heads(self.q(x), c.heads)
        k = self._heads(self.k(x), c.kv_heads)
        v = self._heads(self.v(x), c.kv_heads)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        k = k.repeat_interleave(c.group, dim=1)
        v = v.repeat_interleave(c.group, dim=1)
        probs = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        attn = (probs @ v).transpose(1, 2).reshape(x.shape[0], x.shape[1], c.q_width)
        x = x + self.o(attn)
        if self.router is not None:
            self.router(x)  # the routing decision; the test picks top_k experts per token below
        chosen = self.experts[: c.top_k]
        return x + sum(e["down"](torch.nn.functional.silu(e["gate"](x)) * e["up"](x)) for e in chosen)


class _Decoder(torch.nn.Module):
    def __init__(self, c: LlmConfig) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList(_Layer(c) for _ in range(c.layers))
        self.head = torch.nn.Linear(c.hidden, c.vocab, bias=False, device=META)

    def forward(self, x: torch.Tensor, cache: int) -> torch.Tensor:
        c = self.layers[0].c
        for layer in self.layers:
            past = None
            if cache:
                shape = (x.shape[0], c.kv_heads, cache, c.head_dim)
                past = (torch.empty(shape, device=META), torch.empty(shape, device=META))
            x = layer(x, past)
        return self.head(x[:, -1])


def _config_folder(tmp_path: Path, experts: int) -> Path:
    data = {
        "model_type": "mixtral" if experts > 1 else "llama",
        "hidden_size": 256,
        "num_hidden_layers": 3,
        "num_attention_heads": 8,
        "num_key_value_heads": 2,
        "intermediate_size": 512,
        "vocab_size": 1000,
        "tie_word_embeddings": False,
    }
    if experts > 1:
        data |= {"num_local_experts": experts, "num_experts_per_tok": 2}
    folder = tmp_path / f"tiny-{experts}"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(data))
    return folder


def _torch_macs(c: LlmConfig, batch: int, tokens: int, cache: int) -> int:
    model = _Decoder(c)
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(batch, tokens, c.hidden, device=META), cache)
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("experts", [1, 4])
def test_prefill_and_decode_match_flop_counter(tmp_path: Path, experts: int) -> None:
    folder = _config_folder(tmp_path, experts)
    c = read_hf_config(folder)
    assert (c.kv_heads, c.experts, c.top_k) == (2, experts, 2 if experts > 1 else 1)
    # batch 1 decode activates exactly top_k experts, as the reference runs them
    decode = load_llm(f"{folder}:phase=decode,context=77,batch=1").total_macs
    assert decode == _torch_macs(c, 1, 1, 77)
    if experts == 1:
        prefill = load_llm(f"{folder}:phase=prefill,prompt=64,batch=3").total_macs
        assert prefill == _torch_macs(c, 3, 64, 0)
