"""Study storage: every evaluated design is committed as it finishes (SQLAlchemy, SQLite by default).

One row per trial, keyed by (study, trial id) and committed in its own transaction,
so a run killed at any moment loses at most the designs still being evaluated. Any
SQLAlchemy URL works (``postgresql://...`` lets several machines share a study).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archsim.errors import InputError
from envs.evaluate import DesignMetrics
from envs.spaces import Design, Point

DEFAULT_STORAGE = "sqlite:///archsim-search.db"


@dataclass(frozen=True)
class Trial:
    """One evaluated design of a study.

    ``cached`` is True when the design had been evaluated earlier in the study and its
    metrics were reused instead of simulated again.
    """

    trial_id: int
    point: Point
    design: Design
    metrics: DesignMetrics
    reward: float
    terms: Mapping[str, float]
    seconds: float = 0.0
    cached: bool = False


class Storage:
    """A study's trials in a SQL database."""

    def __init__(self, url: str = DEFAULT_STORAGE) -> None:
        import sqlalchemy as sa

        self.url = url
        metadata = sa.MetaData()
        self.studies = sa.Table(
            "archsim_studies",
            metadata,
            sa.Column("name", sa.String(200), primary_key=True),
            sa.Column("config", sa.Text, nullable=False),
            sa.Column("created", sa.Float, nullable=False),
        )
        self.trials = sa.Table(
            "archsim_trials",
            metadata,
            sa.Column("study", sa.String(200), primary_key=True),
            sa.Column("trial_id", sa.Integer, primary_key=True),
            sa.Column("point", sa.Text, nullable=False),
            sa.Column("design", sa.Text, nullable=False),
            sa.Column("metrics", sa.Text, nullable=False),
            sa.Column("reward", sa.Float, nullable=False),
            sa.Column("terms", sa.Text, nullable=False),
            sa.Column("seconds", sa.Float, nullable=False),
            sa.Column("cached", sa.Boolean, nullable=False),
            sa.Column("finished", sa.Float, nullable=False),
        )
        try:
            connect_args = {"timeout": 60} if url.startswith("sqlite") else {}
            self.engine = sa.create_engine(url, connect_args=connect_args)
            if url.startswith("sqlite"):
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.begin() as conn:
                if url.startswith("sqlite"):
                    # WAL + NORMAL: each commit survives a killed process (not a power cut), at a fraction of the cost.
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                metadata.create_all(conn)
        except (ImportError, sa.exc.SQLAlchemyError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"--storage {url}: cannot open the storage: {reason}") from None

    def open_study(self, name: str, config: Mapping[str, Any]) -> list[Trial]:
        """Create the study, or check it has the same config and return its trials."""
        import sqlalchemy as sa

        text = json.dumps(config, sort_keys=True)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(self.studies.c.config).where(self.studies.c.name == name)).first()
            if row is None:
                conn.execute(sa.insert(self.studies).values(name=name, config=text, created=time.time()))
                return []
        if row[0] != text:
            stored = json.loads(row[0])
            differ = sorted(k for k in set(stored) | set(config) if stored.get(k) != config.get(k))
            raise InputError(
                f"--storage {self.url}: study {name!r} was made with a different {', '.join(differ)}; "
                "use another --study name"
            )
        return self.load(name)

    def load(self, study: str) -> list[Trial]:
        """The stored trials of a study, by trial id."""
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(self.trials).where(self.trials.c.study == study).order_by(self.trials.c.trial_id)
            ).all()
        return [
            Trial(
                trial_id=int(r.trial_id),
                point=tuple(json.loads(r.point)),
                design=json.loads(r.design),
                metrics=DesignMetrics.from_dict(json.loads(r.metrics)),
                reward=float(r.reward),
                terms=json.loads(r.terms),
                seconds=float(r.seconds),
                cached=bool(r.cached),
            )
            for r in rows
        ]

    def add(self, study: str, trial: Trial) -> None:
        """Commit one trial."""
        import sqlalchemy as sa

        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(self.trials).values(
                    study=study,
                    trial_id=trial.trial_id,
                    point=json.dumps(list(trial.point)),
                    design=json.dumps(trial.design),
                    metrics=json.dumps(trial.metrics.to_dict()),
                    reward=trial.reward,
                    terms=json.dumps(dict(trial.terms)),
                    seconds=trial.seconds,
                    cached=trial.cached,
                    finished=time.time(),
                )
            )

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
