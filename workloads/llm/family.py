"""``llm``: a small parametric Llama-style decoder for co-search (shapes, phase, lengths, bits).

Every knob is discrete. Hidden sizes are multiples of 32 x 16, so every head
count divides every hidden size, and every key/value head count divides every
head count, ``top_k`` is capped by ``experts`` and a request's decode starts from its prompt (its
``context`` knob is not used): no combination of allowed values is invalid. The vocabulary is
Llama-2's 32,000; the MLP is gated (SiLU), ``ffn_mult * hidden`` wide per expert.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from workloads.families.base import Family
from workloads.graph import Workload
from workloads.llm.build import build_llm
from workloads.llm.config import LlmConfig
from workloads.llm.spec import ACTIVATION_BITS, KV_BITS, WEIGHT_BITS, LlmRun, LlmSpec, Phase

FAMILY_NAME = "llm"
VOCAB = 32000
"""Vocabulary of the family's models (Llama-2's)."""

RUN_KNOBS = ("phase", "prompt", "context", "batch", "tokens", "wbits", "abits", "kvbits")
"""Knobs that say how to run the model (the rest shape it)."""


class LlmFamily(Family[LlmSpec]):
    """Decoder depth, width, heads, key/value heads, MLP width, experts; phase, lengths, batch, bits."""

    name = FAMILY_NAME
    knobs: Mapping[str, tuple[Any, ...]] = {
        "layers": (2, 4, 8, 12, 16, 24, 32),
        "hidden": (512, 1024, 1536, 2048, 3072, 4096),
        "heads": (8, 16, 32),
        "kv_heads": (1, 2, 4, 8),
        "ffn_mult": (2, 3, 4),
        "experts": (1, 4, 8),
        "top_k": (1, 2),
        "phase": tuple(p.value for p in Phase),
        "prompt": (128, 256, 512, 1024, 2048, 4096),
        "context": (0, 128, 256, 512, 1024, 2048, 4096, 8192),
        "batch": (1, 2, 4, 8, 16, 32, 64),
        "tokens": (1, 16, 64, 128, 256),
        "wbits": tuple(WEIGHT_BITS),
        "abits": tuple(ACTIVATION_BITS),
        "kvbits": tuple(KV_BITS),
    }
    default: Mapping[str, Any] = {
        "layers": 8,
        "hidden": 1024,
        "heads": 16,
        "kv_heads": 4,
        "ffn_mult": 3,
        "experts": 1,
        "top_k": 1,
        "phase": "decode",
        "prompt": 512,
        "context": 0,
        "batch": 1,
        "tokens": 1,
        "wbits": 16,
        "abits": 16,
        "kvbits": 16,
    }
    groups: Mapping[str, tuple[str, ...]] = {}

    def structure(self, choices: Mapping[str, Any]) -> LlmSpec:
        """The model and run of ``choices`` (``top_k`` capped by ``experts``; a request decodes from its prompt)."""
        full = self.choices(choices)
        config = LlmConfig(
            name=FAMILY_NAME,
            hidden=full["hidden"],
            layers=full["layers"],
            heads=full["heads"],
            kv_heads=full["kv_heads"],
            head_dim=full["hidden"] // full["heads"],
            ffn=full["ffn_mult"] * full["hidden"],
            vocab=VOCAB,
            experts=full["experts"],
            top_k=min(full["top_k"], full["experts"]),
            source="archsim llm family (Llama-style decoder)",
        )
        run_knobs = {k: full[k] for k in RUN_KNOBS}
        if run_knobs["phase"] == Phase.REQUEST.value:
            run_knobs["context"] = 0
        run = LlmRun(**run_knobs)
        return LlmSpec(FAMILY_NAME, config, run)

    def llm_spec(self, choices: Mapping[str, Any]) -> LlmSpec:
        """The spec of ``choices`` (what the LLM metrics read back from a built Workload)."""
        return self.structure(choices)

    def build_structure(self, structure: LlmSpec, name: str) -> Workload:
        """The Workload of a spec, renamed to ``name`` (the family spec string)."""
        workload = build_llm(structure)
        return dataclasses.replace(workload, name=name)


LLM_FAMILY = LlmFamily()
"""The family object registered under ``llm``."""
