"""Integer helpers shared by the families' shape rules."""

from __future__ import annotations


def prime_factors(value: int) -> list[int]:
    """``value``'s prime factors in ascending order, repeated (``[]`` for 1)."""
    factors: list[int] = []
    factor = 2
    while factor * factor <= value:
        while value % factor == 0:
            factors.append(factor)
            value //= factor
        factor += 1
    if value > 1:
        factors.append(value)
    return factors
