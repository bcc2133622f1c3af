"""Make the toy stand-in importable as ``toy`` from every test of this folder."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import os
from collections.abc import Iterator

import pytest
from support.postgres import OPT_OUT, PostgresServer

BACKENDS = ("sqlite", "postgresql")
"""Every storage test runs on both."""


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server per test process (pytest-xdist worker)."""
    if os.environ.get(OPT_OUT) == "skip":
        pytest.skip(f"{OPT_OUT}=skip: PostgreSQL storage tests skipped on request")
    server = PostgresServer()
    yield server
    server.close()


@pytest.fixture(params=BACKENDS)
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty study storage: a SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'study.db'}"
    return request.getfixturevalue("postgres_server").new_database()
