"""Sequential design vs joint co-search under the same evaluation budget and specs (NASAIC's comparison).

Sequential: first search the network alone for accuracy under a MACs (FLOPs)
budget, on a fixed reference accelerator; then search the accelerator alone for
that network, minimising latency and energy under the specs. Joint: one co-search
over both with the same specs. Each spends ``budget`` design evaluations in all
(sequential: half per phase). The outcome says whether the final design meets
the specs and at what accuracy and cost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from envs.accuracy import AccuracyEvaluator
from envs.cosearch.env import DEFAULT_BUDGETS, DEFAULT_OBJECTIVES, accuracy_evaluator, resolve_space
from envs.cosearch.evaluate import CoSearchFactory
from envs.cosearch.run import ENV_ID, CoSearchRun, run_cosearch, study_trials
from envs.cosearch.space import HARDWARE, NETWORK, CoSearchSpace
from envs.results import SearchResult
from envs.storage import DEFAULT_STORAGE

HARDWARE_OBJECTIVES: dict[str, float] = {"latency": 1.0, "energy": 1.0}
"""What the sequential flow's hardware phase minimises for its fixed network."""


@dataclass(frozen=True)
class Comparison:
    """Settings shared by both flows.

    Attributes:
        agent: Agent of every search.
        budget: Design evaluations per flow (sequential: ``budget // 2`` for the network).
        seeds: Seeds to repeat both flows over.
        space: Co-search space name or object.
        family: Its network family.
        accuracy: Accuracy evaluator (``"proxy"``, a ``.csv`` table or an object).
        specs: Upper bounds every final design should meet (latency_s, area_mm2...).
        macs_budget: The sequential network search's MACs cap.
        objectives: The joint search's objective weights.
        storage: SQLAlchemy URL of the studies and of the shared accuracy cache.
        workers: Designs evaluated in parallel in every search.
        env_id: The env the searches' agents learn in.
        factory: The evaluator recipe class of the searches.
    """

    agent: str = "bo"
    budget: int = 60
    seeds: Sequence[int] = (0, 1, 2)
    space: str | CoSearchSpace = "cosearch-small"
    family: str = "ofa_mbv2"
    accuracy: AccuracyEvaluator | str = "proxy"
    specs: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BUDGETS))
    macs_budget: float = 150e6
    objectives: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_OBJECTIVES))
    storage: str = DEFAULT_STORAGE
    workers: int = 1
    env_id: str = ENV_ID
    factory: type[CoSearchFactory] = CoSearchFactory


@dataclass(frozen=True)
class Outcome:
    """The final design of one flow and seed, and whether it meets the specs."""

    flow: str
    seed: int
    accuracy: float
    latency_s: float
    energy_pj: float
    area_mm2: float
    macs: float
    meets_specs: bool
    violated: tuple[str, ...]
    design: Mapping[str, Any]
    studies: tuple[str, ...] = ()
    """The flow's studies in ``Comparison.storage``, in order (sequential: network phase, then hardware phase)."""

    def row(self) -> dict[str, Any]:
        """Plain data for JSON/CSV."""
        data = asdict(self)
        data["violated"] = ",".join(self.violated)
        data["studies"] = ",".join(self.studies)
        data["design"] = dict(self.design)
        return data


def outcome(
    flow: str,
    seed: int,
    result: SearchResult,
    storage: str,
    specs: Mapping[str, float],
    earlier: tuple[str, ...] = (),
) -> Outcome:
    """The best design of a study (``result``, stored in ``storage``), judged against ``specs``.

    ``earlier`` names the flow's studies before this one (the sequential flow's network phase).
    """
    studies = (*earlier, result.study)
    if result.best is None:
        violated = ("no valid design",)
        return Outcome(flow, seed, math.nan, math.inf, math.inf, math.inf, math.nan, False, violated, {}, studies)
    best = next(t for t in study_trials(storage, result.study) if t.trial_id == result.best["trial"])
    metrics = best.metrics
    violated = tuple(name for name, bound in specs.items() if metrics.get(name) > bound)
    return Outcome(
        flow,
        seed,
        metrics.get("accuracy"),
        metrics.latency_s,
        metrics.energy_pj,
        metrics.area_mm2,
        metrics.get("macs"),
        not violated,
        violated,
        dict(best.design),
        studies,
    )


def sequential(cmp: Comparison, seed: int) -> Outcome:
    """Network for accuracy under the MACs budget (reference hardware), then hardware for that network."""
    space = resolve_space(cmp.space, cmp.family)
    accuracy = accuracy_evaluator(cmp.accuracy, cmp.family)
    base = CoSearchRun(
        cmp.agent,
        cmp.budget // 2,
        seed,
        family=cmp.family,
        accuracy=accuracy,
        storage=cmp.storage,
        budgets={},
        workers=cmp.workers,
        env_id=cmp.env_id,
        factory=cmp.factory,
    )
    reference = space.decode(space.reference)
    network_space = space.only(NETWORK, reference, f"{space.name}-network")
    first = run_cosearch(
        replace(base, space=network_space, objectives={"accuracy": 1.0}, budgets={"macs": cmp.macs_budget}),
        progress=False,
    )
    if first.best is None:
        return outcome("sequential", seed, first, cmp.storage, cmp.specs)
    hardware_space = space.only(HARDWARE, first.best["design"], f"{space.name}-hardware")
    second = run_cosearch(
        replace(
            base,
            budget=cmp.budget - cmp.budget // 2,
            space=hardware_space,
            objectives=HARDWARE_OBJECTIVES,
            budgets=dict(cmp.specs),
        ),
        progress=False,
    )
    return outcome("sequential", seed, second, cmp.storage, cmp.specs, (first.study,))


def joint(cmp: Comparison, seed: int) -> Outcome:
    """One co-search over network and hardware with the specs as budgets."""
    accuracy = accuracy_evaluator(cmp.accuracy, cmp.family)
    run = CoSearchRun(
        cmp.agent,
        cmp.budget,
        seed,
        space=resolve_space(cmp.space, cmp.family),
        family=cmp.family,
        accuracy=accuracy,
        objectives=dict(cmp.objectives),
        budgets=dict(cmp.specs),
        storage=cmp.storage,
        workers=cmp.workers,
        env_id=cmp.env_id,
        factory=cmp.factory,
    )
    return outcome("joint", seed, run_cosearch(run, progress=False), cmp.storage, cmp.specs)


def compare(cmp: Comparison) -> list[Outcome]:
    """Both flows over every seed (sequential first, so the joint search may reuse its cached accuracies)."""
    return [flow(cmp, seed) for seed in cmp.seeds for flow in (sequential, joint)]


def summary(outcomes: Sequence[Outcome]) -> dict[str, dict[str, float]]:
    """Per flow: runs meeting the specs, and median accuracy, latency, energy and area."""
    out: dict[str, dict[str, float]] = {}
    for flow in dict.fromkeys(o.flow for o in outcomes):
        rows = [o for o in outcomes if o.flow == flow]
        out[flow] = {
            "runs": len(rows),
            "meet_specs": sum(o.meets_specs for o in rows),
            "median_accuracy": _median([o.accuracy for o in rows]),
            "median_latency_s": _median([o.latency_s for o in rows]),
            "median_energy_pj": _median([o.energy_pj for o in rows]),
            "median_area_mm2": _median([o.area_mm2 for o in rows]),
        }
    return out


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
