"""A raw row names the code its record is stored under: MaHoSo read as the parser reads it (a
number, text NFC-normalised). Found by tests/fuzz/test_ingest_fuzz.py, which failed once in CI
with "raw 25 neither stored nor quarantined"; retention finds a payload's dossier by this code."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest.service import ingest_records
from app.models import Dossier, QuarantineEntry, RawRecord
from app.retention.service import Policy, plan
from tests.ingest.payloads import NOW, as_records, dossier, stamp, step

CODES: dict[str, Any] = {
    "a number": 12345,
    "a number past 64 bits": -(2**70),
    "decomposed text (NFD)": "H21.65-250908-0001e\u0301",
    "a compatibility ideograph": "H21.65-\uf900",
    "65 characters that NFC makes 64": "H" * 63 + "e\u0301",
    "padded and decomposed": "\u00a0H21.65-250908-0001e\u0301 ",
}


@pytest.mark.parametrize("code", CODES.values(), ids=list(CODES))
def test_a_stored_dossier_and_its_raw_row_name_the_same_code(
    db_session: Session, code: Any
) -> None:
    counts = ingest_records(db_session, "test", as_records([dossier(code, steps=[])]), NOW)
    assert counts.as_dict() == {"stored": 1, "updated": 0, "unchanged": 0, "quarantined": 0}
    stored = db_session.scalars(select(Dossier.code)).one()
    raw = db_session.scalars(select(RawRecord)).one()
    assert raw.dossier_code == stored


def test_a_progress_record_and_its_raw_row_name_its_dossiers_code(db_session: Session) -> None:
    code = CODES["decomposed text (NFD)"]
    ingest_records(db_session, "test", as_records([dossier(code, steps=[])]), NOW)
    counts = ingest_records(db_session, "test", as_records(
        [step(code, stamp(9, 9), 4)], kind="progress"), NOW)
    assert (counts.stored, counts.quarantined) == (1, 0)
    codes = set(db_session.scalars(select(RawRecord.dossier_code)))
    assert codes == set(db_session.scalars(select(Dossier.code))) == {"H21.65-250908-0001\u00e9"}


def test_a_quarantined_record_keeps_the_code_it_was_sent_with(db_session: Session) -> None:
    ingest_records(db_session, "test", as_records([dossier(4711, steps=[], NgayHenTra="mai")]),
                   NOW)
    entry = db_session.scalars(select(QuarantineEntry)).one()
    raw = db_session.scalars(select(RawRecord)).one()
    assert entry.dossier_code == raw.dossier_code == "4711"


def test_retention_archives_the_payload_of_a_closed_dossier_with_a_numeric_code(
    db_session: Session, tmp_path: Path
) -> None:
    returned = dossier(20250908001, status=10, steps=[], NgayKetThucXuLy=stamp(10, 15),
                       NgayTra=stamp(11, 9))
    ingest_records(db_session, "test", as_records([returned]), NOW)
    policy = Policy(job_run_days=90, reception_minutes_days=30, archive_dir=tmp_path,
                    archive_after_months=12)
    assert plan(db_session, NOW + timedelta(days=400), policy).payloads_archived == 1
