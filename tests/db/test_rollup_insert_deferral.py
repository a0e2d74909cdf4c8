"""Migration 0023 guards SQLite's rate rollup INSERT trigger with the deferral table (and gives
it back as 0002 wrote it on the way down); `insert_counted_in_bulk` inserts new dossiers under
the deferral and counts them in with one grouped statement: the rollup must equal a recount,
whatever fails must leave nothing, and every other insert must keep the trigger."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli
from app.db import migrate
from app.db.session import make_engine, make_session_factory
from app.ingest import repository as repo
from app.ingest import upsert
from app.models import Agency, Dossier, Procedure, RateRollup, RateRollupDeferral
from app.rates.rollups import service as rollups
from tests.db.test_rollup_deferral_migration import GUARD, trigger_definition
from tests.factories import make_agency, make_dossier, make_procedure
from tests.ingest.test_file_import import HEADER, row


def _definition(engine: Engine) -> str:
    return trigger_definition(engine, "insert")


def _counts_an_insert(engine: Engine) -> bool:
    with Session(engine) as session:
        agency = make_agency(session, "MIG23")
        make_dossier(session, "MIG23-1", agency, make_procedure(session, "MIG23"),
                     datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
        counted = session.scalar(select(func.sum(RateRollup.n)).where(
            RateRollup.agency_id == agency.id))
        session.rollback()
    return counted == 1


def test_0023_guards_the_sqlite_insert_trigger_and_gives_it_back(
    fresh_database_url: str,
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        guarded = _definition(engine)
        sqlite = engine.dialect.name == "sqlite"
        assert (GUARD in guarded) == sqlite and _counts_an_insert(engine)
        migrate.downgrade(fresh_database_url, "0022")
        assert GUARD not in _definition(engine) and _counts_an_insert(engine)
        migrate.upgrade(fresh_database_url)
        assert _definition(engine) == guarded and _counts_an_insert(engine)
    finally:
        engine.dispose()


def _rows(agency: Agency, procedure: Procedure, prefix: str, n: int) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 28, 2, 0, tzinfo=UTC)
    return [{
        "code": f"{prefix}-{i:03d}", "procedure_id": procedure.id, "agency_id": agency.id,
        "channel": 1 + i % 3, "status": (4, 10, 1, 3, 7, 8, 9)[i % 7],
        "received_at": start + timedelta(days=i), "due_at": start + timedelta(days=12),
        "due_is_legal": True, "paused_working_minutes": 0,
        "finished_at": start + timedelta(days=i + 3) if i % 2 else None,
        "appointment_mismatch": False, "legal_basis": "118/2025/NĐ-CP",
        "late_without_apology": i % 5 == 0, "escalated": False,
        "created_at": start, "updated_at": start,
    } for i in range(n)]


def _deferrals(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(RateRollupDeferral)) or 0)


def test_dossiers_inserted_in_bulk_are_counted_as_by_the_trigger(db_session: Session) -> None:
    agency, procedure = make_agency(db_session, "BULK23"), make_procedure(db_session, "BULK23")
    stored = make_dossier(db_session, "BULK23-OLD", agency, procedure,
                          datetime(2026, 2, 3, 2, 0, tzinfo=UTC))
    stored.status = 10  # a pending change of a stored dossier goes with its UPDATE trigger
    stored.finished_at = datetime(2026, 2, 5, 2, 0, tzinfo=UTC)
    rows = _rows(agency, procedure, "BULK23", 40)
    ids = rollups.insert_counted_in_bulk(db_session, lambda: repo.insert_dossiers(db_session,
                                         rows), lambda found: list(found.values()))
    assert len(ids) == 40 and _deferrals(db_session) == 0
    assert rollups.verify(db_session) == []
    assert db_session.scalar(select(func.sum(RateRollup.n)).where(
        RateRollup.agency_id == agency.id)) == 41
    make_dossier(db_session, "BULK23-NEXT", agency, procedure,  # the trigger counts it
                 datetime(2026, 4, 3, 2, 0, tzinfo=UTC))
    assert rollups.verify(db_session) == []


def test_a_bulk_insert_that_fails_leaves_nothing(db_session: Session, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL aborts the transaction; its INSERT trigger is not deferred")
    agency, procedure = make_agency(db_session, "FAIL23"), make_procedure(db_session, "FAIL23")
    rows = _rows(agency, procedure, "FAIL23", 30)

    def insert() -> dict[str, int]:
        repo.insert_dossiers(db_session, rows[:20])  # stored, then the page fails
        return repo.insert_dossiers(db_session, rows[10:])

    with pytest.raises(IntegrityError):
        rollups.insert_counted_in_bulk(db_session, insert, lambda found: list(found.values()))
    assert db_session.scalar(select(func.count()).select_from(Dossier).where(
        Dossier.agency_id == agency.id)) == 0
    assert _deferrals(db_session) == 0 and rollups.verify(db_session) == []
    make_dossier(db_session, "FAIL23-NEXT", agency, procedure,
                 datetime(2026, 4, 3, 2, 0, tzinfo=UTC))
    assert rollups.verify(db_session) == []
    assert db_session.scalar(select(func.sum(RateRollup.n)).where(
        RateRollup.agency_id == agency.id)) == 1


def test_a_file_import_leaves_the_rollup_equal_to_a_recount(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 120 new dossiers go through the grouped count, the last one (10) through the
    trigger."""
    path = tmp_path / "xuat.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(1, 251):
            writer.writerow(row(n, received=f"{n % 28 + 1:02d}/{n % 12 + 1:02d}/2025 08:30"))
    counted: list[int] = []

    def spy(session: Session, insert: Any, inserted_ids: Any) -> Any:
        found = rollups.insert_counted_in_bulk(session, insert, inserted_ids)
        counted.append(len(found))
        return found

    monkeypatch.setattr(upsert, "bulk_insert", spy)  # `tthc ingest` keeps it (app/cli.py)
    result = CliRunner().invoke(cli, ["ingest", "file", str(path), "--page-size", "120"])
    assert result.exit_code == 0, result.output
    assert counted == [120, 120]
    engine = make_engine(cli_database)
    try:
        with make_session_factory(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Dossier)) == 250
            assert rollups.verify(session) == [] and _deferrals(session) == 0
            assert session.scalar(select(func.sum(RateRollup.n))) == 250
    finally:
        engine.dispose()


def test_the_ingest_commands_wire_the_grouped_count(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.cli import wire_bulk_inserts

    monkeypatch.setattr(upsert, "bulk_insert", None)
    wire_bulk_inserts()
    assert upsert.bulk_insert is rollups.insert_counted_in_bulk
