"""Learning curves of scheduling studies: a metric per episode, raw and as a rolling median, per run.

Input is the ``episodes`` list of ``archsim search --env archsim/SocSchedule-v0 --format json``
(a baseline's curve is flat noise around its level; PPO's shows it learning).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from archsim.plots.style import agent_color, new_figure

EPISODE_LABELS: dict[str, str] = {
    "slr": "schedule length ratio (makespan / critical-path bound)",
    "mean_normalised_latency": "mean job latency / its critical-path bound",
    "deadline_misses": "jobs past their deadline",
    "return": "episode return",
}
"""Axis label of each episode metric."""


def episode_curves(runs: Mapping[str, Sequence[float]], metric: str, window: int = 50) -> Figure:
    """One faint line per run (a value per episode) and its rolling median over ``window`` episodes."""
    figure, ax = new_figure(7.5, 4.2)
    for name, values in runs.items():
        y = np.asarray(values, dtype=float)
        x = np.arange(len(y))
        color = agent_color(name.split(" ")[0])
        ax.plot(x, y, color=color, alpha=0.25, linewidth=0.8)
        w = max(1, min(window, len(y)))
        smooth = np.array([np.median(y[max(0, k - w + 1) : k + 1]) for k in range(len(y))])
        ax.plot(x, smooth, color=color, linewidth=1.8, label=name)
    ax.set_xlabel("episode")
    ax.set_ylabel(EPISODE_LABELS.get(metric, metric))
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return figure


__all__ = ["EPISODE_LABELS", "episode_curves"]
