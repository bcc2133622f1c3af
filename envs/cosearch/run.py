"""Running a co-search through the search framework's runner (storage, resume, agents, workers).

The runner needs to know how to evaluate a co-search design: :func:`run_cosearch`
hands it a :class:`CoSearchFactory` whose accuracy cache lives in the study's own
database, so a resumed or parallel study never trains a network twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import envs.cosearch.terms  # noqa: F401  (registers the accuracy objective and the macs budget)
from envs.accuracy import AccuracyEvaluator, evaluator_name
from envs.cosearch.env import (
    DEFAULT_BUDGETS,
    DEFAULT_OBJECTIVES,
    DEFAULT_PENALTY,
    accuracy_evaluator,
    resolve_space,
)
from envs.cosearch.evaluate import CoSearchFactory
from envs.cosearch.space import CoSearchSpace
from envs.results import SearchResult, pareto_trials
from envs.runner import SearchConfig, run_search
from envs.storage import DEFAULT_STORAGE, Storage, Trial

ENV_ID = "archsim/CoSearch-v0"

FRONTS: dict[str, tuple[str, str]] = {
    "accuracy-energy": ("error_rate", "energy_pj"),
    "accuracy-latency": ("error_rate", "latency_s"),
    "accuracy-area": ("error_rate", "area_mm2"),
}
"""Accuracy-cost Pareto fronts reported by co-search (error rate = 1 - accuracy, minimised)."""


@dataclass(frozen=True)
class CoSearchRun:
    """One co-search study to run or resume.

    Attributes:
        agent: Agent name (``envs.agents.AGENTS``).
        budget: Designs to evaluate.
        seed: Agent seed.
        space: Co-search space name or object.
        family: Network family of the space.
        accuracy: ``"proxy"``, a ``.csv`` table, or an evaluator object.
        objectives: Objective weights (default: accuracy 10, energy 0.5).
        budgets: Specs as metric upper bounds (default: latency_s 2 ms, area_mm2 5).
        penalty_weight: Weight of each violated spec.
        storage: SQLAlchemy URL of the study (and of its accuracy cache).
        workers: Designs evaluated in parallel.
        agent_kwargs: Agent hyperparameters.
        study: Study name (default: derived from everything above but the budget).
        env_id: The registered env agents learn in (``archsim/HeteroCoSearch-v0`` for heterogeneous systems).
        factory: The evaluator recipe class (:class:`CoSearchFactory` or a subclass).
    """

    agent: str
    budget: int | None
    seed: int = 0
    space: str | CoSearchSpace = "cosearch-small"
    family: str = "ofa_mbv2"
    accuracy: AccuracyEvaluator | str = "proxy"
    objectives: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_OBJECTIVES))
    budgets: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BUDGETS))
    penalty_weight: float = DEFAULT_PENALTY
    storage: str = DEFAULT_STORAGE
    workers: int = 1
    agent_kwargs: Mapping[str, Any] = field(default_factory=dict)
    study: str | None = None
    env_id: str = ENV_ID
    factory: type[CoSearchFactory] = CoSearchFactory


def run_cosearch(run: CoSearchRun, progress: bool = True) -> SearchResult:
    """Run (or resume) a co-search study; its trials and accuracy cache go to ``run.storage``."""
    space = resolve_space(run.space, run.family)
    accuracy = accuracy_evaluator(run.accuracy, run.family)
    env_kwargs = {
        "space": space,
        "accuracy": accuracy,
        "objectives": dict(run.objectives),
        "budgets": dict(run.budgets),
        "penalty_weight": run.penalty_weight,
        "storage": run.storage,
    }
    config = SearchConfig(
        run.env_id,
        run.agent,
        run.budget,
        run.seed,
        workload=run.family,
        env_kwargs=env_kwargs,
        agent_kwargs=dict(run.agent_kwargs),
        workers=run.workers,
        storage=run.storage,
        study=run.study or study_name(run, space, accuracy),
    )
    return run_search(config, run.factory(space, accuracy, run.storage), progress)


def study_name(run: CoSearchRun, space: CoSearchSpace, accuracy: AccuracyEvaluator) -> str:
    """A stable name from the space, accuracy evaluator, reward, agent and seed (not the budget)."""
    identity = {
        "space": space.name,
        "knobs": {k.name: list(k.values) for k in space.knobs},
        "accuracy": evaluator_name(accuracy),
        "objectives": dict(run.objectives),
        "budgets": dict(run.budgets),
        "penalty_weight": run.penalty_weight,
        "agent": run.agent,
        "agent_kwargs": dict(run.agent_kwargs),
        "workers": run.workers,
    }
    digest = hashlib.sha1(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:10]
    prefix = run.env_id.split("/")[-1].rsplit("-v", 1)[0]  # CoSearch, HeteroCoSearch
    return f"{prefix}-{space.name}-{run.agent}-s{run.seed}-{digest}"


def study_trials(storage: str, study: str) -> list[Trial]:
    """Every stored trial of a study."""
    store = Storage(storage)
    try:
        return store.load(study)
    finally:
        store.close()


def accuracy_fronts(trials: Sequence[Trial], fronts: Mapping[str, tuple[str, str]] = FRONTS) -> dict[str, list[dict]]:
    """Accuracy-cost Pareto fronts of the trials: per front, its designs with accuracy and the cost."""
    out: dict[str, list[dict]] = {}
    for name, metrics in fronts.items():
        front = pareto_trials([t for t in trials if t.metrics.valid], metrics)
        out[name] = [
            {
                "trial": t.trial_id,
                "design": dict(t.design),
                "accuracy": t.metrics.get("accuracy"),
                metrics[1]: t.metrics.get(metrics[1]),
            }
            for t in front
        ]
    return out
