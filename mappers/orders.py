"""Topological orders of the DAG: candidates for the schedule, and each op's feasible positions."""

from __future__ import annotations

from collections.abc import Callable

from mappers.problem import MappingProblem


def _list_schedule(problem: MappingProblem, pick: Callable[[list[int], list[int]], int]) -> list[int]:
    """A topological order built by repeatedly taking ``pick(ready, done)`` among ready ops."""
    remaining = [len(p) for p in problem.predecessors]
    ready = [i for i, n in enumerate(remaining) if n == 0]
    done: list[int] = []
    while ready:
        chosen = pick(ready, done)
        ready.remove(chosen)
        done.append(chosen)
        for s in sorted(problem.successors[chosen]):
            remaining[s] -= 1
            if remaining[s] == 0:
                ready.append(s)
    return done


def depth_first_order(problem: MappingProblem) -> list[int]:
    """Finish a branch before starting another: prefer the ready op that reads the newest output."""

    def pick(ready: list[int], done: list[int]) -> int:
        position = {op: k for k, op in enumerate(done)}

        def newest_input(i: int) -> tuple[int, int]:
            return (max((position[p] for p in problem.predecessors[i]), default=-1), -i)

        return max(ready, key=newest_input)

    return _list_schedule(problem, pick)


def memory_greedy_order(problem: MappingProblem) -> list[int]:
    """Prefer the ready op that grows the live activation bytes least (frees the most)."""
    readers_left = {t: len(c) for t, c in problem.consumers.items()}

    def pick(ready: list[int], done: list[int]) -> int:
        def growth(i: int) -> tuple[int, int]:
            op = problem.ops[i]
            freed = sum(problem.tensor_bytes[t] for t in op.inputs if readers_left[t] == 1)
            return (sum(problem.tensor_bytes[t] for t in op.outputs) - freed, i)

        chosen = min(ready, key=growth)
        for t in problem.ops[chosen].inputs:
            readers_left[t] -= 1
        return chosen

    return _list_schedule(problem, pick)


def candidate_orders(problem: MappingProblem) -> dict[str, list[int]]:
    """Named candidate orders: the workload's own, depth-first, and memory-greedy (duplicates dropped)."""
    orders = {
        "workload": list(range(len(problem.ops))),
        "depth_first": depth_first_order(problem),
        "memory_greedy": memory_greedy_order(problem),
    }
    unique: dict[str, list[int]] = {}
    for name, order in orders.items():
        if order not in unique.values():
            unique[name] = order
    return unique


def position_windows(problem: MappingProblem, order: list[int], radius: int | None) -> dict[int, tuple[int, int]]:
    """Per op of ``order`` (a whole order or a contiguous chunk of one), the local positions it may take.

    A position lies between the op's ASAP (ancestors inside ``order``) and ALAP
    (last position minus descendants inside ``order``) and, unless ``radius`` is
    None, within ``radius`` of its position in ``order``. With ``radius=None``
    every topological order of the chunk stays reachable.
    """
    local = {op: k for k, op in enumerate(order)}
    n = len(order)
    ancestors: dict[int, int] = {}
    for op in order:
        bits = 0
        for p in problem.predecessors[op]:
            if p in local:
                bits |= ancestors[p] | (1 << local[p])
        ancestors[op] = bits
    descendants: dict[int, int] = {}
    for op in reversed(order):
        bits = 0
        for s in problem.successors[op]:
            if s in local:
                bits |= descendants[s] | (1 << local[s])
        descendants[op] = bits
    windows: dict[int, tuple[int, int]] = {}
    for op in order:
        lo, hi = ancestors[op].bit_count(), n - 1 - descendants[op].bit_count()
        if radius is not None:
            lo, hi = max(lo, local[op] - radius), min(hi, local[op] + radius)
        windows[op] = (lo, hi)
    return windows
