"""PostgreSQL databases for the partitioning tests; those tests skip on SQLite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from app.db.partitions import tables as partitioning
from app.db.session import make_engine

PG_ONLY = "PostgreSQL only: SQLite has no table partitions"


@pytest.fixture
def pg_engine(backend: str, fresh_database_url: str) -> Iterator[Engine]:
    """A fresh database at head: partitioned by migration 0004."""
    if backend != "postgresql":
        pytest.skip(PG_ONLY)
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def plain_pg_engine(pg_engine: Engine) -> Engine:
    """A fresh database in the plain layout of a database upgraded before 0004 existed, with
    the schema of head otherwise (what 0004's downgrade does, without leaving head: the current
    code, which seeds these tests, needs the columns later revisions added)."""
    with pg_engine.begin() as conn:
        partitioning.unpartition_tables(conn)
    return pg_engine
