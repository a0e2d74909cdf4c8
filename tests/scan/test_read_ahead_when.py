"""When the scan reads ahead (app/scan/read_ahead.py `wanted`): only where another process
reads the database as the scan's session sees it, and what the worker rebuilds of its context."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from app.db.session import make_engine, make_session_factory
from app.deadlines.calendar import CalendarOverride
from app.deadlines.calendar.civil import CivilServiceCalendar
from app.deadlines.hours import OfficeHours, OfficeHoursSchedule
from app.deadlines.store.sync import DeadlineContext, load_context
from app.models import Dossier
from app.scan import read_ahead
from app.scan import repository as scan_repository
from app.scan.read_ahead import ContextSpec
from tests.factories import local, make_agency

BATCH = 2
MON = local(2026, 3, 2, 8, 0)


def _session(url: str) -> tuple[Engine, Session]:
    engine = make_engine(url)
    return engine, make_session_factory(engine)()


def test_only_a_transaction_that_changed_nothing_reads_ahead(
    backend: str, fresh_database_url: str
) -> None:
    """The worker sees committed rows only: a transaction that changed one (flushed or not)
    scans in one process, where its own changes are seen."""
    engine, session = _session(fresh_database_url)
    enough, count = read_ahead.MIN_BATCHES * BATCH, read_ahead.MIN_BATCHES * BATCH

    def counted() -> int:
        return count

    try:
        if backend != "sqlite":
            assert not read_ahead.wanted(session, counted, BATCH, True)
            return
        session.scalar(select(Dossier.id))  # reading changes nothing; a transaction is open
        assert session.in_transaction()
        assert read_ahead.wanted(session, counted, BATCH, None)
        count = enough - 1
        assert not read_ahead.wanted(session, counted, BATCH, None)  # too small to pay
        assert read_ahead.wanted(session, counted, BATCH, True)  # asked: whatever the size
        assert not read_ahead.wanted(session, counted, BATCH, False)
        count = enough
        make_agency(session, "RA-X", "UBND xã Tân Phú")  # pending: flushed by the check
        assert not read_ahead.wanted(session, counted, BATCH, True)
        session.rollback()
        session.scalar(select(Dossier.id))
        assert read_ahead.wanted(session, counted, BATCH, True)
        assert scan_repository.in_wal_mode(session)
    finally:
        session.close()
        engine.dispose()


def test_not_where_a_reader_would_hold_up_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite database journalled by rollback (not WAL): the writer waits for readers."""
    plain = create_engine(f"sqlite:///{tmp_path / 'rollback.db'}")
    with Session(plain) as session:
        session.execute(text("PRAGMA journal_mode=DELETE"))
        assert not scan_repository.in_wal_mode(session)
    plain.dispose()
    engine, session = _session(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        session.scalar(text("SELECT 1"))
        assert read_ahead.wanted(session, lambda: 0, BATCH, True)
        monkeypatch.setattr(scan_repository, "in_wal_mode", lambda session: False)
        assert not read_ahead.wanted(session, lambda: 0, BATCH, True)
    finally:
        session.close()
        engine.dispose()


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning")  # mode=memory's pool
@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:",
                                 "sqlite:///file:ra?mode=memory&cache=shared&uri=true"])
def test_not_in_memory(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        assert not read_ahead.wanted(session, lambda: 10**6, BATCH, True)
    engine.dispose()


def test_the_worker_rebuilds_the_scans_deadline_context(db_session: Session) -> None:
    """Calendar overrides, the official schedule, every agency's office hours and the
    thresholds cross to the worker."""
    stored = load_context(db_session)
    holiday = CalendarOverride(local(2026, 3, 10, 0, 0).date(), "day_off", "Nghỉ bù", "test")
    half_days = OfficeHoursSchedule([(MON.date(), OfficeHours(
        sessions=((time(7, 30), time(11, 30)),)))])
    context = DeadlineContext(
        CivilServiceCalendar((*stored.calendar.overrides, holiday)),
        {**stored.schedules, 7: half_days}, Decimal("4"), Decimal("2"))
    rebuilt = ContextSpec.of(context).context()
    assert rebuilt.calendar.overrides == context.calendar.overrides
    assert rebuilt.calendar.official == context.calendar.official
    assert not rebuilt.calendar.is_working_day(holiday.day)
    assert rebuilt.schedules == context.schedules and rebuilt.schedule_for(7) == half_days
    assert (rebuilt.due_soon_hours, rebuilt.mismatch_hours) == (Decimal("4"), Decimal("2"))
