"""The raw-record upsert returns the id and count of every payload it was given, new or
known; the count tells which were new."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.ingest import repository as repo
from app.ingest.service import ingest_records
from app.models import RawRecord
from tests.ingest.payloads import NOW, as_records, dossier
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


def test_receiving_known_payloads_again_takes_no_id_from_the_sequence(
    db_session: Session,
) -> None:
    """Known payloads are looked up and counted, never sent to the INSERT (an INSERT that ends
    in its ON CONFLICT UPDATE still consumes a value of PostgreSQL's id sequence)."""
    records = as_records([dossier(f"H21.65-250908-{n:04d}") for n in range(1, 4)])
    ingest_records(db_session, "test", records, NOW)
    if db_session.get_bind().dialect.name == "postgresql":
        sequence = text("SELECT last_value FROM raw_record_id_seq")
        before = db_session.scalar(sequence)
        ingest_records(db_session, "test", records, NOW)
        assert db_session.scalar(sequence) == before
    else:
        ingest_records(db_session, "test", records, NOW)
    counts = db_session.scalars(select(RawRecord.times_received)).all()
    assert sorted(counts) == [2, 2, 2]
