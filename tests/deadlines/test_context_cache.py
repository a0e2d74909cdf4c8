"""The deadline context cached per process (app/deadlines/store/context_cache.py) is never
stale: an edit committed by another connection is seen by the next read, a rolled-back edit
never is, and while nothing changed the tables are not read again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from app.core.clock import utcnow
from app.deadlines.store import context_cache
from app.deadlines.store.sync import load_context
from app.ingest.group_commit import _one_group_at_a_time
from app.models import CalendarOverrideRow

A_WEDNESDAY = date(2031, 5, 14)


@pytest.fixture
def pg(engine: Engine, backend: str) -> Iterator[sessionmaker[Session]]:
    if backend != "postgresql":
        pytest.skip("the cache is PostgreSQL's (SQLite always reads the tables)")
    context_cache.clear()
    yield sessionmaker(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM calendar_override WHERE day = :d"), {"d": A_WEDNESDAY})
    context_cache.clear()


def _day_off(session: Session) -> None:
    session.add(CalendarOverrideRow(day=A_WEDNESDAY, kind="day_off", reason="test",
                                    source="test", created_at=utcnow()))
    session.flush()


def _reads_of_the_tables(engine: Engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def watch(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if "calendar_override" in statement or "agency_office_hours" in statement:
            seen.append(statement)

    return seen


def test_an_edit_committed_by_another_connection_is_seen_by_the_next_read(
    pg: sessionmaker[Session], engine: Engine
) -> None:
    with pg() as reader:
        assert load_context(reader).calendar.is_working_day(A_WEDNESDAY)
        reader.rollback()
        seen = _reads_of_the_tables(engine)
        assert load_context(reader).calendar.is_working_day(A_WEDNESDAY)
        assert seen == []  # unchanged: served from the cache
        reader.rollback()
        with pg() as editor:  # another connection (and, as well, another process or replica)
            _day_off(editor)
            editor.commit()
        assert not load_context(reader).calendar.is_working_day(A_WEDNESDAY)
        assert seen  # read again


def test_a_rolled_back_edit_is_never_served(pg: sessionmaker[Session]) -> None:
    with pg() as editor:
        _day_off(editor)
        # read inside the editing transaction: cached under that transaction's number
        assert not load_context(editor).calendar.is_working_day(A_WEDNESDAY)
        editor.rollback()
    with pg() as reader:
        assert load_context(reader).calendar.is_working_day(A_WEDNESDAY)


def test_a_push_group_reads_the_version_with_its_lock(
    pg: sessionmaker[Session], engine: Engine
) -> None:
    with pg() as warm:
        load_context(warm)
    with pg() as group:
        seen: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def watch(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        _one_group_at_a_time(group)
        load_context(group)
        event.remove(engine, "before_cursor_execute", watch)
        assert len(seen) == 1 and "pg_advisory_xact_lock" in seen[0]
        with pg() as editor:
            _day_off(editor)
            editor.commit()
        group.rollback()
        _one_group_at_a_time(group)
        assert not load_context(group).calendar.is_working_day(A_WEDNESDAY)
