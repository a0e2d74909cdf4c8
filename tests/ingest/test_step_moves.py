"""Stored dossiers that only progress steps moved are written as one UPDATE on PostgreSQL
(app/ingest/upsert.py `write_step_moves`), with the values, and the rate rollup, that the
unit of work's UPDATE per dossier wrote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.ingest.service import ingest_records
from app.models import Dossier
from app.rates.rollups.service import verify
from connectors import parse_portal_date
from tests.ingest.payloads import NOW, as_records, dossier, stamp, step

CODES = ("H21.65-250908-0001", "H21.65-250908-0002", "H21.65-250908-0003")


@contextmanager
def _dossier_updates(session: Session) -> Iterator[list[tuple[str, bool]]]:
    """Every UPDATE of `dossier` sent meanwhile: (statement, sent as an executemany)."""
    sent: list[tuple[str, bool]] = []
    engine = session.get_bind()

    def note(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any,
             executemany: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE DOSSIER"):
            sent.append((statement, executemany))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _stored(session: Session, code: str) -> Dossier:
    found = session.scalars(select(Dossier).where(Dossier.code == code)).one()
    session.refresh(found)
    return found


def test_steps_of_several_stored_dossiers_are_one_update(db_session: Session,
                                                         backend: str) -> None:
    received = stamp(8, 8, 30)
    ingest_records(db_session, "test", as_records(
        [dossier(code, status=2, steps=[step(code, received, 2)]) for code in CODES]), NOW)
    db_session.commit()
    later = stamp(9, 10)
    steps = [step(CODES[0], later, 4), step(CODES[1], later, 9), step(CODES[1], stamp(9, 11), 10)]
    # the third is described anew (and stepped): the unit of work writes it as before
    renamed = dossier(CODES[2], status=2, steps=[step(CODES[2], received, 2),
                                                 step(CODES[2], later, 4)],
                      TrichYeuHoSo="Xin cấp phép sửa chữa")
    with _dossier_updates(db_session) as sent:
        ingest_records(db_session, "test", as_records(steps, "progress"), NOW)
        ingest_records(db_session, "test", as_records([renamed]), NOW)
        db_session.flush()
    assert not db_session.dirty or all(
        not db_session.is_modified(d) for d in db_session.dirty)

    first, second, third = (_stored(db_session, code) for code in CODES)
    at_later = parse_portal_date(later, "x")
    assert (first.status, first.newest_progress_at, first.updated_at) == (4, at_later, NOW)
    assert (second.status, second.newest_progress_at) == (10, parse_portal_date(
        stamp(9, 11), "x"))
    assert second.finished_at is not None and second.returned_at is not None
    assert (third.status, third.summary, third.newest_progress_at) == (
        4, "Xin cấp phép sửa chữa", at_later)
    assert verify(db_session) == []
    if backend == "postgresql":
        step_writes = [s for s, _ in sent if "newest_progress_at" in s]
        # one for the two stepped dossiers of the first page, the unit of work's for the third
        assert len(step_writes) == 2
        assert "unnest" in step_writes[0] and not sent[0][1]
        assert "unnest" not in step_writes[1]
