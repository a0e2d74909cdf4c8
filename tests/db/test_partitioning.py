"""`tthc db partition`: monthly partitions of dossier_event on PostgreSQL, refused on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.core.config import Settings
from app.db import migrate, partitioning
from app.db.cli import app as db_cli
from app.db.jobs import partition_months_job
from app.db.session import make_engine
from app.ingest.service import ingest_records
from app.models import DossierEvent
from tests.ingest.payloads import NOW, as_records, dossier, stamp, step

PG_ONLY = "PostgreSQL only: SQLite has no table partitions"
# Events from June to September 2025; NOW is 15 September 2025.
SETTINGS = Settings(
    environment="test", webhook_secret="w" * 40, secret_key="t" * 40, log_json=False
)
CODES = [f"H21.65-2506{day:02d}-000{i}" for i, day in enumerate((2, 9, 16), start=1)]


def _steps(code: str) -> list[dict[str, object]]:
    return [
        step(code, stamp(10, 8, month=6), 2, "Tiếp nhận hồ sơ"),
        step(code, stamp(11, 9, month=7), 4, "Thụ lý"),
        step(code, stamp(12, 10, month=8), 5, "Chuyển phòng chuyên môn"),
        step(code, stamp(1, 0, month=9), 4, "Thẩm định"),  # local midnight: the month's edge
    ]


def _seed(engine: Engine) -> None:
    payloads = [
        dossier(code, received=stamp(10, 8, month=6), steps=_steps(code)) for code in CODES
    ]
    with Session(engine) as session:
        counts = ingest_records(session, "test", as_records(payloads), NOW)
        session.commit()
    assert counts.stored == len(CODES)


def _events(engine: Engine) -> list[tuple[int, int, str, datetime]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, dossier_id, dedup_hash, at FROM dossier_event ORDER BY id")
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _partition(engine: Engine, now: datetime, months_ahead: int) -> partitioning.PartitionResult:
    with engine.begin() as conn:
        return partitioning.partition_events(conn, now, months_ahead)


def _rows_by_partition(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT tableoid::regclass::text, count(*) FROM dossier_event GROUP BY 1")
        )
        return {name: int(n) for name, n in rows}


@pytest.fixture
def pg_engine(backend: str, fresh_database_url: str) -> Iterator[Engine]:
    if backend != "postgresql":
        pytest.skip(PG_ONLY)
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


def test_conversion_keeps_rows_ids_and_ingest(pg_engine: Engine, fresh_database_url: str) -> None:
    _seed(pg_engine)
    before = _events(pg_engine)
    assert len(before) == 4 * len(CODES)

    result = _partition(pg_engine, NOW, months_ahead=2)

    assert result.plan.converts and result.plan.rows == len(before)
    with pg_engine.connect() as conn:
        assert conn.execute(
            text("SELECT partstrat FROM pg_partitioned_table "
                 "WHERE partrelid = 'dossier_event'::regclass")
        ).scalar_one() == "r"
        children = set(conn.execute(text(
            "SELECT inhrelid::regclass::text FROM pg_inherits "
            "WHERE inhparent = 'dossier_event'::regclass"
        )).scalars())
    months = [f"dossier_event_p2025_{m:02d}" for m in range(6, 12)]
    assert children == {*months, "dossier_event_default"}
    assert _events(pg_engine) == before
    # Local months: the step at 1 September 00:00 (+07) is in September, not August.
    assert _rows_by_partition(pg_engine) == {
        "dossier_event_p2025_06": 3, "dossier_event_p2025_07": 3,
        "dossier_event_p2025_08": 3, "dossier_event_p2025_09": 3,
    }

    code = CODES[0]
    new = step(code, stamp(15, 9, month=9), 6, "Trình ký")
    duplicate = step(code, stamp(11, 9, month=7), 4, "Thụ lý")
    with Session(pg_engine) as session:
        ingest_records(session, "test", as_records([new, duplicate], kind="progress"), NOW)
        ingest_records(session, "test", as_records([new], kind="progress", origin="again"), NOW)
        session.commit()
        assert session.scalar(select(func.count()).select_from(DossierEvent)) == len(before) + 1
        newest = session.scalars(select(DossierEvent).order_by(DossierEvent.id.desc())).first()
    assert newest is not None and newest.status == 6
    assert newest.id > max(row[0] for row in before)  # the id sequence carried on
    assert _rows_by_partition(pg_engine)["dossier_event_p2025_09"] == 4

    again = _partition(pg_engine, NOW, months_ahead=2)
    assert not again.plan.converts
    assert again.plan.partitions == [] and again.plan.statements == []

    # Alembic keeps working on the partitioned database.
    assert migrate.is_current(pg_engine)
    migrate.downgrade(fresh_database_url, "0002")
    migrate.upgrade(fresh_database_url)
    assert migrate.is_current(pg_engine)


def test_a_later_run_adds_months_and_moves_rows_out_of_default(pg_engine: Engine) -> None:
    _seed(pg_engine)
    _partition(pg_engine, NOW, months_ahead=0)
    code = CODES[1]
    december = step(code, stamp(3, 14, month=12), 6, "Trình ký")
    with Session(pg_engine) as session:
        ingest_records(session, "test", as_records([december], kind="progress"), NOW)
        session.commit()
    assert _rows_by_partition(pg_engine)["dossier_event_default"] == 1

    later = datetime(2025, 10, 20, tzinfo=UTC)
    with pg_engine.begin() as conn:
        planned = partitioning.plan_partitioning(conn, later, months_ahead=2)
    assert planned.partitions == [
        "dossier_event_p2025_10", "dossier_event_p2025_11", "dossier_event_p2025_12",
    ]
    assert any("ATTACH PARTITION dossier_event_p2025_12" in s for s in planned.statements)

    done = _partition(pg_engine, later, months_ahead=2)

    assert done.plan.partitions == planned.partitions
    counts = _rows_by_partition(pg_engine)
    assert counts["dossier_event_p2025_12"] == 1 and "dossier_event_default" not in counts
    with Session(pg_engine) as session:  # the moved partition enforces the key like the others
        ingest_records(session, "test", as_records([december], kind="progress", origin="b"), NOW)
        session.commit()
    assert _rows_by_partition(pg_engine)["dossier_event_p2025_12"] == 1


def test_dry_run_and_the_job_leave_an_unpartitioned_table_alone(pg_engine: Engine) -> None:
    _seed(pg_engine)
    with pg_engine.begin() as conn:
        dry = partitioning.partition_events(conn, NOW, 1, dry_run=True)
    assert dry.plan.converts and not dry.executed
    assert dry.plan.statements[-1] == "ANALYZE dossier_event"
    with Session(pg_engine) as session:
        assert partition_months_job(session, NOW, SETTINGS) == {"partitions_created": 0}
        session.commit()
    with pg_engine.connect() as conn:
        assert not partitioning.is_partitioned(conn, "dossier_event")

    _partition(pg_engine, NOW, months_ahead=0)
    with Session(pg_engine) as session:
        assert partition_months_job(session, NOW, SETTINGS) == {"partitions_created": 3}
        session.commit()
    assert "dossier_event_p2025_12" in _partitions(pg_engine)


def _partitions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return partitioning.partition_names(conn, "dossier_event")


def test_a_table_with_a_trigger_is_refused_and_left_as_it_was(pg_engine: Engine) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text(
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$"
        ))
        conn.execute(text(
            "CREATE TRIGGER touch BEFORE INSERT ON dossier_event "
            "FOR EACH ROW EXECUTE FUNCTION touch()"
        ))
    with pytest.raises(partitioning.PartitioningRefused, match="triggers"):
        _partition(pg_engine, NOW, months_ahead=1)
    with pg_engine.connect() as conn:
        assert not partitioning.is_partitioned(conn, "dossier_event")
        assert not partitioning.regclass_exists(conn, "dossier_event_partitioned")
    result = CliRunner().invoke(
        db_cli, ["partition", "--url", pg_engine.url.render_as_string(hide_password=False)]
    )
    assert result.exit_code == 1 and "triggers" in result.output


def test_sqlite_is_refused_with_a_clear_message(backend: str, fresh_database_url: str) -> None:
    if backend != "sqlite":
        pytest.skip("the refusal is SQLite's; PostgreSQL partitions")
    result = CliRunner().invoke(db_cli, ["partition", "--url", fresh_database_url])
    assert result.exit_code == 2
    assert "needs PostgreSQL" in result.output and "nothing was changed" in result.output
    engine = make_engine(fresh_database_url)
    try:
        with engine.begin() as conn, pytest.raises(partitioning.PartitioningUnsupported):
            partitioning.partition_events(conn, NOW, 1)
        with Session(engine) as session:
            assert partition_months_job(session, NOW, SETTINGS) == {"partitions_created": 0}
    finally:
        engine.dispose()
