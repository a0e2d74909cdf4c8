"""`tthc db partition` on PostgreSQL: converts plain `dossier` and `dossier_event` (a database
upgraded before migration 0004 existed), then only adds months; refused on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.core.config import Settings
from app.core.jobs import Transactions
from app.db import migrate
from app.db.cli import app as db_cli
from app.db.jobs import partition_months_job
from app.db.partitions import tables as partitioning
from app.db.session import make_engine
from app.ingest.service import ingest_records
from app.models import Dossier, DossierEvent
from app.rates.rollups import service as rollups
from tests.db.partitioning_support import (
    CODES,
    DOSSIERS_BY_MONTH,
    EVENTS_BY_MONTH,
    layout,
    partition,
    partitions,
    rows_by_partition,
    seed,
    snapshot,
)
from tests.ingest.payloads import NOW, as_records, dossier, stamp, step

SETTINGS = Settings(
    environment="test", webhook_secret="w" * 40, secret_key="t" * 40, log_json=False
)


def test_conversion_keeps_rows_ids_codes_and_ingest(plain_pg_engine: Engine) -> None:
    engine = plain_pg_engine
    seed(engine)
    before = snapshot(engine)
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT id, code FROM dossier ORDER BY id")).all()

    result = partition(engine, NOW, months_ahead=2)

    assert [(p.table, p.converts, p.rows) for p in result.plans] == [
        ("dossier_event", True, 8), ("dossier", True, 3),
    ]
    assert layout(engine) == {"dossier": True, "dossier_event": True}
    for table in ("dossier", "dossier_event"):
        months = {f"{table}_p2025_{m:02d}" for m in range(6, 12)}
        assert partitions(engine, table) == {*months, f"{table}_default"}
    assert snapshot(engine) == before  # every row and the rollup's counts, unchanged
    # Local months: 1 September 00:00 (+07) is in September, not August.
    assert rows_by_partition(engine, "dossier") == DOSSIERS_BY_MONTH
    assert rows_by_partition(engine, "dossier_event") == EVENTS_BY_MONTH
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, code FROM dossier_key ORDER BY id")).all() == keys
    with Session(engine) as session:
        assert rollups.verify(session) == []

    # Ingest goes on: the id sequences carried on, a repeated step is still recognised.
    code = CODES[0]
    new_step = step(code, stamp(15, 9, month=9), 6, "Trình ký")
    repeated = step(code, stamp(11, 9, month=7), 4)
    fourth = "H21.65-250912-0004"
    with Session(engine) as session:
        ingest_records(session, "test", as_records([new_step, repeated], kind="progress"), NOW)
        ingest_records(session, "test", as_records([dossier(fourth, received=stamp(12, 8))]), NOW)
        session.commit()
        assert session.scalar(select(func.count()).select_from(DossierEvent)) == 8 + 1 + 2
        newest = session.scalars(select(DossierEvent).order_by(DossierEvent.id.desc())).first()
        added = session.scalars(select(Dossier).where(Dossier.code == fourth)).one()
        assert rollups.verify(session) == []
    assert newest is not None and newest.id > max(row[0] for row in before["dossier_event"])
    assert added.id > max(row[0] for row in before["dossier"])
    assert rows_by_partition(engine, "dossier_event")["2025_09"] == 3 + 1 + 2

    again = partition(engine, NOW, months_ahead=2)
    assert [(p.converts, p.partitions, p.statements) for p in again.plans] == [
        (False, [], []), (False, [], []),
    ]
    # The migration that would have converted finds everything done.
    migrate.upgrade(engine.url.render_as_string(hide_password=False))
    assert migrate.is_current(engine)


def test_a_later_run_adds_months_and_moves_rows_out_of_default(plain_pg_engine: Engine) -> None:
    engine = plain_pg_engine
    seed(engine)
    partition(engine, NOW, months_ahead=0)
    # December: after the last partition; January 2024: before the first.
    december, old = "H21.65-251203-0005", "H21.65-240115-0006"
    payloads = [
        dossier(december, received=stamp(3, 14, month=12),
                steps=[step(december, stamp(3, 14, month=12), 2)]),
        dossier(old, received=stamp(15, 8, month=1, year=2024),
                steps=[step(old, stamp(16, 8, month=1, year=2024), 2)]),
    ]
    with Session(engine) as session:
        ingest_records(session, "test", as_records(payloads), NOW)
        session.commit()
    assert rows_by_partition(engine, "dossier")["default"] == 2
    assert rows_by_partition(engine, "dossier_event")["default"] == 2
    before = snapshot(engine)

    later = datetime(2025, 10, 20, tzinfo=UTC)
    with engine.begin() as conn:
        planned = partitioning.plan_partitioning(conn, later, months_ahead=2)
    assert [p.partitions for p in planned] == [
        [f"{t}_p2024_01", f"{t}_p2025_10", f"{t}_p2025_11", f"{t}_p2025_12"]
        for t in ("dossier_event", "dossier")
    ]
    assert any("ATTACH PARTITION dossier_p2025_12" in s for s in planned[1].statements)

    done = partition(engine, later, months_ahead=2)

    assert [p.partitions for p in done.plans] == [p.partitions for p in planned]
    for table in ("dossier", "dossier_event"):
        counts = rows_by_partition(engine, table)
        assert counts["2025_12"] == 1 and counts["2024_01"] == 1 and "default" not in counts
    # Moving rows between partitions left the dossiers, their keys, children and counts as
    # they were: nothing was deleted or counted twice on the way.
    assert snapshot(engine) == before
    with Session(engine) as session:
        assert rollups.verify(session) == []
        # The attached partitions enforce the keys like the others.
        again = step(december, stamp(3, 14, month=12), 2)
        ingest_records(session, "test", as_records([again], kind="progress", origin="b"), NOW)
        session.commit()
    assert rows_by_partition(engine, "dossier_event")["2025_12"] == 1


def test_dry_run_and_the_job_leave_a_plain_table_alone(plain_pg_engine: Engine) -> None:
    engine = plain_pg_engine
    seed(engine)
    with engine.begin() as conn:
        dry = partitioning.partition_tables(conn, NOW, 1, dry_run=True)
    assert [p.converts for p in dry.plans] == [True, True] and not dry.executed
    assert dry.statements[-1] == "ANALYZE dossier"
    with Session(engine) as session:
        assert partition_months_job(Transactions(engine), NOW, SETTINGS)["partitions_created"] == 0
        session.commit()
    assert layout(engine) == {"dossier": False, "dossier_event": False}

    done = partition(engine, NOW, months_ahead=1)
    assert done.statements == dry.statements  # what the dry run printed is what ran
    with Session(engine) as session:
        # November and December, for both tables
        assert partition_months_job(Transactions(engine), NOW, SETTINGS)["partitions_created"] == 4
        session.commit()
    assert {"dossier_p2025_12", "dossier_event_p2025_12"} <= (
        partitions(engine, "dossier") | partitions(engine, "dossier_event")
    )
    # The command reads the clock: its first run adds today's months, the second nothing.
    url = engine.url.render_as_string(hide_password=False)
    first = CliRunner().invoke(db_cli, ["partition", "--url", url])
    assert first.exit_code == 0 and "added partitions: dossier_p" in first.output, first.output
    second = CliRunner().invoke(db_cli, ["partition", "--url", url])
    assert second.exit_code == 0, second.output
    assert "dossier is partitioned; every month is there already" in second.output


def test_a_table_with_a_trigger_is_refused_and_nothing_changes(plain_pg_engine: Engine) -> None:
    engine = plain_pg_engine
    with engine.begin() as conn:
        conn.execute(text(
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$"
        ))
        conn.execute(text(
            "CREATE TRIGGER touch BEFORE INSERT ON dossier_event "
            "FOR EACH ROW EXECUTE FUNCTION touch()"
        ))
    with pytest.raises(partitioning.PartitioningRefused, match="triggers"):
        partition(engine, NOW, months_ahead=1)
    assert layout(engine) == {"dossier": False, "dossier_event": False}
    with engine.connect() as conn:
        assert not partitioning.regclass_exists(conn, "dossier_event_partitioned")
    result = CliRunner().invoke(
        db_cli, ["partition", "--url", engine.url.render_as_string(hide_password=False)]
    )
    assert result.exit_code == 1 and "triggers" in result.output


def test_an_unexpected_unique_key_on_dossier_is_refused(plain_pg_engine: Engine) -> None:
    engine = plain_pg_engine
    with engine.begin() as conn:
        conn.execute(text("CREATE UNIQUE INDEX ux_receipt ON dossier (receipt_number)"))
    with pytest.raises(partitioning.PartitioningRefused, match="unique indexes"):
        partition(engine, NOW, months_ahead=1)
    # the events were converted first, in the same transaction: rolled back with it
    assert layout(engine) == {"dossier": False, "dossier_event": False}


def test_sqlite_is_refused_with_a_clear_message(backend: str, fresh_database_url: str) -> None:
    if backend != "sqlite":
        pytest.skip("the refusal is SQLite's; PostgreSQL partitions")
    result = CliRunner().invoke(db_cli, ["partition", "--url", fresh_database_url])
    assert result.exit_code == 2
    assert "needs PostgreSQL" in result.output and "nothing was changed" in result.output
    engine = make_engine(fresh_database_url)
    try:
        with engine.begin() as conn, pytest.raises(partitioning.PartitioningUnsupported):
            partitioning.partition_tables(conn, NOW, 1)
        with Session(engine) as session:
            assert partition_months_job(Transactions(session.get_bind()), NOW, SETTINGS) == {
                "partitions_created": 0, "tables_busy": 0, "months_split": 0, "rows_moved": 0,
                "rows_waiting": 0, "months_busy": 0}
    finally:
        engine.dispose()


def test_an_empty_table_is_converted_without_statistics_that_say_empty(
    plain_pg_engine: Engine,
) -> None:
    """ANALYZE of an empty table would record 0 rows; with autovacuum off, a bulk import that
    follows would then be planned as sequential scans of a table it has filled."""
    with plain_pg_engine.begin() as conn:
        dry = partitioning.partition_tables(conn, NOW, 1, dry_run=True)
    assert all(plan.converts and plan.rows == 0 for plan in dry.plans)
    assert not [s for s in dry.statements if s.startswith("ANALYZE")]
