"""Random scheduling instances (layered DAGs, heterogeneous durations) for tests and benchmarks."""

from __future__ import annotations

import numpy as np

from mappers.multicore.problem import SchedulingProblem


def random_dag(seed: int, n: int, cores: int, homogeneous: bool = False) -> SchedulingProblem:
    """``n`` stacks, each reading 1-2 of the 6 before it; durations 10-99 cycles per core, comm 0-39."""
    rng = np.random.default_rng(seed)
    preds = tuple(
        tuple(sorted({int(p) for p in rng.integers(max(0, v - 6), v, rng.integers(1, 3))})) if v else ()
        for v in range(n)
    )
    if homogeneous:
        duration = tuple((int(d),) * cores for d in rng.integers(10, 100, n))
    else:
        duration = tuple(tuple(int(d) for d in rng.integers(10, 100, cores)) for _ in range(n))
    comm = tuple(int(c) for c in rng.integers(0, 40, n))
    return SchedulingProblem(duration, comm, preds, homogeneous)


__all__ = ["random_dag"]
