from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.auth.service import create_token

Q1 = {"from": "2024-01-01", "to": "2024-04-01"}


def _token(session: Session, role: str, agency: str | None = None) -> dict[str, str]:
    created = create_token(
        session, name="t", role=role, agency=agency, now=datetime(2024, 1, 1, tzinfo=UTC)
    )
    session.commit()
    return {"Authorization": f"Bearer {created.secret}"}


def test_anonymous_is_401(client: TestClient, lam_dong: Any) -> None:
    response = client.get("/api/v1/reports/period", params=Q1)
    assert response.status_code == 401
    assert client.get("/api/v1/rates", params=Q1).status_code == 401


def test_admin_report_json(client: TestClient, db_session: Session, lam_dong: Any) -> None:
    response = client.get(
        "/api/v1/reports/period", params=Q1, headers=_token(db_session, "admin")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resolved"] == 600 and body["reconciles"] is True
    assert round(body["on_time_rate"] * 100, 2) == 98.33
    assert body["definitions"]["on_time_rate"].startswith("(early + on_time)")


def test_supervisor_sees_only_subtree(
    client: TestClient, db_session: Session, lam_dong: Any
) -> None:
    headers = _token(db_session, "supervisor", "HUYEN-B")
    body = client.get(
        "/api/v1/reports/period", params={**Q1, "group_by": "agency"}, headers=headers
    ).json()
    assert [g["key"] for g in body["groups"]] == ["HUYEN-B"]
    assert body["late"] == lam_dong.per_agency["HUYEN-B"].get("late", 0)
    outside = client.get(
        "/api/v1/reports/period", params={**Q1, "agency": "HUYEN-A"}, headers=headers
    )
    assert outside.status_code == 403


def test_viewer_rates_endpoint(client: TestClient, db_session: Session, lam_dong: Any) -> None:
    headers = _token(db_session, "viewer", "TINH")
    body = client.get("/api/v1/rates", params={**Q1, "group_by": "channel"}, headers=headers)
    assert body.status_code == 200, body.text
    assert body.json()["processing_times"] == []
    assert body.json()["resolved"] == 600


def test_csv_and_xlsx_have_the_same_totals(
    client: TestClient, db_session: Session, lam_dong: Any
) -> None:
    headers = _token(db_session, "admin")
    params = {**Q1, "group_by": "agency"}
    as_csv = client.get(
        "/api/v1/reports/period", params={**params, "format": "csv"}, headers=headers
    )
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    header = rows[0]
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[header.index("Đã giải quyết: tổng số")] == "600"
    assert total[header.index("Tỷ lệ đúng hạn (%)")] == "98.33"
    assert total[header.index("Tổng số hồ sơ nhận giải quyết")] == str(585 + 54)

    as_xlsx = client.get(
        "/api/v1/reports/period", params={**params, "format": "xlsx"}, headers=headers
    )
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    x_header = values[1]
    x_total = next(r for r in values if r[1] == "Tổng cộng")
    assert x_total[x_header.index("Đã giải quyết: tổng số")] == 600
    assert x_total[x_header.index("Tỷ lệ đúng hạn (%)")] == 98.33
    assert "II.06a" in str(values[0][0])


def test_public_rates_without_token(client: TestClient, lam_dong: Any) -> None:
    response = client.get("/api/v1/public/rates", params=Q1)
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert {r["month"] for r in rows} == {"2024-01", "2024-02", "2024-03"}
    march = {r["agency_code"]: r for r in rows if r["month"] == "2024-03"}
    assert march["TINH"]["resolved"] == 200
    assert set(rows[0]) == {
        "agency_code", "agency_name", "month", "received", "resolved", "early", "on_time",
        "late", "open_in_time", "open_overdue", "on_time_rate", "late_rate_all",
        "progress_score", "small_sample",
    }


def test_bad_period_is_400(client: TestClient, db_session: Session) -> None:
    response = client.get(
        "/api/v1/public/rates", params={"from": "2024-04-01", "to": "2024-01-01"}
    )
    assert response.status_code == 400
    assert "after its start" in response.json()["reason"]
