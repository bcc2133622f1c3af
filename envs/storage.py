"""Study storage: trials committed as they finish, claimed before they run (SQLAlchemy, SQLite by default).

One row per trial, keyed by (study, trial id), so a run killed at any moment loses at
most the designs still being evaluated. Any SQLAlchemy URL works: with
``postgresql://...`` several processes on several machines share one study. Before a
process evaluates a trial it *claims* its id (one row per id, first insert wins), so
each design of a shared study is evaluated by one process; a claim whose owner died
(its process is gone, or its heartbeat stopped) is taken over.

A database that goes away mid-run (restart, failover, network) is retried with
exponential backoff for ``retry_seconds``; after that the run stops with one line
(:class:`StorageUnavailableError`), and the same command resumes it later.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from archsim.errors import InputError
from envs.evaluate import DesignMetrics
from envs.spaces import Design, Point

DEFAULT_STORAGE = "sqlite:///archsim-search.db"
DEFAULT_RETRY_SECONDS = 60.0
"""How long a run keeps retrying a database that went away before it stops (exit 2)."""

T = TypeVar("T")


class StorageUnavailableError(InputError):
    """The study's database stayed unreachable for the whole retry period."""


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


def driver_url(url: str) -> str:
    """``url`` with a PostgreSQL driver that is installed: ``postgresql://`` means psycopg2 to SQLAlchemy,
    so it becomes ``postgresql+psycopg://`` (psycopg 3, the ``test``/``postgres`` extras) when only that is there."""
    import importlib.util

    if (
        url.startswith("postgresql://")
        and importlib.util.find_spec("psycopg2") is None
        and importlib.util.find_spec("psycopg") is not None
    ):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def open_engine(url: str, owner: object | None = None) -> Any:
    """The one SQLAlchemy engine setup of archsim (studies and the accuracy cache share it).

    SQLite: a 60 s busy timeout and the WAL journal with ``synchronous=NORMAL`` (each
    commit survives a killed process, not a power cut). Others: connections are
    checked before use, so a restarted server is reconnected to. With ``owner``, its
    pooled connections are closed when ``owner`` is collected (not left to the driver's
    own clean-up, which warns about connections still open). Raises InputError
    (one line) when the URL is malformed, its driver is missing, or it cannot be opened.
    """
    import sqlalchemy as sa

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", sa.exc.SAWarning)
            if url.startswith("sqlite"):
                engine = sa.create_engine(url, connect_args={"timeout": 60})
                sa.event.listen(engine, "connect", _sqlite_pragmas)
            else:
                _quiet_driver_logs()
                engine = sa.create_engine(driver_url(url), pool_pre_ping=True, connect_args=_connect_args(url))
        ignored = [str(w.message).split(" (Background")[0] for w in caught if issubclass(w.category, sa.exc.SAWarning)]
        if not ignored:
            with engine.connect():
                pass
    except (ImportError, ValueError, TypeError, sa.exc.SQLAlchemyError) as exc:
        raise storage_error(url, f"cannot open the storage: {one_line(exc)}") from None
    if ignored:
        raise storage_error(url, f"the URL has parts its driver would ignore: {ignored[0]}")
    if owner is not None:
        weakref.finalize(owner, engine.dispose)
    return engine


def _quiet_driver_logs() -> None:
    """Keep psycopg's own warnings (e.g. a pipeline it could not close on a dead connection) off stderr:
    the storage layer retries such failures and reports the ones that last in its own single line."""
    logging.getLogger("psycopg").setLevel(logging.ERROR)


def _connect_args(url: str) -> dict[str, Any]:
    return {"connect_timeout": 10} if url.startswith("postgresql") else {}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def storage_error(url: str, detail: str) -> InputError:
    """A problem with the storage at ``url``: ``storage=`` in Python, ``--storage`` on the command line."""
    return InputError.option(f"storage {shown_url(url)}", f"--storage {shown_url(url)}", detail)


def shown_url(url: str) -> str:
    """``url`` as one line of a message: quoted with escapes when it holds control characters."""
    return url if url.isprintable() else repr(url)


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def insert_ignoring_duplicates(engine: Any, table: Any) -> Any:
    """An INSERT that skips rows whose primary key exists (SQLite and PostgreSQL; plain INSERT elsewhere)."""
    import sqlalchemy as sa

    name = engine.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        return insert(table).on_conflict_do_nothing()
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    return sa.insert(table)


def this_owner() -> str:
    """A claim owner id: host, process id and a random token (unique even when pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` ran on this host and its process is gone (a kill -9 is seen at once)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Storage:
    """Studies, their trials and the claims on trial ids, in a SQL database.

    Args:
        url: SQLAlchemy URL.
        retry_seconds: How long operations retry a database that went away.
    """

    def __init__(self, url: str = DEFAULT_STORAGE, retry_seconds: float = DEFAULT_RETRY_SECONDS) -> None:
        import sqlalchemy as sa

        self.url = url
        self.retry_seconds = retry_seconds
        self.retries = 0
        """Database errors survived by retrying (for reports and tests)."""
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
        self.claims = sa.Table(
            "archsim_claims",
            metadata,
            sa.Column("study", sa.String(200), primary_key=True),
            sa.Column("trial_id", sa.Integer, primary_key=True),
            sa.Column("owner", sa.String(200), nullable=False),
            sa.Column("heartbeat", sa.Float, nullable=False),
        )
        self.engine = open_engine(url, self)
        self._create_tables(metadata)

    def _create_tables(self, metadata: Any) -> None:
        """Create missing tables; processes starting together may race, so a clash is retried."""
        import sqlalchemy as sa

        for attempt in range(10):
            try:
                with self.engine.begin() as conn:
                    metadata.create_all(conn)
                return
            except sa.exc.SQLAlchemyError as exc:
                if attempt == 9:
                    raise storage_error(self.url, f"cannot open the storage: {one_line(exc)}") from None
                time.sleep(0.05 * (attempt + 1))

    def retrying(self, operation: Callable[[], T]) -> T:
        """Run ``operation``, retrying lost connections with exponential backoff (0.05 s doubling to 2 s).

        Raises StorageUnavailableError (one line) once the database has been unreachable for ``retry_seconds``.
        """
        import sqlalchemy as sa

        deadline = time.monotonic() + self.retry_seconds
        delay = 0.05
        while True:
            try:
                return operation()
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                if time.monotonic() + delay > deadline:
                    detail = (
                        f"the database was unreachable for {self.retry_seconds:g} s ({one_line(exc.orig or exc)}); "
                    )
                    raise StorageUnavailableError(
                        f"storage {self.url}: {detail}run the same search again to resume",
                        cli=f"--storage {self.url}: {detail}run the same command again to resume",
                    ) from None
                self.retries += 1
                time.sleep(delay)
                delay = min(2 * delay, 2.0)

    def open_study(self, name: str, config: Mapping[str, Any]) -> list[Trial]:
        """Create the study, or check it has the same config and return its trials."""
        import sqlalchemy as sa

        text = json.dumps(config, sort_keys=True)
        insert = insert_ignoring_duplicates(self.engine, self.studies)

        def create_or_read() -> str:
            with self.engine.begin() as conn:
                conn.execute(insert.values(name=name, config=text, created=time.time()))
                return str(conn.execute(sa.select(self.studies.c.config).where(self.studies.c.name == name)).scalar())

        stored_text = self.retrying(create_or_read)
        if stored_text != text:
            stored = json.loads(stored_text)
            differ = sorted(k for k in set(stored) | set(config) if stored.get(k) != config.get(k))
            detail = f"study {name!r} was made with a different {', '.join(differ)}; use another"
            raise InputError(
                f"storage {self.url}: {detail} study name", cli=f"--storage {self.url}: {detail} --study name"
            )
        return self.load(name)

    def load(self, study: str, first: int | None = None, last: int | None = None) -> list[Trial]:
        """The stored trials of a study by trial id (only ids ``first..last`` when given)."""
        import sqlalchemy as sa

        query = sa.select(self.trials).where(self.trials.c.study == study)
        if first is not None:
            query = query.where(self.trials.c.trial_id >= first)
        if last is not None:
            query = query.where(self.trials.c.trial_id <= last)

        def read() -> list[Any]:
            with self.engine.connect() as conn:
                return list(conn.execute(query.order_by(self.trials.c.trial_id)).all())

        return [_trial_of(r) for r in self.retrying(read)]

    def stored_ids(self, study: str, first: int, last: int) -> set[int]:
        """Ids of the stored trials in ``first..last`` (ids only: a cheap poll)."""
        import sqlalchemy as sa

        c = self.trials.c
        query = sa.select(c.trial_id).where(c.study == study, c.trial_id >= first, c.trial_id <= last)

        def read() -> set[int]:
            with self.engine.connect() as conn:
                return {int(i) for i in conn.execute(query).scalars()}

        return self.retrying(read)

    def load_ids(self, study: str, ids: Iterable[int]) -> list[Trial]:
        """The stored trials among ``ids``, by trial id."""
        import sqlalchemy as sa

        wanted = sorted(set(ids))
        c = self.trials.c

        def read() -> list[Any]:
            rows: list[Any] = []
            with self.engine.connect() as conn:
                for i in range(0, len(wanted), 500):
                    query = sa.select(self.trials).where(c.study == study, c.trial_id.in_(wanted[i : i + 500]))
                    rows.extend(conn.execute(query).all())
            return sorted(rows, key=lambda r: r.trial_id)

        return [_trial_of(r) for r in self.retrying(read)]

    def count(self, study: str) -> int:
        """Stored trials of a study."""
        import sqlalchemy as sa

        query = sa.select(sa.func.count()).select_from(self.trials).where(self.trials.c.study == study)

        def read() -> int:
            with self.engine.connect() as conn:
                return int(conn.execute(query).scalar_one())

        return self.retrying(read)

    def add(self, study: str, trial: Trial) -> None:
        """Commit one trial."""
        self.add_many(study, [trial])

    def add_many(self, study: str, trials: Sequence[Trial]) -> None:
        """Commit trials in one transaction; a trial id already stored keeps its first row."""
        if not trials:
            return
        now = time.time()
        rows = [
            {
                "study": study,
                "trial_id": t.trial_id,
                "point": json.dumps(list(t.point)),
                "design": json.dumps(t.design),
                "metrics": json.dumps(t.metrics.to_dict()),
                "reward": t.reward,
                "terms": json.dumps(dict(t.terms)),
                "seconds": t.seconds,
                "cached": t.cached,
                "finished": now,
            }
            for t in trials
        ]
        insert = insert_ignoring_duplicates(self.engine, self.trials)

        def write() -> None:
            with self.engine.begin() as conn:
                conn.execute(insert, rows)

        self.retrying(write)

    def claim(self, study: str, trial_ids: Iterable[int], owner: str) -> dict[int, tuple[str, float]]:
        """Claim every unclaimed id of ``trial_ids`` for ``owner``; return each id's claim as (owner, heartbeat)."""
        import sqlalchemy as sa

        ids = sorted(set(trial_ids))
        if not ids:
            return {}
        now = time.time()
        rows = [{"study": study, "trial_id": i, "owner": owner, "heartbeat": now} for i in ids]
        insert = insert_ignoring_duplicates(self.engine, self.claims)
        c = self.claims.c
        query = sa.select(c.trial_id, c.owner, c.heartbeat).where(
            c.study == study, c.trial_id >= ids[0], c.trial_id <= ids[-1]
        )

        def write_and_read() -> dict[int, tuple[str, float]]:
            with self.engine.begin() as conn:
                conn.execute(insert, rows)
                wanted = set(ids)
                found = conn.execute(query)
                return {int(r.trial_id): (r.owner, float(r.heartbeat)) for r in found if r.trial_id in wanted}

        return self.retrying(write_and_read)

    def claim_holders(self, study: str, first: int, last: int) -> dict[int, tuple[str, float]]:
        """Each claimed id in ``first..last`` -> (owner, heartbeat)."""
        import sqlalchemy as sa

        c = self.claims.c
        query = sa.select(c.trial_id, c.owner, c.heartbeat).where(
            c.study == study, c.trial_id >= first, c.trial_id <= last
        )

        def read() -> dict[int, tuple[str, float]]:
            with self.engine.connect() as conn:
                return {int(r.trial_id): (r.owner, float(r.heartbeat)) for r in conn.execute(query)}

        return self.retrying(read)

    def take_over(self, study: str, trial_id: int, old_owner: str, owner: str) -> bool:
        """Move a stale claim from ``old_owner`` to ``owner``; False when someone else moved it first."""
        import sqlalchemy as sa

        c = self.claims.c
        update = (
            sa.update(self.claims)
            .where(c.study == study, c.trial_id == trial_id, c.owner == old_owner)
            .values(owner=owner, heartbeat=time.time())
        )

        def write() -> bool:
            with self.engine.begin() as conn:
                return conn.execute(update).rowcount == 1

        return self.retrying(write)

    def heartbeat(self, study: str, owner: str) -> None:
        """Mark every claim of ``owner`` alive now (one try: a missed beat is harmless)."""
        import sqlalchemy as sa

        c = self.claims.c
        with self.engine.begin() as conn:
            conn.execute(sa.update(self.claims).where(c.study == study, c.owner == owner).values(heartbeat=time.time()))

    def release(self, study: str, trial_id: int, owner: str) -> None:
        """Drop ``owner``'s claim on ``trial_id`` (the exclusive study lock when an agent finishes)."""
        import sqlalchemy as sa

        c = self.claims.c
        delete = sa.delete(self.claims).where(c.study == study, c.trial_id == trial_id, c.owner == owner)

        def write() -> None:
            with self.engine.begin() as conn:
                conn.execute(delete)

        self.retrying(write)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def _trial_of(row: Any) -> Trial:
    return Trial(
        trial_id=int(row.trial_id),
        point=tuple(json.loads(row.point)),
        design=json.loads(row.design),
        metrics=DesignMetrics.from_dict(json.loads(row.metrics)),
        reward=float(row.reward),
        terms=json.loads(row.terms),
        seconds=float(row.seconds),
        cached=bool(row.cached),
    )
