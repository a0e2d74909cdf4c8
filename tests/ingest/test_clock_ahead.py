"""New dossiers' clocks computed ahead by the read-ahead worker (app/ingest/clock_ahead.py,
app/deadlines/store/ahead.py): used only where they equal what the writer computes itself.

The writer-side tests hand `ingest_records` the worker's preparation of a page and compare the
stored clock columns with those the same page gets without it (in a transaction rolled back
before, so both start from the same database). Where the worker's values must not be used,
they are also forged (every due an hour late): had the writer used them, the dues differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.session import make_engine, make_session_factory
from app.deadlines.calendar.civil import CivilServiceCalendar
from app.deadlines.index import from_us
from app.deadlines.store import ahead as ahead_module
from app.ingest import read_ahead, upsert
from app.ingest.clock_ahead import load_snapshot
from app.ingest.read_ahead import Prepared, prepare
from app.ingest.runs import run_pull
from app.ingest.service import ingest_records
from app.models import Agency, AgencyOfficeHours, CalendarOverrideRow, Dossier, Procedure
from connectors import ConnectorState, Page, SourceRecord
from tests.conftest import DatabaseFactory
from tests.factories import make_agency, make_procedure
from tests.ingest.payloads import as_records, dossier, stamp, step

NOW = datetime(2025, 9, 15, 3, 0, tzinfo=UTC)
HOUR_US = 3_600_000_000
PROCEDURE = "1.001234"
CLOCK = (Dossier.code, Dossier.status, Dossier.received_at, Dossier.clock_started_at,
         Dossier.due_at, Dossier.due_is_legal, Dossier.paused_since,
         Dossier.paused_working_minutes, Dossier.classification, Dossier.classified_as_of,
         Dossier.appointment_mismatch, Dossier.finished_at, Dossier.returned_at)


@pytest.fixture
def session(fresh_database_url: str) -> Iterator[Session]:
    engine = make_engine(fresh_database_url)
    with make_session_factory(engine)() as s:
        make_agency(s, "H21.65")
        make_procedure(s, PROCEDURE, "5", "working_days")
        s.commit()
        yield s
    engine.dispose()


def _code(n: int) -> str:
    return f"H21.65-250908-{n:04d}"


def _page(*payloads: dict[str, Any]) -> list[SourceRecord]:
    return as_records(list(payloads))


def _prepared(session: Session, records: list[SourceRecord]) -> Prepared:
    snapshot = load_snapshot(session)
    session.rollback()
    return prepare(records, snapshot, CivilServiceCalendar(snapshot.overrides))


def _forged(prepared: Prepared) -> Prepared:
    """Every clock computed ahead, with its due an hour late."""
    assert prepared.clocks is not None
    return replace(prepared, clocks=[None if c is None else c._replace(due_us=c.due_us + HOUR_US)
                                     for c in prepared.clocks])


def _worker_due(prepared: Prepared) -> datetime:
    assert prepared.clocks is not None and prepared.clocks[0] is not None
    return from_us(prepared.clocks[0].due_us)


def _clocks(session: Session) -> list[Any]:
    return sorted(session.execute(select(*CLOCK)).all())


def _ingest(session: Session, records: list[SourceRecord], prepared: Prepared | None,
            now: datetime = NOW) -> list[Any]:
    ingest_records(session, "t", records, now, prepared=prepared)
    session.flush()
    return _clocks(session)


def _without_and_with(session: Session, records: list[SourceRecord], prepared: Prepared,
                      now: datetime = NOW) -> tuple[list[Any], list[Any]]:
    alone = _ingest(session, records, None, now)
    session.rollback()
    return alone, _ingest(session, records, prepared, now)


def test_a_new_dossier_alone_in_its_page_takes_the_workers_clock(session: Session) -> None:
    records = _page(dossier(_code(1)), dossier(_code(2), NgayHenTra=stamp(10, 17)),
                    dossier(_code(3), TrangThaiHoSo="10", NgayKetThucXuLy=stamp(12, 10),
                            NgayTra=stamp(12, 15)))
    prepared = _prepared(session, records)
    assert prepared.clocks is not None and all(c is not None for c in prepared.clocks)
    alone, helped = _without_and_with(session, records, prepared)
    assert helped == alone  # every clock column, the classification included
    session.rollback()
    forged = _ingest(session, records, _forged(prepared))
    # the control: the worker's values were used
    assert [f.due_at - a.due_at for f, a in zip(forged, alone, strict=True)] == [
        timedelta(hours=1)] * 3


def test_a_dossier_stored_already_is_not_taken_for_new(session: Session) -> None:
    first = _page(dossier(_code(1), steps=[step(_code(1), stamp(8, 8, 30), 2, "Tiếp nhận")]))
    ingest_records(session, "t", first, NOW)
    session.commit()
    again = _page(dossier(_code(1)))  # a later snapshot with one step more
    prepared = _forged(_prepared(session, again))
    alone, helped = _without_and_with(session, again, prepared)
    assert helped == alone


def test_a_dossier_twice_in_its_page_is_computed_by_the_writer(session: Session) -> None:
    one = _prepared(session, _page(dossier(_code(1))))
    assert one.clocks is not None and one.clocks[0] is not None
    twice = _page(dossier(_code(1)), dossier(_code(1), TrangThaiHoSo="9",
                                             NgayKetThucXuLy=stamp(11, 10)))
    prepared = _prepared(session, twice)
    assert prepared.clocks == [None, None]  # the worker leaves them alone
    # and the writer refuses a clock for a code named twice, whoever sent it
    forged = _forged(replace(prepared, clocks=[one.clocks[0], one.clocks[0]]))
    alone, helped = _without_and_with(session, twice, forged)
    assert helped == alone


def test_a_dossier_with_a_step_record_in_its_page_is_computed_by_the_writer(
    session: Session,
) -> None:
    lone = _prepared(session, _page(dossier(_code(1))))
    assert lone.clocks is not None
    records = [*_page(dossier(_code(1))),
               *as_records([step(_code(1), stamp(10, 9), 5, "Yêu cầu bổ sung")], kind="progress")]
    prepared = _forged(replace(_prepared(session, records), clocks=[lone.clocks[0], None]))
    alone, helped = _without_and_with(session, records, prepared)
    assert helped == alone


def test_a_calendar_change_after_the_worker_read_it_is_seen(session: Session) -> None:
    records = _page(dossier(_code(1)), dossier(_code(2)))
    prepared = _prepared(session, records)
    session.add(CalendarOverrideRow(day=date(2025, 9, 11), kind="day_off", reason="Bão",
                                    source="test", created_by=None, created_at=NOW))
    session.commit()
    alone, helped = _without_and_with(session, records, prepared)
    assert helped == alone
    assert helped[0].due_at != _worker_due(prepared)  # the change moved the due


def test_a_catalogue_change_after_the_worker_read_it_is_seen(session: Session) -> None:
    records = _page(dossier(_code(1)))
    prepared = _prepared(session, records)
    procedure = session.scalars(select(Procedure).where(Procedure.code == PROCEDURE)).one()
    procedure.processing_time = procedure.processing_time * 2
    session.commit()
    alone, helped = _without_and_with(session, records, prepared)
    assert helped == alone
    assert helped[0].due_at != _worker_due(prepared)


def test_office_hours_set_after_the_worker_read_them_are_seen(session: Session) -> None:
    records = _page(dossier(_code(1)))
    prepared = _prepared(session, records)
    agency_id = session.scalars(select(Agency.id).where(Agency.code == "H21.65")).one()
    session.add(AgencyOfficeHours(agency_id=agency_id, effective_from=date(2025, 1, 1),
                                  sessions=[["08:00", "12:00"]], created_at=NOW))
    session.commit()
    alone, helped = _without_and_with(session, records, prepared)
    assert helped == alone
    assert helped[0].due_at != _worker_due(prepared)


def test_a_now_before_a_step_the_worker_read_is_computed_by_the_writer(
    session: Session,
) -> None:
    records = _page(dossier(_code(1)))  # its second step is at 9 September 09:00 local
    earlier = datetime(2025, 9, 9, 1, 0, tzinfo=UTC)  # 08:00 local, before that step
    prepared = _forged(_prepared(session, records))
    alone, helped = _without_and_with(session, records, prepared, earlier)
    assert helped == alone


# -- through the worker process ------------------------------------------------------------------


class MixedConnector:
    """Pages of new dossiers (steps, pauses, finishes, appointments), a code sent twice in a
    page, a code sent again in a later page, a step record for a new dossier."""

    name: ClassVar[str] = "mixed"

    def pages(self, state: ConnectorState) -> Iterator[Page]:
        for number in range(int(state.cursor or 0) + 1, 4):
            payloads = [self._payload(number, n) for n in range(12)]
            records = as_records(payloads)
            if number == 2:  # a step for page 2's first dossier, in the same page
                records += as_records([step(_code(200), stamp(11, 9), 9, "Hoàn thành")],
                                      kind="progress")
            yield Page(records, ConnectorState(cursor=str(number)), number)

    @staticmethod
    def _payload(page: int, n: int) -> dict[str, Any]:
        code = _code(page * 100 + n)
        if n == 11:
            code = _code(100)  # page 1's first dossier again (and twice in page 1)
        if n % 4 == 1:  # waits for a supplement: paused
            return dossier(code, status=5, steps=[
                step(code, stamp(8, 8, 30), 2, "Tiếp nhận"),
                step(code, stamp(9, 10), 5, "Yêu cầu bổ sung")])
        if n % 4 == 2:  # finished and returned
            return dossier(code, TrangThaiHoSo="10", NgayKetThucXuLy=stamp(10 + page, 10),
                           NgayTra=stamp(10 + page, 15))
        if n % 4 == 3:  # an appointment far from the due
            return dossier(code, NgayHenTra=stamp(30, 17), received=stamp(8, 16, 30))
        return dossier(code)

    def close(self) -> None:
        pass


def test_the_worker_computed_clocks_store_what_one_process_stores(
    backend: str, database_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[int] = []
    finish = ahead_module.finish_ahead

    def counted(pairs: Any, *args: Any) -> Any:
        used.append(len(pairs))
        return finish(pairs, *args)

    monkeypatch.setattr(upsert, "finish_ahead", counted)
    stored = []
    for ahead_on in (False, True):
        url = database_factory.create(backend)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as s:
            make_procedure(s, PROCEDURE, "5", "working_days")
            s.commit()

        def calendar_changes(page: Page, _: Any) -> None:
            if page.number == 1:  # after the worker read the calendar: page 2 must see it
                with factory() as s:
                    s.add(CalendarOverrideRow(day=date(2025, 9, 12), kind="day_off",
                                              reason="Bão", source="test", created_by=None,
                                              created_at=NOW))
                    s.commit()

        summary = run_pull(factory, MixedConnector(), lambda: NOW, on_page=calendar_changes,
                           read_ahead=ahead_on)
        assert summary.succeeded, summary.error
        with factory() as s:
            stored.append(_clocks(s))
        engine.dispose()
    assert stored[1] == stored[0]
    assert sum(used) > 0  # page 1's new dossiers took the worker's clocks


def test_an_error_computing_clocks_ahead_leaves_them_to_the_writer(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's clocks are an optimisation: an error there must not fail the run (the
    writer computes the clock itself, and meets an error where it meets it today)."""
    records = _page(dossier(_code(1)))
    snapshot = load_snapshot(session)
    session.rollback()

    def broken(*_: Any) -> Any:
        raise ValueError("a record the clock cannot read")

    monkeypatch.setattr(read_ahead, "page_clocks", broken)
    prepared = prepare(records, snapshot, CivilServiceCalendar(snapshot.overrides))
    assert prepared.clocks is None and len(prepared.parsed) == 1
    alone, helped = _without_and_with(session, records, prepared)
    assert helped == alone
