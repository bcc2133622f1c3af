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
