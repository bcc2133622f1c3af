"""A cheap stand-in accuracy for co-search tests: more depth, width, resolution and bits score higher."""

from __future__ import annotations

from typing import Any

BIT_BONUS = {4: 0.0, 8: 0.08, 16: 0.1}


def stub_accuracy(choices: dict[str, Any]) -> float:
    """Accuracy in [0.4, 0.9] from the first stage's knobs and the resolution."""
    return (
        0.4
        + 0.05 * choices["s1_depth"]
        + 0.1 * choices["s1_width"]
        + BIT_BONUS[choices["s1_bits"]]
        + choices["resolution"] / 2240
    )


class StubAccuracy:
    """The stand-in as an evaluator object that counts its calls."""

    name = "stub"

    def __init__(self) -> None:
        self.calls = 0

    def evaluate(self, choices: dict[str, Any]) -> float:
        self.calls += 1
        return stub_accuracy(choices)
