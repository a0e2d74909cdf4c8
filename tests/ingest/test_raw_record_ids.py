"""The raw-record insert returns the id of every payload it was given, new or raced."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest import repository as repo
from app.models import RawRecord
from tests.ingest.payloads import NOW
from tests.ingest.test_pg_copy import raw_row


def test_ids_come_back_for_new_rows_and_for_rows_another_writer_stored_first(
    db_session: Session,
) -> None:
    first = repo.insert_raw_records(db_session, [raw_row("a" * 64, NOW)])
    # "a" stands for a payload a concurrent writer stored after our lookup found nothing
    ids = repo.insert_raw_records(db_session, [raw_row(h * 64, NOW, times=2) for h in "bac"])
    stored = {h: i for h, i in db_session.execute(select(RawRecord.content_hash, RawRecord.id))}
    assert ids == {h * 64: stored[h * 64] for h in "abc"}
    assert ids["a" * 64] == first["a" * 64]
    times = db_session.scalar(select(RawRecord.times_received).where(RawRecord.id == ids["a" * 64]))
    assert times == 3
    assert repo.insert_raw_records(db_session, []) == {}
