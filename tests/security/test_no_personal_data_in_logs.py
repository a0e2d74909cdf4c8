"""Ingest, API calls and a scan, with every log record captured: no applicant field appears."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.logging import JsonFormatter
from app.scan.service import run_scan
from connectors import build_envelope
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.ingest.payloads import NOW, dossier, stamp

PERSONAL = ("Nguyễn Văn An", "0912345678", "079012345612", "an@example.vn", "Trần Thị Bình",
            "Lê Thị Hồng Nhung", "0987654321", "nhung@example.vn")
CODE = "H21.65-250908-0001"


def _post(client: TestClient, data: list[object]) -> int:
    body = json.dumps(build_envelope("DongBoHoSoMC", "H21.65", data), ensure_ascii=False).encode()
    headers = {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, int(time.time())),
               "Content-Type": "application/json"}
    return client.post("/api/v1/webhooks/dvc", content=body, headers=headers).status_code


def test_no_applicant_field_reaches_a_log_line(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]],
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    broken = dossier("H21.65-250908-0002", ChuHoSo="Lê Thị Hồng Nhung", SoDienThoai="0987654321",
                     Email="nhung@example.vn", NgayHenTra="31/12/2025")
    assert _post(client, [dossier(), broken]) == 200
    assert _post(client, [{"MaHoSo": CODE, "ChuHoSo": "Nguyễn Văn An"}]) == 200  # quarantined
    admin = auth_headers("admin")
    for path in (f"/api/v1/dossiers/{CODE}", "/api/v1/dossiers/overdue",
                 "/api/v1/quarantine", "/api/v1/ingest/runs", "/giam-sat/cach-ly", "/"):
        assert client.get(path, headers=admin).status_code < 500
    detail = client.get(f"/api/v1/dossiers/{CODE}", headers=admin)
    assert "Nguyễn Văn An" in detail.text  # the data is really there for staff to see
    assert client.post("/api/v1/quarantine/retry", headers=admin).status_code == 200
    run_scan(db_session, NOW.replace(year=2026))
    db_session.commit()
    # A failing request logs a traceback: its text must not carry row values either.
    assert _post(client, [dossier(NgayTiepNhan=stamp(8, 8), ChuHoSo=None)]) == 200

    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    captured = capsys.readouterr()
    everything = "\n".join([*lines, caplog.text, captured.out, captured.err])
    assert lines, "nothing was logged: the test would prove nothing"
    leaks = [value for value in PERSONAL if value in everything]
    assert not leaks, f"personal data in the logs: {leaks}"
