"""Search figures: learning / regret curves per agent, and a study's design-space scatter with its Pareto front.

They read trials structurally (anything with ``trial_id``, ``reward`` and ``metrics``
offering ``valid`` and ``get(name)``, as ``envs.storage.Trial`` does), so that
``archsim`` keeps importing nothing from ``envs``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from archsim.pareto import pareto_front
from archsim.plots.style import COLORS, agent_color, new_figure

METRIC_LABELS: dict[str, str] = {
    "reward": "reward",
    "latency_s": "latency per inference (s)",
    "energy_pj": "energy per inference (pJ)",
    "edp_js": "energy-delay product (J·s)",
    "area_mm2": "area (mm²)",
    "power_w": "average power (W)",
    "accuracy": "accuracy (fraction correct)",
    "resource_pct": "FPGA resources used (%)",
}
"""Axis label (with unit) of each metric a study records."""

MAXIMISED: frozenset[str] = frozenset({"reward", "accuracy"})
"""Metrics where larger is better; every other metric is minimised."""


class TrialMetrics(Protocol):
    """What a trial's metrics offer (``envs.evaluate.DesignMetrics``)."""

    @property
    def valid(self) -> bool:
        """False when the design could not be built or run."""
        ...

    def get(self, name: str) -> float:
        """A metric by name."""
        ...


class TrialLike(Protocol):
    """One evaluated design of a study (``envs.storage.Trial``)."""

    @property
    def trial_id(self) -> int:
        """Evaluation number within the study, from 0."""
        ...

    @property
    def reward(self) -> float:
        """The reward the agent was given."""
        ...

    @property
    def metrics(self) -> TrialMetrics:
        """The design's metrics."""
        ...


def metric_label(name: str) -> str:
    """Axis label of a metric (its name when the unit is unknown)."""
    return METRIC_LABELS.get(name, name)


def trial_value(trial: TrialLike, metric: str) -> float:
    """The trial's ``metric`` (``reward`` included); NaN for a metric of an invalid design."""
    if metric == "reward":
        return float(trial.reward)
    if not trial.metrics.valid:
        return float("nan")
    return float(trial.metrics.get(metric))


def best_so_far(trials: Sequence[TrialLike], metric: str = "reward") -> np.ndarray:
    """Best value of ``metric`` after each evaluation, in trial order (NaN until a valid one is seen)."""
    ordered = sorted(trials, key=lambda t: t.trial_id)
    values = np.array([trial_value(t, metric) for t in ordered], dtype=float)
    sign = -1.0 if metric in MAXIMISED else 1.0
    keyed = np.where(np.isnan(values), np.inf, sign * values)
    best = sign * np.minimum.accumulate(keyed) if len(keyed) else keyed
    return np.where(np.isinf(best), np.nan, best)


def regret(best: np.ndarray, optimum: float, metric: str = "reward") -> np.ndarray:
    """Distance of best-so-far values from the optimum (>= 0; maximised metrics flip the sign)."""
    return optimum - best if metric in MAXIMISED else best - optimum


def learning_curves(
    runs: Mapping[str, Sequence[Sequence[TrialLike]]],
    metric: str = "reward",
    optimum: float | None = None,
    title: str | None = None,
    log_y: bool = False,
) -> Figure:
    """Best-so-far (or regret, given ``optimum``) vs evaluations: per agent the median over seeds and its spread.

    ``runs`` maps an agent name to its studies (one per seed); curves stop at the
    shortest study of the agent.
    """
    if not runs or not all(runs.values()):
        raise ValueError("learning_curves needs at least one study per agent")
    curves: dict[str, np.ndarray] = {}
    for agent, studies in runs.items():
        length = min(len(s) for s in studies)
        stacked = np.vstack([best_so_far(s, metric)[:length] for s in studies])
        curves[agent] = stacked if optimum is None else regret(stacked, optimum, metric)
    if optimum is None:
        label = f"best so far: {metric_label(metric)}"
    else:
        direction = "optimum − best so far" if metric in MAXIMISED else "best so far − optimum"
        label = f"regret in {metric_label(metric)}\n({direction})"
    return median_curves(curves, label, title, log_y, regret_axis=optimum is not None)


def median_curves(
    curves: Mapping[str, np.ndarray],
    y_label: str,
    title: str | None = None,
    log_y: bool = False,
    regret_axis: bool = False,
) -> Figure:
    """Per agent, an array (seeds x evaluations) drawn as its median over seeds with a spread band.

    The band spans the 25th-75th percentiles (min-max with fewer than four seeds); NaN
    entries (no valid design yet) are left out. ``regret_axis`` draws the zero line and,
    with ``log_y``, a log axis that is linear near zero so that reaching the optimum stays visible.
    """
    if not curves:
        raise ValueError("median_curves needs at least one agent")
    figure, axes = new_figure(8.0, 5.0)
    lowest, highest = np.inf, -np.inf
    for agent, values in curves.items():
        values = np.atleast_2d(np.asarray(values, dtype=float))
        seeds = values.shape[0]
        low, high = (25, 75) if seeds >= 4 else (0, 100)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns before the first valid design
            median = np.nanmedian(values, axis=0)
            lower = np.nanpercentile(values, low, axis=0)
            upper = np.nanpercentile(values, high, axis=0)
        x = np.arange(1, values.shape[1] + 1)
        colour = agent_color(agent)
        axes.plot(x, median, color=colour, lw=2, label=f"{agent}: median of {seeds} seed{'s' if seeds > 1 else ''}")
        axes.fill_between(x, lower, upper, color=colour, alpha=0.2, lw=0)
        if np.isfinite(lower).any():
            lowest = min(lowest, float(np.nanmin(lower)))
            highest = max(highest, float(np.nanmax(upper)))
    axes.set_xlabel("designs evaluated")
    axes.set_ylabel(y_label)
    if regret_axis:
        axes.axhline(0.0, color="black", lw=0.8)
    if log_y and regret_axis:
        axes.set_yscale("symlog", linthresh=1e-2)
        if np.isfinite(highest):
            axes.set_ylim(min(0.0, lowest), max(highest, 1e-2) * 2)
    elif log_y:
        axes.set_yscale("log")
    band = "interquartile range" if all(np.atleast_2d(v).shape[0] >= 4 for v in curves.values()) else "min-max"
    axes.set_title(title or "search progress per agent")
    axes.legend(fontsize=8, title=f"band over seeds: {band}", title_fontsize=8)
    return figure


def _plain_log_ticks(axis: Axis) -> None:
    """Label a log axis at 1-2-5 steps in plain numbers (no overlapping minor labels on short ranges)."""
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.4g}"))
    axis.set_minor_formatter(NullFormatter())


def study_scatter(
    trials: Sequence[TrialLike],
    x: str = "latency_s",
    y: str = "energy_pj",
    title: str | None = None,
    log: bool = True,
) -> Figure:
    """Every valid design of a study on two metrics, coloured by when it was evaluated, with the Pareto front.

    Metrics in :data:`MAXIMISED` (e.g. accuracy) count as better when larger for the front.
    """
    valid = sorted((t for t in trials if t.metrics.valid), key=lambda t: t.trial_id)
    if not valid:
        raise ValueError("study_scatter needs at least one valid design")
    xs = np.array([trial_value(t, x) for t in valid])
    ys = np.array([trial_value(t, y) for t in valid])
    order = np.array([t.trial_id for t in valid])
    sx = -1.0 if x in MAXIMISED else 1.0
    sy = -1.0 if y in MAXIMISED else 1.0
    front = pareto_front(sx * xs, sy * ys)
    front = front[np.argsort(xs[front])]
    figure, axes = new_figure(7.5, 5.0)
    cloud = axes.scatter(xs, ys, c=order, cmap="viridis", s=12, alpha=0.75, label=f"designs ({len(valid)})")
    axes.plot(
        xs[front],
        ys[front],
        "o-",
        color=COLORS["front"],
        ms=6,
        mfc="none",
        mew=1.5,
        drawstyle="steps-post",
        label=f"Pareto front ({len(front)})",
    )
    colourbar = figure.colorbar(cloud, ax=axes)
    colourbar.set_label("evaluation number")
    _metric_axes(axes, x, y, log)
    axes.set_title(title or f"design space: {len(valid)} designs, {len(trials) - len(valid)} invalid")
    axes.legend(fontsize=8)
    return figure


def studies_scatter(
    studies: Mapping[str, Sequence[TrialLike]],
    x: str = "latency_s",
    y: str = "energy_pj",
    title: str | None = None,
    log: bool = True,
) -> Figure:
    """Several studies on two metrics: one colour per study (legend), each with its own Pareto front.

    Metrics in :data:`MAXIMISED` (e.g. accuracy) count as better when larger for the fronts.
    """
    valid = {name: [t for t in trials if t.metrics.valid] for name, trials in studies.items()}
    valid = {name: trials for name, trials in valid.items() if trials}
    if not valid:
        raise ValueError("studies_scatter needs at least one valid design")
    sx = -1.0 if x in MAXIMISED else 1.0
    sy = -1.0 if y in MAXIMISED else 1.0
    figure, axes = new_figure(8.5, 5.2)
    for i, (name, trials) in enumerate(valid.items()):
        colour = f"C{i % 10}"
        xs = np.array([trial_value(t, x) for t in trials])
        ys = np.array([trial_value(t, y) for t in trials])
        front = pareto_front(sx * xs, sy * ys)
        front = front[np.argsort(xs[front])]
        axes.scatter(xs, ys, s=10, color=colour, alpha=0.45)
        axes.plot(
            xs[front],
            ys[front],
            "o-",
            color=colour,
            ms=5,
            drawstyle="steps-post",
            label=f"{name}: {len(trials)} designs, front {len(front)}",
        )
    _metric_axes(axes, x, y, log)
    axes.set_title(title or f"design space of {len(valid)} studies (points: designs; lines: each study's front)")
    axes.legend(fontsize=7, title="study", title_fontsize=8)
    return figure


def _metric_axes(axes: Any, x: str, y: str, log: bool) -> None:
    """Label both axes with their metrics; with ``log``, log scales on minimised metrics (plain tick labels)."""
    if log:
        if x not in MAXIMISED:
            axes.set_xscale("log")
            _plain_log_ticks(axes.xaxis)
        if y not in MAXIMISED:
            axes.set_yscale("log")
            _plain_log_ticks(axes.yaxis)
    axes.set_xlabel(metric_label(x))
    axes.set_ylabel(metric_label(y))
