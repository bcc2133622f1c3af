"""Grid sweeps: every design of a (restricted) space evaluated, one CSV row each."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from archsim.errors import InputError
from envs.evaluate import METRICS, Evaluator
from envs.spaces import DesignSpace

SWEEP_LIMIT = 2_000_000
"""Largest grid a sweep accepts."""


def grid(space: DesignSpace, choices: Mapping[str, Sequence[Any] | None]) -> DesignSpace:
    """The subspace to sweep: listed knobs over their listed values (None: all), others at the reference.

    With no choices at all, the whole space.
    """
    if not choices:
        return space
    full = {name: list(space.knob(name).values) if values is None else list(values) for name, values in choices.items()}
    sub = space.restrict(full, name=f"{space.name}-sweep")
    if sub.size > SWEEP_LIMIT:
        raise InputError(f"--knob: the grid has {sub.size} designs, more than {SWEEP_LIMIT}; list fewer values")
    return sub


def sweep_rows(space: DesignSpace, evaluator: Evaluator, chunk: int = 4096) -> list[dict[str, Any]]:
    """One row per design of ``space``: knob values, validity, metrics, error."""
    rows: list[dict[str, Any]] = []
    points = list(space.points())
    for start in range(0, len(points), chunk):
        batch = points[start : start + chunk]
        for point, metrics in zip(batch, evaluator.evaluate_many(batch), strict=True):
            row: dict[str, Any] = dict(space.decode(point))
            row["valid"] = metrics.valid
            for name in METRICS:
                row[name] = metrics.get(name) if metrics.valid else ""
            row["error"] = metrics.error
            rows.append(row)
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV text with a header row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
