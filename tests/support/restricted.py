"""Random scheduling problems whose tasks each refuse some cores (a heterogeneous SoC's capability limits)."""

from __future__ import annotations

import numpy as np

from mappers.multicore.problem import SchedulingProblem


def restricted_problem(seed: int, n: int, cores: int) -> SchedulingProblem:
    """A random DAG in topological order whose tasks each refuse a random subset of the cores (never all)."""
    rng = np.random.default_rng(seed)
    preds = tuple(
        tuple(sorted({int(p) for p in rng.integers(0, v, rng.integers(0, 3))})) if v else () for v in range(n)
    )
    allowed = []
    for _ in range(n):
        row = rng.random(cores) < 0.5
        row[rng.integers(0, cores)] = True
        allowed.append(tuple(bool(a) for a in row))
    duration = tuple(
        tuple(int(d) if ok else 0 for d, ok in zip(rng.integers(1, 30, cores), row, strict=True)) for row in allowed
    )
    comm = tuple(int(c) for c in rng.integers(0, 15, n))
    return SchedulingProblem(duration, comm, preds, False, tuple(allowed))
