"""The raw-record upsert returns the id and count of every payload it was given, new or
known; the count tells which were new."""

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
    assert first == {"a" * 64: (first["a" * 64][0], 1)}
    # "a" is known (stored earlier, or by a concurrent writer a moment ago)
    got = repo.insert_raw_records(db_session, [raw_row(h * 64, NOW, times=2) for h in "bac"])
    stored = {h: (i, n) for h, i, n in db_session.execute(
        select(RawRecord.content_hash, RawRecord.id, RawRecord.times_received))}
    assert got == {h * 64: stored[h * 64] for h in "abc"}
    assert got["a" * 64] == (first["a" * 64][0], 3)  # 1 + 2: the count says "was known"
    assert got["b" * 64][1] == got["c" * 64][1] == 2  # equal to the receptions: new
    assert repo.insert_raw_records(db_session, []) == {}
