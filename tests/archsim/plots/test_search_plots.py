"""Learning/regret curves and study scatters read trials structurally and draw what the numbers say."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from archsim.plots import best_so_far, learning_curves, study_scatter
from archsim.plots.search import regret


@dataclass(frozen=True)
class Metrics:
    values: dict[str, float] = field(default_factory=dict)
    valid: bool = True

    def get(self, name: str) -> float:
        return self.values[name]


@dataclass(frozen=True)
class FakeTrial:
    trial_id: int
    reward: float
    metrics: Metrics


def _trials(rewards: list[float], valid: list[bool] | None = None) -> list[FakeTrial]:
    valid = valid or [True] * len(rewards)
    return [
        FakeTrial(i, r, Metrics({"latency_s": 1.0 / (1 + i), "energy_pj": 1e9 * (1 + i % 3)}, ok))
        for i, (r, ok) in enumerate(zip(rewards, valid, strict=True))
    ]


@given(st.lists(st.floats(-100, 100), min_size=1, max_size=40))
def test_best_reward_so_far_is_the_running_maximum(rewards: list[float]) -> None:
    best = best_so_far(_trials(rewards))
    assert best.tolist() == np.maximum.accumulate(rewards).tolist()
    assert (regret(best, max(rewards)) >= 0).all()


def test_minimised_metrics_ignore_invalid_designs_and_take_the_running_minimum() -> None:
    trials = _trials([0.0, 0.0, 0.0, 0.0], valid=[False, True, True, False])
    best = best_so_far(trials, "latency_s")
    assert np.isnan(best[0])
    assert best[1:].tolist() == [0.5, 1 / 3, 1 / 3]


def test_best_so_far_follows_trial_ids_not_list_order() -> None:
    trials = _trials([1.0, 5.0, 3.0])
    assert best_so_far(list(reversed(trials))).tolist() == [1.0, 5.0, 5.0]


def test_learning_curves_show_the_median_over_seeds_per_agent() -> None:
    runs = {
        "random": [_trials([0, 1, 2]), _trials([0, 2, 2]), _trials([1, 1, 4])],
        "bo": [_trials([0, 3, 3, 9]), _trials([1, 3, 5, 5])],
    }
    figure = learning_curves(runs, optimum=5.0)
    axes = figure.axes[0]
    lines = {line.get_label(): line for line in axes.get_lines()}
    median = lines["random: median of 3 seeds"].get_ydata()
    assert median.tolist() == [5.0, 4.0, 3.0]  # optimum 5 minus the median best-so-far (0, 1, 2)
    assert len(lines["bo: median of 2 seeds"].get_ydata()) == 4
    assert axes.get_xlabel() == "designs evaluated" and "regret" in axes.get_ylabel()
    figure.canvas.draw()


def test_learning_curves_need_studies() -> None:
    with pytest.raises(ValueError, match="at least one study"):
        learning_curves({"bo": []})


def test_study_scatter_marks_the_pareto_front_of_valid_designs() -> None:
    trials = [
        FakeTrial(0, 0.0, Metrics({"latency_s": 1.0, "energy_pj": 5.0})),
        FakeTrial(1, 0.0, Metrics({"latency_s": 2.0, "energy_pj": 2.0})),
        FakeTrial(2, 0.0, Metrics({"latency_s": 3.0, "energy_pj": 3.0})),
        FakeTrial(3, 0.0, Metrics({}, valid=False)),
    ]
    figure = study_scatter(trials)
    axes = figure.axes[0]
    front = next(line for line in axes.get_lines() if line.get_label().startswith("Pareto front"))
    assert front.get_xdata().tolist() == [1.0, 2.0]
    assert axes.get_xlabel() == "latency per inference (s)"
    assert axes.get_title().endswith("1 invalid")


def test_maximised_metrics_count_larger_as_better_on_the_front() -> None:
    trials = [
        FakeTrial(0, 0.0, Metrics({"latency_s": 1.0, "accuracy": 0.5})),
        FakeTrial(1, 0.0, Metrics({"latency_s": 2.0, "accuracy": 0.9})),
        FakeTrial(2, 0.0, Metrics({"latency_s": 3.0, "accuracy": 0.7})),
    ]
    figure = study_scatter(trials, "latency_s", "accuracy")
    front = next(line for line in figure.axes[0].get_lines() if line.get_label().startswith("Pareto front"))
    assert front.get_ydata().tolist() == [0.5, 0.9]
