"""HEFT list scheduling (Topcuoglu et al., IEEE TPDS 2002): the baseline allocator.

Stacks are ranked by their upward rank (mean duration over the cores that can
run them plus the longest path of mean communication and rank below them) and,
in that order, each goes to the core (of those that can run it) where it
finishes earliest, appended after the core's last stack (the insertion-free variant).
"""

from __future__ import annotations

from mappers.multicore.problem import Allocation, SchedulingProblem


def upward_rank(problem: SchedulingProblem) -> list[float]:
    """Mean duration plus the heaviest path to an exit (communication counted at its mean)."""
    mean = []
    for u, d in enumerate(problem.duration):
        cores = problem.cores_for(u)
        mean.append(sum(d[c] for c in cores) / len(cores))
    share = (problem.cores - 1) / problem.cores if problem.cores > 1 else 0.0
    rank = [0.0] * problem.n
    succs = problem.succs
    for u in reversed(range(problem.n)):  # stacks are in topological order
        rank[u] = mean[u] + max((problem.comm[u] * share + rank[v] for v in succs[u]), default=0.0)
    return rank


def heft(problem: SchedulingProblem) -> Allocation:
    """The HEFT allocation and order."""
    rank = upward_rank(problem)
    order = sorted(range(problem.n), key=lambda u: (-rank[u], u))
    free = [0] * problem.cores
    core = [0] * problem.n
    start = [0] * problem.n
    end = [0] * problem.n
    per_core: list[list[int]] = [[] for _ in range(problem.cores)]
    for v in order:
        best: tuple[int, int, int] | None = None
        for c in problem.cores_for(v):
            arrive = max((end[u] + problem.delay(u, core[u], c) for u in problem.preds[v]), default=0)
            begin = max(free[c], arrive)
            finish = begin + problem.duration[v][c]
            if best is None or (finish, c) < (best[0], best[2]):
                best = (finish, begin, c)
        assert best is not None
        finish, begin, c = best
        core[v], start[v], end[v], free[c] = c, begin, finish, finish
        per_core[c].append(v)
    return Allocation(tuple(core), tuple(start), tuple(tuple(o) for o in per_core), max(end, default=0))


__all__ = ["heft", "upward_rank"]
