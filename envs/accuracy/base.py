"""The accuracy-evaluator interface and the record of one evaluation.

An evaluator turns a network's choices (knob name -> value, e.g. ``{"width_0": 24,
"bits": 8}``) into an accuracy in [0, 1]. Anything with that one method is an
evaluator: the proxy trainer, a wrapped function, a lookup table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

Choices = Mapping[str, Any]
"""A network's knob choices: knob name -> chosen value (JSON-serialisable)."""


@runtime_checkable
class AccuracyEvaluator(Protocol):
    """Anything that scores a network's choices with an accuracy in [0, 1]."""

    def evaluate(self, choices: Choices) -> float:
        """Accuracy of the network described by ``choices`` (may raise or return NaN on failure)."""
        ...


def canonical_key(choices: Choices) -> str:
    """Canonical JSON of ``choices`` (sorted keys, no spaces): the cache key of one architecture.

    Numpy scalars are turned into Python numbers first, so ``np.int64(3)`` and ``3``
    give the same key.
    """
    return json.dumps({str(k): _plain(v) for k, v in choices.items()}, sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def evaluator_name(evaluator: object) -> str:
    """The evaluator's ``name`` attribute, or its class name: which evaluator a cached score came from."""
    name = getattr(evaluator, "name", None)
    return str(name) if name else type(evaluator).__name__


@dataclass(frozen=True)
class AccuracyRecord:
    """Outcome of one accuracy evaluation: a score, or the error that stopped it.

    ``accuracy`` is None when the evaluation failed; ``error`` then says why.
    ``cached`` is True when the record came from the cache (nothing was trained).
    """

    key: str
    accuracy: float | None
    error: str | None
    seconds: float
    cached: bool = False

    @property
    def ok(self) -> bool:
        """True when the evaluation produced an accuracy."""
        return self.accuracy is not None


def checked_accuracy(value: Any) -> float:
    """``value`` as a float in [0, 1], or a ValueError saying what was wrong with it."""
    try:
        accuracy = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"evaluator returned {value!r}, not a number") from None
    if math.isnan(accuracy):
        raise ValueError("evaluator returned NaN")
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"evaluator returned {accuracy}, outside [0, 1]")
    return accuracy
