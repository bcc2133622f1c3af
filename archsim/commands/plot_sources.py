"""Where ``archsim plot`` finds search trials: a saved ``archsim search --format json`` or a study storage URL."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workloads.errors import InputError

REGRET_COLUMNS = ("agent", "seed", "evaluations", "regret")
"""Columns of ``benchmarks/bench_agents.py``'s ``regret.csv`` that the regret figure reads (docs/search.md)."""


@dataclass(frozen=True)
class SavedMetrics:
    """The metrics of a trial as a search JSON records them (valid designs only)."""

    values: Mapping[str, float]
    valid: bool = True

    def get(self, name: str) -> float:
        """A metric by name."""
        if name not in self.values:
            raise InputError(f"metric {name!r} is not in the saved search; known: {', '.join(self.values)}")
        return float(self.values[name])


@dataclass(frozen=True)
class SavedTrial:
    """A trial rebuilt from a search JSON's ``best`` or ``pareto`` entry."""

    trial_id: int
    reward: float
    metrics: SavedMetrics = field(default_factory=lambda: SavedMetrics({}))


def is_storage_url(text: str) -> bool:
    """True for a SQLAlchemy URL (``sqlite:///study.db``, ``postgresql://...``) rather than a file."""
    return "://" in text


def trials_from_search_json(path: Path, data: Any) -> list[SavedTrial]:
    """The designs a search JSON keeps: its Pareto front and its best design (once each)."""
    if not isinstance(data, dict) or "pareto" not in data:
        raise InputError(f"{path}: not an `archsim search --format json` result (needs pareto)")
    entries = list(data["pareto"]) + ([data["best"]] if data.get("best") else [])
    unique = {int(e["trial"]): e for e in entries}
    return [
        SavedTrial(trial, float(e.get("reward", math.nan)), SavedMetrics(dict(e["metrics"])))
        for trial, e in sorted(unique.items())
    ]


@dataclass(frozen=True)
class StoredStudy:
    """One study of a storage: its name, identity (env, task, agent, seed...) and trials."""

    name: str
    identity: Mapping[str, Any]
    trials: list[Any]

    @property
    def agent(self) -> str:
        """The agent that ran the study."""
        return str(self.identity.get("agent", "?"))

    @property
    def task_key(self) -> str:
        """What the study optimised (env and task), to refuse mixing different tasks in one figure."""
        return json.dumps({"env": self.identity.get("env"), "task": self.identity.get("task")}, sort_keys=True)


def load_studies(url: str, names: Sequence[str] = ()) -> list[StoredStudy]:
    """Studies of the storage at ``url`` (those named in ``names``, or all), with their trials."""
    import sqlalchemy as sa

    from envs.storage import Storage

    storage = Storage(url)
    try:
        with storage.engine.connect() as conn:
            rows = conn.execute(sa.select(storage.studies.c.name, storage.studies.c.config)).all()
        known = {str(name): json.loads(config) for name, config in rows}
        missing = [n for n in names if n not in known]
        if missing:
            raise InputError(f"--study {missing[0]}: no such study in {url}; known: {', '.join(sorted(known))}")
        chosen = list(names) or sorted(known)
        studies = [StoredStudy(n, known[n], storage.load(n)) for n in chosen]
    finally:
        storage.close()
    studies = [s for s in studies if s.trials]
    if not studies:
        raise InputError(f"{url}: no study with evaluated designs")
    return studies


def single_task(studies: Sequence[StoredStudy], url: str) -> None:
    """Raise unless every study optimised the same task (curves of different tasks do not compare)."""
    if len({s.task_key for s in studies}) > 1:
        raise InputError(f"{url}: the studies optimise different tasks; choose some with --study NAME")


def regret_table(path: Path) -> dict[str, np.ndarray]:
    """Agent -> (seeds x evaluations) regret from a ``regret.csv``; ``inf`` (nothing feasible yet) becomes NaN."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REGRET_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            needs = ", ".join(REGRET_COLUMNS)
            raise InputError(f"{path}: not a regret.csv (missing column {missing[0]}; needs {needs})")
        series: dict[str, dict[str, dict[int, float]]] = {}
        for line, row in enumerate(reader, start=2):
            try:
                step, value = int(row["evaluations"]), float(row["regret"])
            except ValueError:
                raise InputError(f"{path}: row {line}: evaluations must be an integer and regret a number") from None
            series.setdefault(row["agent"], {}).setdefault(row["seed"], {})[step] = value
    if not series:
        raise InputError(f"{path}: no rows")
    table = {}
    for agent, seeds in series.items():
        length = min(max(steps) for steps in seeds.values())
        rows = [[steps.get(n, math.nan) for n in range(1, length + 1)] for steps in seeds.values()]
        values = np.array(rows, dtype=float)
        table[agent] = np.where(np.isinf(values), np.nan, values)
    return table
