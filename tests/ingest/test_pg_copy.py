"""PostgreSQL's COPY paths (straight into the table, or a staging table and one INSERT … SELECT)
write what the executemany path writes: the same conflict rules, UTC instants, input order for
new ids, naive instants refused. Each test runs on both of PostgreSQL's paths: small pages take
one INSERT … SELECT FROM unnest of array parameters (app/db/pg_unnest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from app.db import pg_copy
from app.ingest import repository as repo
from app.ingest.service import ingest_records
from app.models import DossierApplicant, DossierEvent, RawRecord
from tests.ingest.payloads import LOCAL, NOW, as_records, dossier, stamp, step

CODE = "H21.65-250908-0001"


@pytest.fixture(params=["copy", "insert"])
def pg_session(
    db_session: Session, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Session:
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the staging COPY is PostgreSQL's; SQLite keeps executemany")
    monkeypatch.setattr(pg_copy, "COPY_MIN_ROWS", 1 if request.param == "copy" else 10**9)
    return db_session


def raw_row(digest: str, at: datetime, times: int = 1) -> dict[str, Any]:
    return {"content_hash": digest, "source": "test", "kind": "dossier", "origin": None,
            "payload": "{}", "dossier_code": None, "first_received_at": at,
            "last_received_at": at, "times_received": times}


def test_raw_records_keep_order_utc_and_add_receptions_on_conflict(pg_session: Session) -> None:
    local = NOW.astimezone(LOCAL)
    repo.insert_raw_records(pg_session, [raw_row(h * 64, local) for h in "cab"])
    later = local + timedelta(hours=1)
    # the same page twice in one transaction: each use gets a fresh staging table
    repo.insert_raw_records(pg_session, [raw_row("a" * 64, later, times=2)])
    rows = pg_session.execute(
        select(RawRecord.content_hash, RawRecord.times_received, RawRecord.last_received_at)
        .order_by(RawRecord.id)
    ).all()
    assert [(h[0], n) for h, n, _ in rows] == [("c", 1), ("a", 3), ("b", 1)]
    assert rows[1][2] == later and rows[1][2].utcoffset() == timedelta(0)
    assert rows[0][2] == NOW


def test_a_naive_instant_is_refused_before_anything_is_stored(pg_session: Session) -> None:
    with pytest.raises((ValueError, StatementError), match="naive"), pg_session.begin_nested():
        repo.insert_raw_records(pg_session, [raw_row("d" * 64, NOW.replace(tzinfo=None))])
    assert pg_session.scalar(select(RawRecord.id)) is None


def test_new_dossiers_applicants_and_events_come_back_as_the_orm_wrote_them(
    pg_session: Session,
) -> None:
    steps = [step(CODE, stamp(8, 8, 30), 2, "Tiếp nhận"), step(CODE, stamp(9, 10), 4, "Thụ lý")]
    ingest_records(pg_session, "test", as_records([dossier(CODE, steps=steps)]), NOW)
    events = pg_session.scalars(select(DossierEvent).order_by(DossierEvent.id)).all()
    assert [(e.status, e.content) for e in events] == [(2, "Tiếp nhận"), (4, "Thụ lý")]
    assert all(e.recorded_at == NOW and e.at.utcoffset() == timedelta(0) for e in events)
    applicant = pg_session.scalars(select(DossierApplicant)).one()
    assert applicant.id_numbers == [{"kind": 1, "number": "079012345612"}]
    # a step already stored is skipped by the targetless ON CONFLICT, not an error
    again = {c.name: getattr(events[1], c.name) for c in DossierEvent.__table__.c
             if c.name != "id"}
    repo.insert_events(pg_session, [again, again])
    assert len(pg_session.scalars(select(DossierEvent)).all()) == 2


def test_a_payload_stored_by_another_writer_after_the_look_up_adds_its_receptions(
    pg_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New payloads are COPYed straight into raw_record; when one is there after all (stored
    by a concurrent writer between the look-up and the COPY), the savepoint takes the COPY
    back and the staging upsert counts the reception on the stored row."""
    records = as_records([dossier(f"H21.65-250908-{n:04d}") for n in range(1, 4)])
    ingest_records(pg_session, "test", records, NOW)
    stored = {h: i for h, i in pg_session.execute(select(RawRecord.content_hash, RawRecord.id))}
    monkeypatch.setattr(repo, "raw_ids_by_hash", lambda session, hashes: {})  # the race
    counts = ingest_records(pg_session, "test", records, NOW)
    assert counts.unchanged == 3
    again = pg_session.execute(
        select(RawRecord.content_hash, RawRecord.id, RawRecord.times_received)).all()
    assert {h: (i, n) for h, i, n in again} == {h: (i, 2) for h, i in stored.items()}


def test_a_dossier_stored_by_another_writer_meanwhile_fails_as_an_integrity_error(
    pg_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On either path the lost race is SQLAlchemy's IntegrityError, which the webhook's
    `ingest_merging_concurrent` retries (COPY's own psycopg error is raised as it)."""
    records = as_records([dossier(CODE)])
    ingest_records(pg_session, "test", records, NOW)
    monkeypatch.setattr(repo, "dossiers_by_code", lambda session, codes: {})  # the race
    with pytest.raises(IntegrityError), pg_session.begin_nested():
        ingest_records(pg_session, "test", records, NOW)


def test_a_page_commits_without_waiting_for_the_wal_flush_and_only_that_page(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    show = text("SHOW synchronous_commit")
    with Session(engine) as session:  # real commits, nothing written
        repo.commit_page_without_flush_wait(session)
        assert session.scalar(show) == "off"
        session.commit()  # SET LOCAL: the next transaction (the run's closing one) waits again
        assert session.scalar(show) == "on"
