"""Agent hyperparameters checked where they are given: known names, the default's type, a stated range.

``--param learning_rate=abc`` or ``--param gamma=2`` must fail in one line naming the agent, the
parameter and what is allowed, not deep inside stable-baselines3 or optuna (or, worse, train).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archsim.errors import InputError


@dataclass(frozen=True)
class Range:
    """Allowed values of a numeric parameter: ``low`` (excluded when ``open_low``) to ``high``, inclusive."""

    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False

    def holds(self, value: float) -> bool:
        """True when ``value`` is allowed."""
        above = value > self.low if self.open_low else value >= self.low
        return above and value <= self.high

    def text(self) -> str:
        """``> 0``, ``>= 2`` or ``in [0, 1]``."""
        if self.high == math.inf:
            return f"{'>' if self.open_low else '>='} {self.low:g}"
        return f"in {'(' if self.open_low else '['}{self.low:g}, {self.high:g}]"


POSITIVE = Range(0.0, open_low=True)
"""A strictly positive number (learning rates)."""
UNIT = Range(0.0, 1.0)
"""A probability or discount in [0, 1]."""
NON_NEGATIVE = Range(0.0)
"""Zero or more."""
AT_LEAST_ONE = Range(1.0)
"""One or more (counts)."""


def check_params(
    agent: str, params: Mapping[str, Any], defaults: Mapping[str, Any], ranges: Mapping[str, Range]
) -> None:
    """Refuse an unknown name, a value of another type than its default's, or a number out of its range.

    A parameter whose default is None takes None or a number in its range (when it has one), else anything.
    """
    for name, value in params.items():
        if name not in defaults:
            allowed = ", ".join(defaults) or "none"
            raise InputError(f"agent {agent}: unknown parameter {name!r}; allowed: {allowed}")
        default, bounds = defaults[name], ranges.get(name)
        if value is None and default is None:
            continue
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise _bad(agent, name, value, "true or false")
        elif isinstance(default, int) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, int):
                raise _bad(agent, name, value, "an integer" + (f" {bounds.text()}" if bounds else ""))
        elif isinstance(default, float) or (default is None and bounds is not None):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise _bad(agent, name, value, "a number" + (f" {bounds.text()}" if bounds else ""))
        elif isinstance(default, str) and not isinstance(value, str):
            raise _bad(agent, name, value, "a name")
        if bounds is not None and isinstance(value, int | float) and not bounds.holds(value):
            kind = "an integer" if isinstance(default, int) else "a number"
            raise _bad(agent, name, value, f"{kind} {bounds.text()}")


def _bad(agent: str, name: str, value: Any, allowed: str) -> InputError:
    """The one-line error of one bad parameter."""
    return InputError(f"agent {agent}: parameter {name}={value!r} is not allowed; it must be {allowed}")
