"""Transformer MACs against an independent count: torch's FlopCounterMode on torch.nn reference layers.

torch.nn.TransformerEncoderLayer is PyTorch's own implementation of the Vaswani et
al. layer (fused in-projection, batched attention matmuls, MLP); run on the meta
device it costs no arithmetic. FlopCounterMode counts 2 FLOPs per MAC. torch comes
with stable-baselines3, a runtime dependency.
"""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from workloads import load_workload
from workloads.families import TinyTransformer


def _torch_macs(module: torch.nn.Module, *inputs: torch.Tensor) -> int:
    with FlopCounterMode(display=False) as counter:
        module(*inputs)
    return counter.get_total_flops() // 2


def _stack(layers: int, width: int, heads: int, ffn: int, norm_first: bool) -> torch.nn.Module:
    layer = torch.nn.TransformerEncoderLayer(
        width, heads, ffn, dropout=0.0, activation="gelu", batch_first=True, norm_first=norm_first, device="meta"
    )
    return torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def test_bert_base_matches_torch_encoder() -> None:
    tokens = torch.empty(1, 128, 768, device="meta")
    assert load_workload("bert_base").total_macs == _torch_macs(_stack(12, 768, 12, 3072, False), tokens)
    assert load_workload("transformer_encoder").total_macs == _torch_macs(_stack(1, 768, 12, 3072, False), tokens)


class _GptPrefill(torch.nn.Module):
    """GPT-2 small shapes: 12 pre-norm layers, final LayerNorm, LM head on the last position."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = _stack(12, 768, 12, 3072, True)
        self.norm = torch.nn.LayerNorm(768, device="meta")
        self.head = torch.nn.Linear(768, 50257, bias=False, device="meta")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.norm(self.layers(x))[:, -1])


def test_gpt2_prefill_matches_torch_layers() -> None:
    assert load_workload("gpt2_prefill").total_macs == _torch_macs(
        _GptPrefill(), torch.empty(1, 128, 768, device="meta")
    )


class _Vit(torch.nn.Module):
    """ViT-B/16 shapes: 16x16/16 patch conv, class token, 12 pre-norm layers, head on the class token."""

    def __init__(self) -> None:
        super().__init__()
        self.patch = torch.nn.Conv2d(3, 768, 16, 16, device="meta")
        self.cls = torch.nn.Parameter(torch.empty(1, 1, 768, device="meta"))
        self.layers = _stack(12, 768, 12, 3072, True)
        self.head = torch.nn.Linear(768, 1000, device="meta")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.patch(x).flatten(2).transpose(1, 2)
        return self.head(self.layers(torch.cat([self.cls, tokens], dim=1))[:, 0])


def test_vit_b16_matches_torch_layers() -> None:
    assert load_workload("vit_b16").total_macs == _torch_macs(_Vit(), torch.empty(1, 3, 224, 224, device="meta"))


@pytest.mark.parametrize(
    "choices",
    [{}, {"layers": 2, "hidden": 192, "heads": 12, "mlp_ratio": 2, "seq": 64}, {"hidden": 576, "heads": 8, "seq": 512}],
)
def test_tiny_transformer_matches_torch_encoder(choices: dict[str, int]) -> None:
    family = TinyTransformer()
    s = family.structure(choices)
    reference = _torch_macs(
        _stack(s.layers, s.hidden, s.heads, s.mlp_hidden, False), torch.empty(1, s.seq, s.hidden, device="meta")
    )
    assert family.build(choices).total_macs == reference
