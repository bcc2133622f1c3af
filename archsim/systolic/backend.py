"""Arithmetic that runs unchanged on Python scalars and on numpy arrays.

The cost model is written once against the small :class:`Ops` interface; the
scalar path (one layer, one config) passes :data:`SCALAR`, the vectorised path
(one layer, many configs) passes :data:`NUMPY`. Both give bit-identical results
because they perform the same IEEE operations in the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

Num = Any
"""A Python int/float or a numpy array of them."""


@dataclass(frozen=True)
class Ops:
    """Element-wise helpers that differ between scalars and arrays."""

    maximum: Any
    minimum: Any
    where: Any
    sqrt: Any
    to_float: Any
    rint: Any
    """Round to the nearest integer (ties to even), as an int."""

    @staticmethod
    def ceil_div(a: Num, b: Num) -> Num:
        """``ceil(a / b)`` for non-negative integers (exact, no floats)."""
        return -(-a // b)


def _where(cond: Any, a: Any, b: Any) -> Any:
    return a if cond else b


SCALAR = Ops(maximum=max, minimum=min, where=_where, sqrt=math.sqrt, to_float=float, rint=round)
"""Ops on Python numbers."""

NUMPY = Ops(
    maximum=np.maximum,
    minimum=np.minimum,
    where=np.where,
    sqrt=np.sqrt,
    to_float=lambda x: np.asarray(x, dtype=np.float64),
    rint=lambda x: np.rint(x).astype(np.int64),
)
"""Ops on numpy arrays (broadcasting)."""
