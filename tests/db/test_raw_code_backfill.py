"""Migration 0020 gives the raw rows stored before 9f0be17 (and their quarantine entries) the
code MaHoSo is read as today, so retention finds their dossiers and archives closed ones'
payloads. Rows are stored by today's ingest, then given the code the code before 9f0be17 wrote
(`_old_readable_code`), with the database at 0019; the upgrade must put today's code back."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from app.db import migrate
from app.db.session import make_engine
from app.ingest.intake import readable_code
from app.ingest.service import ingest_records
from app.models import Dossier, QuarantineEntry, RawRecord
from app.retention.service import Policy, step
from tests.ingest.payloads import NOW, as_records, dossier, stamp

MIGRATION = Path(migrate.PROJECT_ROOT, "migrations/versions/20261211_0020_raw_record_codes.py")

# Stored dossiers whose raw row had a wrong code (before 9f0be17 -> today).
WRONG: dict[str, Any] = {
    "a number (NULL -> digits)": 12345,
    "a number past 64 bits": -(2**70),
    "decomposed text (NFD -> NFC)": "H21.65-250908-0001e\u0301",
    "a compatibility ideograph": "H21.65-\uf900",
    "65 characters that NFC makes 64 (NULL -> code)": "H" * 63 + "e\u0301",
    "padded and decomposed": "\u00a0H21.65-250908-0002e\u0301 ",
}
# Rows the migration must leave as they are.
RIGHT: dict[str, Any] = {
    "ASCII text": "H21.65-250908-0003",
    "composed text (NFC)": "H21.65-250908-0004\u00e9",
}


def _old_readable_code(payload: Any) -> str | None:
    """app/ingest/intake.readable_code before 9f0be17, verbatim."""
    if not isinstance(payload, dict):
        return None
    code = payload.get("MaHoSo")
    if (isinstance(code, str) and code.strip() and len(code.strip()) <= 64
            and "\x00" not in code):
        return code.strip()
    return None


def _as_before_the_fix(session: Session) -> None:
    """Every raw row and quarantine entry gets the code the old reading gave it."""
    for raw in session.scalars(select(RawRecord).where(RawRecord.archived_in.is_(None))):
        old = _old_readable_code(json.loads(raw.payload))
        raw.dossier_code = old
        session.execute(update(QuarantineEntry).where(QuarantineEntry.raw_record_id == raw.id)
                        .values(dossier_code=old))


@pytest.fixture
def at_0019(fresh_database_url: str) -> Iterator[Engine]:
    migrate.downgrade(fresh_database_url, "0019")
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


def _store_old_rows(engine: Engine) -> None:
    records = [dossier(code, steps=[]) for code in [*WRONG.values(), *RIGHT.values()]]
    # quarantined (a bad date), with a NUL and a NaN elsewhere in the payload: PostgreSQL's json
    # functions refuse both, SQLite's json_valid the NaN
    records.append(dossier(4711, steps=[], NgayHenTra="mai", GhiChu="a\x00b", SoTrang=float("nan")))
    records.append(dossier(1.5, steps=[]))  # a float: unreadable then and now
    with Session(engine) as session:
        ingest_records(session, "test", as_records(records), NOW)
        _as_before_the_fix(session)
        # archived before the upgrade: no payload to read, its code stays
        archived = dossier(99, steps=[], TrangThaiHoSo="10")
        ingest_records(session, "test", as_records([archived]), NOW)
        session.execute(update(RawRecord).where(RawRecord.dossier_code == "99").values(
            dossier_code=None, payload="", archived_in="raw-2025-09.jsonl.gz"))
        session.commit()


def _codes(engine: Engine) -> dict[int, tuple[str | None, str | None]]:
    """raw id -> (its code, the code today's ingest gives its payload; None when archived)."""
    with Session(engine) as session:
        rows = session.execute(select(RawRecord.id, RawRecord.dossier_code, RawRecord.payload))
        return {raw_id: (code, readable_code(json.loads(payload)) if payload else None)
                for raw_id, code, payload in rows}


def _assert_codes_are_todays(engine: Engine) -> None:
    codes = _codes(engine)
    assert {raw_id: code for raw_id, (code, _) in codes.items()} == {
        raw_id: today for raw_id, (_, today) in codes.items()}
    with Session(engine) as session:
        stored = set(session.scalars(select(Dossier.code)))
        entries = session.execute(select(QuarantineEntry.raw_record_id,
                                         QuarantineEntry.dossier_code)).all()
    assert {code for code, _ in codes.values()} - {None} - stored == {"4711"}  # the quarantined
    assert entries and all(codes[raw_id][0] == code for raw_id, code in entries)


def test_0020_gives_old_raw_rows_and_their_quarantine_entries_todays_code(
    at_0019: Engine, fresh_database_url: str
) -> None:
    _store_old_rows(at_0019)
    before = _codes(at_0019)
    wrong = {raw_id for raw_id, (code, today) in before.items() if code != today}
    assert len(wrong) == len(WRONG) + 1  # and the quarantined 4711
    migrate.upgrade(fresh_database_url)
    _assert_codes_are_todays(at_0019)
    after = _codes(at_0019)
    assert {raw_id for raw_id in before if before[raw_id] != after[raw_id]} == wrong
    assert after[max(after)] == (None, None)  # the archived row


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0020", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_0020_in_batches_of_two_and_again_changes_nothing(at_0019: Engine) -> None:
    _store_old_rows(at_0019)
    backfill = _migration().backfill
    with at_0019.begin() as conn:
        assert backfill(conn, batch=2) == len(WRONG) + 1
    _assert_codes_are_todays(at_0019)
    with at_0019.begin() as conn:
        assert backfill(conn, batch=2) == 0


def test_retention_archives_old_payloads_of_closed_dossiers_after_0020(
    at_0019: Engine, fresh_database_url: str, tmp_path: Path
) -> None:
    codes = (20250908001, WRONG["decomposed text (NFD -> NFC)"])
    closed = [dossier(code, status=10, steps=[], NgayKetThucXuLy=stamp(10, 15),
                      NgayTra=stamp(11, 9)) for code in codes]
    with Session(at_0019) as session:
        ingest_records(session, "test", as_records(closed), NOW)
        _as_before_the_fix(session)
        session.commit()
    migrate.upgrade(fresh_database_url)
    policy = Policy(job_run_days=90, reception_minutes_days=30, archive_dir=tmp_path,
                    archive_after_months=12)
    with Session(at_0019) as session:
        report = step(session, NOW + timedelta(days=400), policy)
        session.commit()
        assert report.payloads_archived == 2
        left = session.scalar(text("SELECT count(*) FROM raw_record WHERE archived_in IS NULL"))
    assert left == 0
