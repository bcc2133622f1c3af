"""LLM-serving search: reward terms on serving figures, and the figures a design's metrics carry.

Importing this module registers the objectives ``energy_per_token`` (minimise
``energy_per_token_pj``) and ``tokens_per_s`` (maximise) and the budgets ``tpot_s``
and ``ttft_s`` (a tokens/s spec is a TPOT budget: ``tpot_s <= batch / tokens_per_s``).
:func:`serving_extras` copies an LLM workload's serving totals into
:class:`~envs.evaluate.DesignMetrics` ``extra``, where those terms read them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from envs.rewards import BUDGETS, OBJECTIVES, Term

SERVING_METRICS = ("ttft_s", "tpot_s", "tokens_per_s", "energy_per_token_pj")
"""Serving totals of an LLM workload (archsim.llm.metrics) that designs are scored on."""

OBJECTIVES.setdefault("energy_per_token", Term("energy_per_token", "energy_per_token_pj"))
OBJECTIVES.setdefault("tokens_per_s", Term("tokens_per_s", "tokens_per_s", sense=+1))
BUDGETS.setdefault("tpot_s", "tpot_budget")
BUDGETS.setdefault("ttft_s", "ttft_budget")


def serving_extras(total: Mapping[str, Any]) -> dict[str, float]:
    """The serving figures present in a simulation's ``total`` (none for a non-LLM workload)."""
    return {
        name: float(total[name])
        for name in SERVING_METRICS
        if isinstance(total.get(name), int | float) and math.isfinite(float(total[name]))
    }


WEIGHT_BITS_PERPLEXITY: dict[int, float] = {16: 5.47, 8: 5.47, 4: 5.60}
"""Llama-2-7B WikiText-2 perplexity by weight bits (weight-only quantisation, fp16 activations).

16: the fp16 model, 5.47; 4: INT4 with an fp16 scale per 128 weights (AWQ, Lin et al., MLSys 2024,
5.60; the same figures in github.com/dwithchenna/llm-quantization's AWQ run; GPTQ there: 5.87).
8: no 8-bit weight-only row in those tables: taken as the fp16 figure, as LLM.int8() (Dettmers
et al., NeurIPS 2022) and SmoothQuant (Xiao et al., ICML 2023) report 8-bit weights without a
measurable perplexity change (quoted from memory). Published figures, not measured by archsim.
"""


class PerplexityEvaluator:
    """Accuracy signal of a weight bit-width for LLM co-search: fp16 perplexity / perplexity at ``wbits``.

    1.0 for the fp16 model, below 1 as quantisation raises perplexity (4 bits: 5.47 / 5.60 = 0.977),
    from :data:`WEIGHT_BITS_PERPLEXITY` (Llama-2-7B on WikiText-2). It scores the bit-width only:
    the table's model is a 7B Llama, so it fits the 7B-class shapes of ``cosearch-llm-bits``.
    """

    name = "llm-perplexity:llama2-7b-wikitext2"

    def evaluate(self, choices: Mapping[str, Any]) -> float:
        """Relative perplexity of the choices' ``wbits`` (KeyError for a bit-width the table lacks)."""
        bits = int(choices["wbits"])
        return WEIGHT_BITS_PERPLEXITY[16] / WEIGHT_BITS_PERPLEXITY[bits]
