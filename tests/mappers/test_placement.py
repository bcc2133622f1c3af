"""Placement of fixed residency runs: greedy and MILP give disjoint spans, or None when nothing fits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mappers.ilp import place_with_ilp
from mappers.placement import Run, place_greedy

Placer = Callable[[list[Run], int], dict[Run, int] | None]


def _disjoint(placed: dict[Run, int], capacity: int) -> bool:
    for p, a in placed.items():
        if a < 0 or a + p.nbytes > capacity:
            return False
        for q, b in placed.items():
            if p is not q and p.first <= q.last and q.first <= p.last and a < b + q.nbytes and b < a + p.nbytes:
                return False
    return True


RUNS = [Run("a", 0, 2, 32), Run("b", 1, 3, 48), Run("c", 3, 4, 32), Run("d", 0, 0, 16, fixed=48), Run("e", 4, 4, 16)]


@pytest.mark.parametrize("placer", [place_greedy, lambda runs, cap: place_with_ilp(runs, cap, 5)])
def test_placements_are_disjoint_and_keep_fixed_runs(placer: Placer) -> None:
    placed = placer(RUNS, 96)
    assert placed is not None
    assert _disjoint(placed, 96)
    assert placed[RUNS[3]] == 48


@pytest.mark.parametrize("placer", [place_greedy, lambda runs, cap: place_with_ilp(runs, cap, 5)])
def test_over_capacity_step_has_no_placement(placer: Placer) -> None:
    assert placer(RUNS, 64) is None
