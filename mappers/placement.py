"""Byte offsets for a schedule whose residency is already decided (dynamic storage allocation).

A tensor keeps one offset over each *run*: the steps it stays resident without
a reload. Two runs that share a step must not overlap in bytes. Runs carried in
from an earlier chunk keep their offsets. The greedy placer tries a few run
orders (largest first, earliest first, longest-lived first) and puts each run at
the lowest offset clear of the runs already placed that share a step with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mappers.problem import MappingProblem
from mappers.schedule import Plan

WINDOW = "@window"
"""Key of a streamed op's window in a run list."""


@dataclass(frozen=True)
class Run:
    """A tensor (or a streamed op's window) resident at one offset from step ``first`` to ``last``."""

    key: str
    first: int
    last: int
    nbytes: int
    fixed: int | None = None
    """Offset it must keep (carried in from the previous chunk)."""


def runs_of(problem: MappingProblem, plan: Plan, initial: dict[str, int]) -> list[Run]:
    """The runs of a plan whose ``resident`` dicts name tensors (their offsets are ignored)."""
    runs: list[Run] = []
    open_runs: dict[str, tuple[int, int | None]] = {}
    for t, resident in enumerate(plan.resident):
        before = plan.resident[t - 1] if t > 0 else initial
        for key in list(open_runs):
            if key not in resident or key in plan.loads[t]:
                first, fixed = open_runs.pop(key)
                runs.append(Run(key, first, t - 1, problem.tensor_bytes[key], fixed))
        for key in resident:
            if key not in open_runs:
                carried = t == 0 and key in before and key not in plan.loads[0]
                open_runs[key] = (t, initial[key] if carried else None)
        if plan.windows[t] is not None or problem.ops[plan.order[t]].streamed:
            runs.append(Run(f"{WINDOW}{t}", t, t, problem.ops[plan.order[t]].window_bytes))
    last = len(plan.resident) - 1
    runs.extend(Run(key, first, last, problem.tensor_bytes[key], fixed) for key, (first, fixed) in open_runs.items())
    return runs


def _lowest_gap(busy: list[tuple[int, int]], nbytes: int, capacity: int) -> int | None:
    cursor = 0
    for start, end in sorted(busy):
        if start - cursor >= nbytes:
            return cursor
        cursor = max(cursor, end)
    return cursor if capacity - cursor >= nbytes else None


def _place_in_order(runs: list[Run], capacity: int, key: Callable[[Run], tuple]) -> dict[Run, int] | None:
    placed: dict[Run, int] = {r: r.fixed for r in runs if r.fixed is not None}
    for run in sorted((r for r in runs if r.fixed is None), key=key):
        busy = [
            (off, off + other.nbytes)
            for other, off in placed.items()
            if other.first <= run.last and run.first <= other.last
        ]
        offset = _lowest_gap(busy, run.nbytes, capacity)
        if offset is None:
            return None
        placed[run] = offset
    return placed


ORDERS: dict[str, Callable[[Run], tuple]] = {
    "largest_first": lambda r: (-r.nbytes, r.first, r.key),
    "earliest_first": lambda r: (r.first, -r.nbytes, r.key),
    "longest_first": lambda r: (-(r.last - r.first), -r.nbytes, r.key),
}
"""Run orders the greedy placer tries, in turn."""


def place_greedy(runs: list[Run], capacity: int) -> dict[Run, int] | None:
    """Offsets for every run from the first order that fits them all, or None."""
    for key in ORDERS.values():
        placed = _place_in_order(runs, capacity, key)
        if placed is not None:
            return placed
    return None


def with_offsets(plan: Plan, placed: dict[Run, int]) -> Plan:
    """``plan`` with its resident offsets and window offsets set from placed runs."""
    resident: list[dict[str, int]] = [{} for _ in plan.resident]
    windows: list[int | None] = [None] * len(plan.resident)
    for run, offset in placed.items():
        for t in range(run.first, run.last + 1):
            if run.key.startswith(WINDOW):
                windows[t] = offset
            else:
                resident[t][run.key] = offset
    return Plan(order=list(plan.order), resident=resident, loads=[list(x) for x in plan.loads], windows=windows)
