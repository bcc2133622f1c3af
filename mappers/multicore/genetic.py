"""A genetic search for allocations of large graphs (where the exact model is too slow).

A genome is a core per stack and a priority per stack; :func:`decode` turns it
into a schedule (ready stack of highest priority first, on its core). The
population starts from HEFT's allocation with its upward ranks as priorities
plus random genomes; tournament selection, uniform crossover, and mutation
(move a stack to another core that can run it, or perturb a priority). Elitist: the best genome
never gets worse, so the result is never worse than HEFT.
"""

from __future__ import annotations

import time

import numpy as np

from mappers.multicore.heft import heft, upward_rank
from mappers.multicore.problem import Allocation, SchedulingProblem, decode


def genetic(
    problem: SchedulingProblem,
    generations: int = 200,
    population: int = 32,
    seed: int = 0,
    time_limit: float = 8.0,
) -> Allocation:
    """The best allocation found within ``generations`` (or ``time_limit`` seconds)."""
    rng = np.random.default_rng(seed)
    n, cores = problem.n, problem.cores
    options = [problem.cores_for(u) for u in range(n)]

    def runnable(u: int, draw: int) -> int:
        """A draw in ``range(cores)`` as a core that can run stack ``u`` (the draw itself when it can)."""
        return draw if problem.allowed is None or problem.allowed[u][draw] else options[u][draw % len(options[u])]

    base = heft(problem)
    rank = upward_rank(problem)
    genomes: list[tuple[list[int], list[float]]] = [(list(base.core), list(rank))]
    scale = max(rank) if rank else 1.0
    while len(genomes) < population:
        draws = rng.integers(0, cores, n)
        genomes.append(([runnable(u, int(d)) for u, d in enumerate(draws)], list(rank + rng.normal(0, 0.1 * scale, n))))
    scored = [(decode(problem, c, p), (c, p)) for c, p in genomes]
    best = min(scored, key=lambda s: s[0].makespan)
    if base.makespan <= best[0].makespan:
        best = (base, genomes[0])
    began = time.perf_counter()
    for _ in range(generations):
        if time.perf_counter() - began > time_limit or cores == 1:
            break
        children = [best[1]]
        while len(children) < population:
            a = _tournament(scored, rng)
            b = _tournament(scored, rng)
            mask = rng.random(n) < 0.5
            core = [a[0][i] if mask[i] else b[0][i] for i in range(n)]
            prio = [a[1][i] if mask[i] else b[1][i] for i in range(n)]
            for i in np.flatnonzero(rng.random(n) < 1.0 / max(1, n)):
                core[i] = runnable(int(i), int(rng.integers(0, cores)))
            for i in np.flatnonzero(rng.random(n) < 1.0 / max(1, n)):
                prio[i] += float(rng.normal(0, 0.1 * scale))
            children.append((core, prio))
        scored = [(decode(problem, c, p), (c, p)) for c, p in children]
        top = min(scored, key=lambda s: s[0].makespan)
        if top[0].makespan < best[0].makespan:
            best = top
    return best[0]


def _tournament(scored: list, rng: np.random.Generator) -> tuple[list[int], list[float]]:
    picks = rng.integers(0, len(scored), 2)
    a, b = scored[picks[0]], scored[picks[1]]
    return (a if a[0].makespan <= b[0].makespan else b)[1]


__all__ = ["genetic"]
