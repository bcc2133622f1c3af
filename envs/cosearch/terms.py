"""Reward terms co-search adds to the search framework's registries (``envs.rewards``).

``accuracy`` is an objective to maximise (``+log(accuracy / reference)``); ``macs``
can be capped by a budget, as the sequential baseline's FLOPs budget does.
"""

from __future__ import annotations

from envs.rewards import BUDGETS, OBJECTIVES, Term

OBJECTIVES.setdefault("accuracy", Term("accuracy", "accuracy", sense=+1))
BUDGETS.setdefault("macs", "macs_budget")
