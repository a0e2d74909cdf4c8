from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from app.db.types import UTCDateTime
from app.models import CalendarOverrideRow

ICT = timezone(timedelta(hours=7))


def test_instants_round_trip_as_utc(db_session: Session) -> None:
    local = datetime(2026, 2, 16, 8, 0, tzinfo=ICT)
    row = CalendarOverrideRow(
        day=local.date(), kind="day_off", reason="Tết", source="TB 9441/TB-BNV", created_at=local
    )
    db_session.add(row)
    db_session.flush()
    db_session.expire_all()
    stored = db_session.scalars(select(CalendarOverrideRow)).one()
    assert stored.created_at == local
    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at == datetime(2026, 2, 16, 1, 0, tzinfo=UTC)


def test_naive_instant_is_refused(db_session: Session) -> None:
    db_session.add(
        CalendarOverrideRow(
            day=datetime(2026, 1, 1).date(),
            kind="day_off",
            reason="x",
            source="y",
            created_at=datetime(2026, 1, 1, 8, 0),  # naive on purpose
        )
    )
    with pytest.raises(StatementError, match="naive datetime"):
        db_session.flush()


@pytest.mark.parametrize("value", [
    datetime(2026, 2, 16, 8, 0, tzinfo=ICT),
    datetime(2025, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(1999, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 3, 1, 0, 0, tzinfo=UTC),  # no microseconds: still written as .000000
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),  # a three-digit year: zero-padded
    None,
])
def test_the_sqlite_bind_writes_what_the_generic_chain_writes(value: datetime | None) -> None:
    """The fused SQLite processor equals process_bind_param followed by SQLite's DATETIME."""
    dialect = sqlite.dialect()
    column_type = UTCDateTime()
    fused = column_type.bind_processor(dialect)
    assert fused is not None
    chained = sqlite.DATETIME().bind_processor(dialect)
    assert chained is not None
    assert fused(value) == chained(column_type.process_bind_param(value, dialect))
    with pytest.raises(ValueError, match="naive"):
        fused(datetime(2026, 1, 1, 8, 0))


def test_the_postgresql_bind_keeps_the_instant_and_refuses_naive_values() -> None:
    dialect = psycopg.dialect()
    bind = UTCDateTime().bind_processor(dialect)
    assert bind is not None
    local = datetime(2026, 2, 16, 8, 0, tzinfo=ICT)
    assert bind(local) == datetime(2026, 2, 16, 1, 0, tzinfo=UTC)  # the same instant
    assert bind(None) is None
    with pytest.raises(ValueError, match="naive"):
        bind(datetime(2026, 1, 1, 8, 0))
