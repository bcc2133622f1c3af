"""Heterogeneous co-search through co-search's runner (storage, resume, agents) and its joint-vs-sequential flows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from envs.accuracy import AccuracyEvaluator
from envs.cosearch.compare import Comparison
from envs.cosearch.run import CoSearchRun, run_cosearch
from envs.cosearch.space import CoSearchSpace
from envs.hetero.env import DEFAULT_SPACE, ENV_ID, HETERO_OBJECTIVES, HETERO_SPECS
from envs.hetero.evaluate import HeteroFactory
from envs.results import SearchResult
from envs.storage import DEFAULT_STORAGE

SEQUENTIAL_MACS_BUDGET = 100e6
"""The sequential flow's network phase: the most accurate network under 100 M MACs (the space spans 19-162 M)."""


def run_options() -> dict[str, Any]:
    """:class:`CoSearchRun` fields that make a co-search run a heterogeneous one (env, evaluator, space, reward)."""
    return {
        "env_id": ENV_ID,
        "factory": HeteroFactory,
        "space": DEFAULT_SPACE,
        "objectives": dict(HETERO_OBJECTIVES),
        "budgets": dict(HETERO_SPECS),
    }


def run_hetero(run: CoSearchRun, progress: bool = True) -> SearchResult:
    """Run (or resume) a heterogeneous co-search study (``run``'s space must be a hetero one)."""
    return run_cosearch(replace(run, env_id=ENV_ID, factory=HeteroFactory), progress)


def hetero_comparison(
    agent: str = "bo",
    budget: int = 60,
    seeds: Sequence[int] = (0, 1, 2),
    space: str | CoSearchSpace = DEFAULT_SPACE,
    accuracy: AccuracyEvaluator | str = "proxy",
    storage: str = DEFAULT_STORAGE,
    specs: Mapping[str, float] | None = None,
) -> Comparison:
    """Joint vs sequential on a hetero space under ``specs`` (default :data:`HETERO_SPECS`; see
    :mod:`envs.cosearch.compare`)."""
    return Comparison(
        agent=agent,
        budget=budget,
        seeds=tuple(seeds),
        space=space,
        accuracy=accuracy,
        specs=dict(HETERO_SPECS if specs is None else specs),
        macs_budget=SEQUENTIAL_MACS_BUDGET,
        objectives=dict(HETERO_OBJECTIVES),
        storage=storage,
        env_id=ENV_ID,
        factory=HeteroFactory,
    )


__all__ = ["SEQUENTIAL_MACS_BUDGET", "hetero_comparison", "run_hetero", "run_options"]
