"""The quarantine page: entries a supervisor's agencies own, every entry for an admin."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import QuarantineEntry, RawRecord
from tests.dashboard.conftest import MakeToken
from tests.dashboard.helpers import Seeded, login

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _entry(session: Session, code: str | None, field: str, status: str = "open") -> None:
    raw = RawRecord(
        content_hash=hashlib.sha256(f"{code}{field}".encode()).hexdigest(),
        source="dvc_portal",
        kind="dossier",
        origin="test",
        payload="{}",
        dossier_code=code,
        first_received_at=NOW,
        last_received_at=NOW,
    )
    session.add(raw)
    session.flush()
    session.add(
        QuarantineEntry(
            raw_record_id=raw.id, source="dvc_portal", dossier_code=code, field=field,
            reason="invalid date '2026-13-45': expected yyyyMMddHHmmss", value="2026-13-45",
            first_seen_at=NOW, last_seen_at=NOW, count=2, status=status,
        )
    )
    session.flush()


@pytest.fixture
def entries(db_session: Session, seeded: Seeded) -> None:
    _entry(db_session, "H-LATE-01", "NgayHenTra")
    _entry(db_session, "K-LATE-01", "NgayTiepNhan")
    _entry(db_session, None, "MaHoSo")
    _entry(db_session, "H-SOON-01", "TrangThaiHoSo", status="resolved")
    db_session.commit()


def test_supervisor_sees_own_entries(supervisor: TestClient, entries: None) -> None:
    html = supervisor.get("/giam-sat/cach-ly").text
    assert "Dữ liệu cách ly" in html and "Tổng số: <strong>1</strong> bản ghi" in html
    # stored in the parser's English, shown in Vietnamese
    assert "invalid date" not in html and "không hợp lệ: cần dạng yyyyMMddHHmmss" in html
    assert "NgayHenTra" in html
    assert "NgayTiepNhan" not in html and "MaHoSo" not in html and "TrangThaiHoSo" not in html
    resolved = supervisor.get("/giam-sat/cach-ly", params={"trang_thai": "resolved"}).text
    assert "TrangThaiHoSo" in resolved and "NgayHenTra" not in resolved


def test_admin_sees_every_entry(web: TestClient, entries: None, make_token: MakeToken) -> None:
    login(web, make_token("admin", None))
    html = web.get("/giam-sat/cach-ly", params={"trang_thai": "all"}).text
    for field in ("NgayHenTra", "NgayTiepNhan", "MaHoSo", "TrangThaiHoSo"):
        assert field in html
    assert web.get("/giam-sat/cach-ly", params={"trang_thai": "x"}).status_code == 422
