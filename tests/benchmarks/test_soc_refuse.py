"""The baselines' schedule length ratios when cores refuse tasks (docs/soc.md's table, at its precision)."""

from __future__ import annotations

import bench_soc_refuse
import pytest

TABLE = {
    0.0: {"heft": 1.654, "peft": 1.646, "greedy": 1.779, "random": 2.967},
    0.3: {"heft": 1.682, "peft": 1.653, "greedy": 1.777, "random": 2.742},
    0.6: {"heft": 1.724, "peft": 1.702, "greedy": 1.788, "random": 2.477},
}


@pytest.mark.parametrize("refuse", sorted(TABLE))
def test_documented_row(refuse: float) -> None:
    row = bench_soc_refuse.mean_slr(refuse)
    assert {name: round(value, 3) for name, value in row.items()} == TABLE[refuse]
