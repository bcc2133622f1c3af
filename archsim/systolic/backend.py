"""The array namespace the cost model is written over: Python scalars for one design, numpy for many.

Every formula of the systolic model is written once, against the small set of
element-wise operations below, and evaluated both ways: :data:`SCALAR` runs it
on Python ints and floats (one op on one design, a few microseconds), and
:data:`NUMPY` on arrays of designs (the sweep/search path). Both use the same
IEEE operations in the same order, so the two evaluations agree bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

Num = Any
"""A Python int/float or a numpy array of them."""


def ceil_div(a: Num, b: Num) -> Num:
    """``ceil(a / b)`` for non-negative numbers (exact for integers, no float rounding)."""
    return -(-a // b)


class Ops(Protocol):
    """Element-wise operations the model needs (Python builtins or numpy ufuncs)."""

    def maximum(self, a: Num, b: Num) -> Num:
        """Element-wise larger of two values."""
        ...

    def minimum(self, a: Num, b: Num) -> Num:
        """Element-wise smaller of two values."""
        ...

    def where(self, cond: Num, a: Num, b: Num) -> Num:
        """``a`` where ``cond`` holds, else ``b`` (both already evaluated)."""
        ...

    def as_float(self, a: Num) -> Num:
        """``a`` as float64."""
        ...

    def rint(self, a: Num) -> Num:
        """Round half to even, as integers."""
        ...

    def any(self, a: Num) -> bool:
        """Whether any element is true (lets a formula skip work no design needs)."""
        ...


def _where(cond: Num, a: Num, b: Num) -> Num:
    return a if cond else b


def _maximum(a: Num, b: Num) -> Num:
    # ``max(a, b)`` (the first on a tie), without the builtin's iteration over its arguments (~2x slower).
    return a if a >= b else b


def _minimum(a: Num, b: Num) -> Num:
    # ``min(a, b)`` (the first on a tie).
    return a if a <= b else b


class ScalarOps:
    """:class:`Ops` on Python numbers (plain functions, ~0.05-0.1 us a call)."""

    def __init__(self) -> None:
        # Plain functions as instance attributes: the cheapest lookup and call for a Python number.
        self.maximum = _maximum
        self.minimum = _minimum
        self.where = _where
        self.as_float = float
        self.rint = round
        self.any = bool


@dataclass(frozen=True)
class NumpyOps:
    """:class:`Ops` on numpy arrays of designs."""

    @staticmethod
    def maximum(a: Num, b: Num) -> Num:
        return np.maximum(a, b)

    @staticmethod
    def minimum(a: Num, b: Num) -> Num:
        return np.minimum(a, b)

    @staticmethod
    def where(cond: Num, a: Num, b: Num) -> Num:
        return np.where(cond, a, b)

    @staticmethod
    def as_float(a: Num) -> Num:
        return np.asarray(a, dtype=np.float64)

    @staticmethod
    def rint(a: Num) -> Num:
        return np.rint(a).astype(np.int64)

    @staticmethod
    def any(a: Num) -> bool:
        return bool(np.any(a))


SCALAR = ScalarOps()
"""One design on Python numbers."""
NUMPY = NumpyOps()
"""Many designs on numpy arrays."""
