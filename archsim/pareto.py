"""The Pareto front of a set of points: one function for the search results and the plots."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def pareto_front(*metrics: ArrayLike) -> np.ndarray:
    """Indices of the points that no other point dominates, every metric minimised.

    Give either one array per metric (``pareto_front(latency, energy)``) or one
    n points x k metrics matrix. A point is dominated by any point at most as large
    in every metric, so equal points are kept once (the first). Returned in
    lexicographic order of the metrics (first metric ascending): the order in
    which a front is drawn.
    """
    if len(metrics) == 1 and np.ndim(metrics[0]) == 2:
        points = np.asarray(metrics[0], dtype=float)
    else:
        points = np.column_stack([np.asarray(m, dtype=float) for m in metrics])
    order = np.lexsort(points.T[::-1])
    front: list[int] = []
    for index in order:
        if not front or not np.any(np.all(points[front] <= points[index], axis=1)):
            front.append(int(index))
    return np.array(front, dtype=int)
