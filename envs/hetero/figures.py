"""Joint vs sequential figures: each flow's designs, its spec-meeting accuracy-cost fronts, medians with spread.

A flow's designs are every trial of its studies over all seeds (the sequential flow:
both phases). A design *meets the specs* when it is valid and each spec metric is at
most its bound; the fronts are drawn over those designs only (a front of designs
that break the latency, area or power spec is no answer to the design problem).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from envs.cosearch.compare import Outcome
from envs.cosearch.run import FRONTS, accuracy_fronts, study_trials
from envs.evaluate import DesignMetrics
from envs.storage import Trial

FIGURE_FRONTS: dict[str, tuple[str, str]] = {name: FRONTS[name] for name in ("accuracy-latency", "accuracy-energy")}
"""The two fronts of the issue: accuracy against latency and against energy."""


def meets_specs(metrics: DesignMetrics, specs: Mapping[str, float]) -> bool:
    """True when the design is valid and no spec metric exceeds its bound."""
    return metrics.valid and all(metrics.get(name) <= bound for name, bound in specs.items())


def flow_trials(outcomes: Sequence[Outcome], storage: str) -> dict[str, list[Trial]]:
    """Per flow, every trial of its studies over all seeds (flows in first-seen order)."""
    out: dict[str, list[Trial]] = {}
    for o in outcomes:
        trials = out.setdefault(o.flow, [])
        for study in o.studies:
            trials.extend(study_trials(storage, study))
    return out


def feasible_fronts(trials: Mapping[str, Sequence[Trial]], specs: Mapping[str, float]) -> dict[str, dict[str, list]]:
    """Per flow, the accuracy-latency and accuracy-energy fronts of its designs that meet ``specs``."""
    return {
        flow: accuracy_fronts([t for t in flow_designs if meets_specs(t.metrics, specs)], FIGURE_FRONTS)
        for flow, flow_designs in trials.items()
    }


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, minimum and maximum of ``values`` (NaN-free inputs expected)."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def flow_summary(
    outcomes: Sequence[Outcome], trials: Mapping[str, Sequence[Trial]], specs: Mapping[str, float]
) -> dict[str, dict[str, Any]]:
    """Per flow: final designs meeting the specs (of the seeds), medians with spread of their accuracy, latency,
    energy and area, and the share of all evaluated designs that met the specs."""
    out: dict[str, dict[str, Any]] = {}
    for flow, designs in trials.items():
        rows = [o for o in outcomes if o.flow == flow]
        met = [o for o in rows if o.meets_specs]
        feasible = sum(meets_specs(t.metrics, specs) for t in designs)
        out[flow] = {
            "seeds": len(rows),
            "final_meets_specs": len(met),
            "evaluated": len(designs),
            "evaluated_meeting_specs": feasible,
            "accuracy": spread([o.accuracy for o in met]) if met else None,
            "latency_s": spread([o.latency_s for o in met]) if met else None,
            "energy_pj": spread([o.energy_pj for o in met]) if met else None,
            "area_mm2": spread([o.area_mm2 for o in met]) if met else None,
        }
    return out


__all__ = ["FIGURE_FRONTS", "feasible_fronts", "flow_summary", "flow_trials", "meets_specs", "spread"]
