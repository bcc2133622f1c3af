"""A small BERT-style encoder space: layers, hidden size, heads, MLP ratio, sequence length, bits.

Each layer is the post-norm encoder layer of the zoo's BERT (Devlin et al., NAACL
2019) with the chosen shapes. Hidden sizes are multiples of 24 so that every
head count divides every hidden size: no combination of valid knobs is invalid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workloads.families.base import Family
from workloads.families.ofa_mbv2 import BITS
from workloads.graph import Workload
from workloads.zoo.transformer import bert_encoder


@dataclass(frozen=True)
class TransformerStructure:
    """A BERT-style encoder, plain enough to build a (reduced) torch model from."""

    layers: int
    hidden: int
    heads: int
    mlp_hidden: int
    seq: int
    bits: int


class TinyTransformer(Family[TransformerStructure]):
    """Encoder depth, width, heads, MLP ratio, sequence length and bit-width."""

    name = "tiny_transformer"
    knobs: Mapping[str, tuple[Any, ...]] = {
        "layers": (2, 4, 6, 8, 12),
        "hidden": (192, 288, 384, 576, 768),
        "heads": (2, 4, 6, 8, 12),
        "mlp_ratio": (2, 3, 4),
        "seq": (64, 128, 256, 512),
        "bits": (4, 8, 16),
    }
    default: Mapping[str, Any] = {"layers": 4, "hidden": 384, "heads": 6, "mlp_ratio": 4, "seq": 128, "bits": 8}
    groups: Mapping[str, tuple[str, ...]] = {}

    def structure(self, choices: Mapping[str, Any]) -> TransformerStructure:
        """The MLP hidden size is ``mlp_ratio * hidden``."""
        full = self.choices(choices)
        return TransformerStructure(
            layers=full["layers"],
            hidden=full["hidden"],
            heads=full["heads"],
            mlp_hidden=full["mlp_ratio"] * full["hidden"],
            seq=full["seq"],
            bits=full["bits"],
        )

    def build_structure(self, structure: TransformerStructure, name: str) -> Workload:
        """Embedding LayerNorm then ``layers`` encoder layers, at ``bits`` precision throughout."""
        return bert_encoder(
            name,
            structure.layers,
            structure.hidden,
            structure.heads,
            structure.mlp_hidden,
            structure.seq,
            source="BERT-style encoder (Devlin et al. 2019) with searched shapes",
            precision=BITS[structure.bits],
        )
