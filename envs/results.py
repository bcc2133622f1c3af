"""A study's outcome: the best design, the Pareto front, as JSON or a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archsim.pareto import pareto_front
from envs.storage import Trial

if TYPE_CHECKING:
    from envs.runner import SearchConfig

PARETO_METRICS: tuple[str, ...] = ("latency_s", "energy_pj")
"""The front reported by default: latency against energy (both minimised)."""

BEST_METRICS: tuple[str, ...] = ("latency_s", "energy_pj", "edp_js", "area_mm2", "power_w")


def pareto_trials(trials: Sequence[Trial], metrics: Sequence[str] = PARETO_METRICS) -> list[Trial]:
    """Valid, distinct designs that no other design beats on every metric (ties kept once), by first metric."""
    unique: dict[tuple[int, ...], Trial] = {}
    for trial in trials:
        if trial.metrics.valid and trial.point not in unique:
            unique[trial.point] = trial
    candidates = list(unique.values())
    if not candidates:
        return []
    values = [[trial.metrics.get(m) for m in metrics] for trial in candidates]
    return [candidates[i] for i in pareto_front(values)]


def _entry(trial: Trial) -> dict[str, Any]:
    return {
        "trial": trial.trial_id,
        "design": dict(trial.design),
        # The common metrics, then the evaluator's own figures (e.g. accuracy in co-search).
        "metrics": {**{m: trial.metrics.get(m) for m in BEST_METRICS}, **trial.metrics.extra},
        "reward": trial.reward,
    }


@dataclass(frozen=True)
class SearchResult:
    """What ``archsim search`` reports."""

    study: str
    env_id: str
    agent: str
    seed: int
    budget: int
    evaluations: int
    simulated: int
    best: dict[str, Any] | None
    best_reward: float | None
    pareto: list[dict[str, Any]]
    reward_terms: dict[str, float]
    invalid: int
    seconds: float
    storage: str = ""
    resumed: int = 0
    violations: dict[str, dict[str, float]] = field(default_factory=dict)
    """Constraints the best design breaks: metric -> {"value", "bound"} (empty when it meets them all)."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object of DESIGN.md's contract (plus bookkeeping)."""
        return {
            "study": self.study,
            "env": self.env_id,
            "agent": self.agent,
            "seed": self.seed,
            "budget": self.budget,
            "evaluations": self.evaluations,
            "simulated_this_run": self.simulated,
            "invalid": self.invalid,
            "best": self.best,
            "best_reward": self.best_reward,
            "best_reward_terms": self.reward_terms,
            "pareto": self.pareto,
            "seconds": self.seconds,
            "storage": self.storage,
            "resumed_trials": self.resumed,
            "best_violates": self.violations,
        }

    def table(self) -> str:
        """A short human-readable report."""
        lines = [
            f"study        {self.study}"
            + (f" (resumed: {self.resumed} trials were already stored)" if self.resumed else ""),
            f"storage      {self.storage}",
            f"env / agent  {self.env_id} / {self.agent} (seed {self.seed})",
            f"evaluations  {self.evaluations} of {self.budget} ({self.simulated} simulated this run, "
            f"{self.invalid} invalid)",
        ]
        if self.best is None:
            lines.append("best         no valid design found")
            return "\n".join(lines)
        lines.append(f"best reward  {self.best_reward:.6g}")
        lines.append("best design  " + ", ".join(f"{k}={v}" for k, v in self.best["design"].items()))
        for metric, check in self.violations.items():
            lines.append(
                f"  VIOLATES   {metric} = {check['value']:.6g} > constraint {check['bound']:.6g}: "
                "no evaluated design meets every constraint"
            )
        width = max(len(name) for name in self.best["metrics"])
        for name, value in self.best["metrics"].items():
            lines.append(f"  {name:>{width}}={value:.6g}")
        lines.append(f"pareto ({' vs '.join(PARETO_METRICS)}): {len(self.pareto)} designs")
        header = f"  {'latency_s':>12} {'energy_pj':>12} {'area_mm2':>10}  design"
        lines.append(header)
        for entry in self.pareto:
            m = entry["metrics"]
            design = ", ".join(f"{k}={v}" for k, v in entry["design"].items())
            lines.append(f"  {m['latency_s']:>12.5g} {m['energy_pj']:>12.5g} {m['area_mm2']:>10.4g}  {design}")
        return "\n".join(lines)


def summarise(
    config: SearchConfig,
    name: str,
    trials: Sequence[Trial],
    simulated: int,
    seconds: float,
    resumed: int = 0,
    constraints: Sequence[tuple[str, float]] = (),
) -> SearchResult:
    """Best trial (highest reward among valid designs), the front, counts and the constraints the best breaks."""
    valid = [t for t in trials if t.metrics.valid]
    best = max(valid, key=lambda t: (t.reward, -t.trial_id)) if valid else None
    violations = {
        metric: {"value": best.metrics.get(metric), "bound": bound}
        for metric, bound in constraints
        if best is not None and best.metrics.get(metric) > bound
    }
    return SearchResult(
        study=name,
        env_id=config.env_id,
        agent=config.agent,
        seed=config.seed,
        budget=config.budget,
        evaluations=len(trials),
        simulated=simulated,
        best=_entry(best) if best else None,
        best_reward=best.reward if best else None,
        pareto=[_entry(t) for t in pareto_trials(trials)],
        reward_terms=dict(best.terms) if best else {},
        invalid=len(trials) - len(valid),
        seconds=seconds,
        storage=config.storage,
        resumed=resumed,
        violations=violations,
    )
