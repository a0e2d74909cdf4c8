"""The daily job drains the DEFAULT partition into months, a month per transaction, a bounded
number of rows per run, and gives way to a writer rather than deadlock with it (PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.jobs import Transactions
from app.db.jobs import partition_months_job
from app.db.partitions.online import add_coming_months, split_default
from app.ingest.service import ingest_records
from app.rates.rollups import service as rollups
from tests.db.partitioning_support import (
    DOSSIERS_BY_MONTH,
    EVENTS_BY_MONTH,
    rows_by_partition,
    seed,
    snapshot,
)
from tests.ingest.payloads import NOW, as_records, dossier, stamp


def test_history_in_default_moves_out_a_bounded_step_at_a_time(pg_engine: Engine) -> None:
    seed(pg_engine)  # 2025 history in a database migrated today: all of it waits in DEFAULT
    assert rows_by_partition(pg_engine, "dossier") == {"default": 3}
    before = snapshot(pg_engine)

    # tables in app/db/partitions/specs.py order (events first), months oldest first
    first = split_default(pg_engine, max_rows=1)  # the oldest month of events, nothing more
    assert first.partitions == ["dossier_event_p2025_06"]
    assert (first.rows_moved, first.rows_waiting, first.months_busy) == (1, 7 + 3, 0)
    assert rows_by_partition(pg_engine, "dossier_event") == {"2025_06": 1, "default": 7}

    second = split_default(pg_engine, max_rows=4)  # whole months only: 2 + 2, then it stops
    assert second.partitions == ["dossier_event_p2025_07", "dossier_event_p2025_08"]
    assert (second.rows_moved, second.rows_waiting) == (4, 3 + 3)
    assert rows_by_partition(pg_engine, "dossier") == {"default": 3}

    settings = Settings(partition_split_rows_per_run=100)
    with Session(pg_engine) as session:
        counts = partition_months_job(Transactions(session.get_bind()), NOW, settings)
        session.commit()
    assert (counts["months_split"], counts["rows_moved"], counts["rows_waiting"]) == (4, 6, 0)
    assert rows_by_partition(pg_engine, "dossier") == DOSSIERS_BY_MONTH
    assert rows_by_partition(pg_engine, "dossier_event") == EVENTS_BY_MONTH
    # the same dossiers, keys, children and rollup counts, in their months
    assert snapshot(pg_engine) == before
    with Session(pg_engine) as session:
        assert rollups.verify(session) == []
        stored = ingest_records(session, "test", as_records([dossier(
            "H21.65-250615-0042", received=stamp(15, 9, month=6))]), NOW)
        session.commit()
    assert stored.stored == 1 and rows_by_partition(pg_engine, "dossier")["2025_06"] == 2
    with Session(pg_engine) as session:
        again = partition_months_job(Transactions(session.get_bind()), NOW, settings)
    assert (again["months_split"], again["rows_waiting"]) == (0, 0)


def test_a_locked_default_is_left_for_the_next_run(pg_engine: Engine) -> None:
    seed(pg_engine)
    before = snapshot(pg_engine)
    with pg_engine.connect() as writer:
        # an open transaction writing DEFAULT (ROW EXCLUSIVE) holds off the move's lock
        writer.execute(text("LOCK TABLE dossier_default IN ROW EXCLUSIVE MODE"))
        busy = split_default(pg_engine, max_rows=100, lock_timeout_ms=200, attempts=1)
        writer.rollback()
    # the events' months moved; the dossiers' three waited 200 ms each, then were left
    assert (busy.months_busy, busy.rows_moved, busy.rows_waiting) == (3, 8, 3)
    assert rows_by_partition(pg_engine, "dossier") == {"default": 3}
    assert rows_by_partition(pg_engine, "dossier_event") == EVENTS_BY_MONTH
    done = split_default(pg_engine, max_rows=100)
    assert done.months_busy == 0 and rows_by_partition(pg_engine, "dossier") == DOSSIERS_BY_MONTH
    assert snapshot(pg_engine) == before


def test_creating_months_gives_way_to_a_writer_in_the_middle_of_its_transaction(
    pg_engine: Engine,
) -> None:
    later = NOW + timedelta(days=800)  # months no partition exists for yet
    with Session(pg_engine) as writer:
        # a delivery half done: its new dossier's key row is written, its events not yet
        ingest_records(writer, "test", as_records([dossier("H21.65-250915-0001")]), NOW)
        created, busy = add_coming_months(pg_engine, later, 0, lock_timeout_ms=200, attempts=1)
        # the events' new month needs its foreign key to dossier_key: it waited 200 ms, then
        # gave up instead of holding dossier_event against the writer's next insert
        assert busy >= 1 and not any(name.startswith("dossier_event") for name in created)
        writer.commit()
    created, busy = add_coming_months(pg_engine, later, 0)
    assert busy == 0 and "dossier_event_p" + f"{later:%Y_%m}" in created
