"""Integer helpers shared by the numpy model and its callers (work on Python ints and numpy arrays)."""

from __future__ import annotations

from typing import Any

Num = Any
"""A Python int/float or a numpy array of them."""


def ceil_div(a: Num, b: Num) -> Num:
    """``ceil(a / b)`` for non-negative numbers (exact for integers, no float rounding)."""
    return -(-a // b)
