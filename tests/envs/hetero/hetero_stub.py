"""A cheap stand-in accuracy for the heterogeneous co-search tests."""

from __future__ import annotations

from typing import Any


def stub_accuracy(choices: dict[str, Any]) -> float:
    """Wider networks with more expansion and bits score higher (instead of proxy training)."""
    return 0.6 + 0.2 * float(choices["s1_width"]) + 0.01 * int(choices["s1_expand"]) + 0.005 * int(choices["s1_bits"])
