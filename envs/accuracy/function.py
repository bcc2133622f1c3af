"""Wrap a plain function as an accuracy evaluator."""

from __future__ import annotations

from collections.abc import Callable

from envs.accuracy.base import Choices


class FunctionEvaluator:
    """An evaluator that calls ``fn(choices) -> accuracy``: bring your own data and training.

    Args:
        fn: returns the accuracy in [0, 1] of the network described by its argument.
        name: names the evaluator in the cache (defaults to the function's name), so
            scores of two different functions are never mixed up.
    """

    def __init__(self, fn: Callable[[Choices], float], name: str | None = None) -> None:
        if not callable(fn):
            raise ValueError(f"FunctionEvaluator: fn must be callable, got {fn!r}")
        self.fn = fn
        self.name = name or f"function:{getattr(fn, '__qualname__', type(fn).__name__)}"

    def evaluate(self, choices: Choices) -> float:
        """What the wrapped function returns for ``choices``."""
        return self.fn(choices)
