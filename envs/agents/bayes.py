"""Bayesian and evolutionary agents from optuna: TPE, a Gaussian process, NSGA-II (multi-objective).

Optuna runs in memory through its ask/tell API; the study storage (not optuna's)
keeps the trials, and a resumed run replays them, so optuna's own storage is not needed.
Ordinal knobs are integer index ranges (samplers see their order), others categorical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archsim.errors import InputError
from envs.agents.base import AskTellAgent
from envs.agents.params import AT_LEAST_ONE, NON_NEGATIVE, UNIT, Range
from envs.spaces import Point
from envs.storage import Trial

if TYPE_CHECKING:
    from envs.runner import Study

MULTI_OBJECTIVE_DEFAULT: tuple[str, ...] = ("latency", "energy")
"""NSGA-II's objectives when the task weighs fewer than two."""


class OptunaAgent(AskTellAgent):
    """Shared ask/tell plumbing; subclasses choose the sampler."""

    def sampler(self) -> Any:
        """The optuna sampler."""
        raise NotImplementedError

    def objectives(self, trial: Trial) -> list[float]:
        """Values told to optuna (maximised)."""
        return [trial.reward]

    def setup(self, study: Study) -> None:
        """An in-memory optuna study over the knob indices."""
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.task = study.task
        self.distributions = {
            knob.name: optuna.distributions.IntDistribution(0, len(knob) - 1)
            if knob.ordinal
            else optuna.distributions.CategoricalDistribution(list(range(len(knob))))
            for knob in self.task.space.knobs
        }
        try:
            sampler = self.sampler()
        except TypeError as exc:
            raise InputError(f"agent {self.name}: bad parameter: {exc}") from None
        directions = ["maximize"] * len(self.objectives_names())
        self.study = optuna.create_study(directions=directions, sampler=sampler)
        self.asked: list[Any] = []

    def objectives_names(self) -> tuple[str, ...]:
        """Names of the told objectives."""
        return ("reward",)

    def ask(self, n: int) -> list[Point]:
        """``n`` designs from the sampler."""
        self.asked = [self.study.ask(self.distributions) for _ in range(n)]
        return [tuple(int(t.params[k.name]) for k in self.task.space.knobs) for t in self.asked]

    def tell(self, trials: list[Trial]) -> None:
        """Report each design's values."""
        for asked, trial in zip(self.asked, trials, strict=True):
            values = self.objectives(trial)
            self.study.tell(asked, values if len(values) > 1 else values[0])


class TpeAgent(OptunaAgent):
    """Tree-structured Parzen estimator (optuna's TPESampler)."""

    name = "bo"
    defaults = {"n_startup_trials": 10, "n_ei_candidates": 24, "multivariate": True}  # noqa: RUF012
    ranges = {"n_startup_trials": NON_NEGATIVE, "n_ei_candidates": AT_LEAST_ONE}  # noqa: RUF012

    def sampler(self) -> Any:
        """TPE seeded with the agent's seed."""
        import optuna

        return optuna.samplers.TPESampler(seed=self.seed, **self.params)


class GpAgent(OptunaAgent):
    """Gaussian-process Bayesian optimisation (optuna's GPSampler)."""

    name = "gp"
    defaults = {"n_startup_trials": 10}  # noqa: RUF012
    ranges = {"n_startup_trials": NON_NEGATIVE}  # noqa: RUF012

    def sampler(self) -> Any:
        """GP sampler seeded with the agent's seed (deterministic: results must replay)."""
        import warnings

        import optuna

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.GPSampler(seed=self.seed, deterministic_objective=True, **self.params)


class Nsga2Agent(OptunaAgent):
    """NSGA-II on the task's weighted objective terms (latency and energy when it weighs only one)."""

    name = "nsga2"
    defaults = {"population_size": 24, "mutation_prob": None, "crossover_prob": 0.9}  # noqa: RUF012
    ranges = {"population_size": Range(2), "mutation_prob": UNIT, "crossover_prob": UNIT}  # noqa: RUF012

    def sampler(self) -> Any:
        """NSGA-II seeded with the agent's seed."""
        import optuna

        return optuna.samplers.NSGAIISampler(seed=self.seed, **self.params)

    def objectives_names(self) -> tuple[str, ...]:
        """The task's objectives, or latency and energy."""
        weights = self.task.reward_fn.weights
        return tuple(weights) if len(weights) >= 2 else MULTI_OBJECTIVE_DEFAULT

    def objectives(self, trial: Trial) -> list[float]:
        """Each objective term, plus the budget and invalid penalties."""
        fn = self.task.reward_fn
        penalty = fn.penalty(trial.terms)
        if not trial.metrics.valid:
            return [penalty] * len(self.objectives_names())
        return [fn.objective_term(name, trial.metrics) + penalty for name in self.objectives_names()]
