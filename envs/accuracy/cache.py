"""Per-architecture accuracy cache, so that no architecture is trained twice.

Scores are keyed by (evaluator name, canonical JSON of the network choices). The
SQL store keeps them in a table of the study's own database (any SQLAlchemy URL),
so resumed runs and other workers on the same study reuse them; every hit is
counted in the table.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

from envs.accuracy.base import (
    AccuracyEvaluator,
    AccuracyRecord,
    Choices,
    canonical_key,
    checked_accuracy,
    evaluator_name,
)

TABLE_NAME = "archsim_accuracy_cache"


class AccuracyStore(Protocol):
    """Where cached accuracy records live."""

    def get(self, namespace: str, key: str) -> AccuracyRecord | None:
        """The stored record (marked ``cached``) and one more hit counted, or None."""
        ...

    def put(self, namespace: str, record: AccuracyRecord) -> None:
        """Store ``record`` unless one with its key is already there."""
        ...


class MemoryStore:
    """A dict-backed store for one process (tests, quick runs)."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], AccuracyRecord] = {}
        self.hits: dict[tuple[str, str], int] = {}

    def get(self, namespace: str, key: str) -> AccuracyRecord | None:
        """The stored record (marked ``cached``), counting the hit."""
        record = self._records.get((namespace, key))
        if record is None:
            return None
        self.hits[(namespace, key)] = self.hits.get((namespace, key), 0) + 1
        return AccuracyRecord(record.key, record.accuracy, record.error, record.seconds, cached=True)

    def put(self, namespace: str, record: AccuracyRecord) -> None:
        """Keep the first record of each key."""
        self._records.setdefault((namespace, record.key), record)

    def __len__(self) -> int:
        return len(self._records)


class SqlStore:
    """A table in the study's database (SQLite by default; any SQLAlchemy URL), opened like the study storage
    (:func:`envs.storage.open_engine`: one engine setup for both).

    Args:
        url: SQLAlchemy URL of the study storage, e.g. ``sqlite:///study.db``.
    """

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        from envs.storage import one_line, open_engine, storage_error

        self.url = url
        self._engine = open_engine(url, self)
        metadata = sa.MetaData()
        self._table = sa.Table(
            TABLE_NAME,
            metadata,
            sa.Column("namespace", sa.String(200), primary_key=True),
            sa.Column("key", sa.String(2000), primary_key=True),
            sa.Column("accuracy", sa.Float, nullable=True),
            sa.Column("error", sa.Text, nullable=True),
            sa.Column("seconds", sa.Float, nullable=False),
            sa.Column("hits", sa.Integer, nullable=False, default=0),
            sa.Column("created", sa.Float, nullable=False),
        )
        try:
            metadata.create_all(self._engine)
        except sa.exc.SQLAlchemyError as exc:
            raise storage_error(url, f"cannot open the storage: {one_line(exc)}") from None

    def get(self, namespace: str, key: str) -> AccuracyRecord | None:
        """The stored record (marked ``cached``), counting the hit in the table."""
        import sqlalchemy as sa

        table = self._table
        where = sa.and_(table.c.namespace == namespace, table.c.key == key)
        with self._engine.begin() as conn:
            row = conn.execute(sa.select(table.c.accuracy, table.c.error, table.c.seconds).where(where)).first()
            if row is None:
                return None
            conn.execute(sa.update(table).where(where).values(hits=table.c.hits + 1))
        return AccuracyRecord(key, row.accuracy, row.error, row.seconds, cached=True)

    def put(self, namespace: str, record: AccuracyRecord) -> None:
        """Insert ``record``; a concurrent worker's earlier insert of the same key wins."""
        import sqlalchemy as sa

        values = {
            "namespace": namespace,
            "key": record.key,
            "accuracy": record.accuracy,
            "error": record.error,
            "seconds": record.seconds,
            "hits": 0,
            "created": time.time(),
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(sa.insert(self._table).values(**values))
        except sa.exc.IntegrityError:
            pass

    def hit_counts(self, namespace: str | None = None) -> dict[str, int]:
        """Architecture key -> times it was served from the cache."""
        import sqlalchemy as sa

        query = sa.select(self._table.c.key, self._table.c.hits)
        if namespace is not None:
            query = query.where(self._table.c.namespace == namespace)
        with self._engine.connect() as conn:
            return {row.key: int(row.hits) for row in conn.execute(query)}

    def __len__(self) -> int:
        import sqlalchemy as sa

        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(self._table)).scalar_one())


@dataclass
class CacheStats:
    """What the cache did in this process."""

    hits: int = 0
    misses: int = 0
    failures: int = 0

    @property
    def lookups(self) -> int:
        """Hits plus misses."""
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        """Fraction of lookups served from the cache (0 before any lookup)."""
        return self.hits / self.lookups if self.lookups else 0.0


class CachedEvaluator:
    """Runs an evaluator at most once per architecture and never lets it stop a search.

    An evaluator that raises, or returns NaN or a value outside [0, 1], gives a failed
    record with the error text; failures are cached too (the evaluators are
    deterministic, so a retry would fail the same way).

    Args:
        evaluator: the evaluator to wrap.
        store: where records live (default: a fresh in-memory store).
    """

    def __init__(self, evaluator: AccuracyEvaluator, store: AccuracyStore | None = None) -> None:
        if not callable(getattr(evaluator, "evaluate", None)):
            raise ValueError(f"CachedEvaluator: {evaluator!r} has no evaluate(choices) method")
        self.evaluator = evaluator
        self.store: AccuracyStore = store if store is not None else MemoryStore()
        self.namespace = evaluator_name(evaluator)
        self.name = self.namespace
        self.stats = CacheStats()

    def record(self, choices: Choices) -> AccuracyRecord:
        """The accuracy record of ``choices``: from the store, or from one fresh evaluation."""
        key = canonical_key(choices)
        cached = self.store.get(self.namespace, key)
        if cached is not None:
            self.stats.hits += 1
            return cached
        self.stats.misses += 1
        start = time.perf_counter()
        try:
            accuracy: float | None = checked_accuracy(self.evaluator.evaluate(dict(choices)))
            error = None
        except Exception as exc:  # any evaluator failure is data, not a crash of the search
            accuracy, error = None, f"{type(exc).__name__}: {exc}"
            self.stats.failures += 1
        record = AccuracyRecord(key, accuracy, error, time.perf_counter() - start)
        self.store.put(self.namespace, record)
        return record

    def evaluate(self, choices: Choices) -> float:
        """Accuracy of ``choices``, or NaN when the evaluation failed (see :meth:`record`)."""
        record = self.record(choices)
        return record.accuracy if record.accuracy is not None else math.nan
