"""Every route that lists rows keeps to the caller's agencies: two districts, both directions.

The companion of test_route_auth.py (same route table, same PRIVATE classification). Two
districts of one province each get a row of every kind a list shows: an overdue dossier with
its apology draft, a dossier due soon, a quarantined record, a dossier with a data-quality
anomaly and a webhook ingest run. Then a
supervisor of each district walks every list (API and dashboard, pages and exports): their
own rows are there, the other district's are not; the province's supervisor sees both. A
route classified "list" in test_route_auth.py without an entry here fails the test.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.auth.session_cookie import SESSION_COOKIE
from app.auth.sessions import open_session
from app.deadlines.store.sync import refresh_deadlines
from app.ingest.service import ingest_records
from app.models import IngestRun
from app.scan.service import run_scan
from connectors import SourceRecord
from tests.factories import add_event, make_dossier, make_procedure
from tests.ingest.payloads import dossier as portal_dossier
from tests.scan.scenario import ONE_DAY_BEFORE, add_dossier, make_case
from tests.security.test_route_auth import PRIVATE

DISTRICTS = ("STP-LD", "STP-LD-B")
PROVINCE = "UBND-LD"


def markers(district: str) -> dict[str, str]:
    """Text that appears in a list only when it shows that district's row of each kind."""
    n = DISTRICTS.index(district) + 1
    return {
        "overdue": f"000.00.12.H36-260302-009{n}",
        "soon": f"S-{n}-260302-0001",
        "quarantine": f"Q-{n}-260302-0001",
        "anomaly": f"A-{n}-260302-0001",
        "run": f'"agency_code":"{district}"',
        "group": f'"key":"{district}"',
        "unit": f"Tổ xử lý {n}",  # the unit of a step of the overdue dossier (DEADLINES.md §8)
    }


# route -> (query, the kinds of row it lists)
LISTS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("GET", "/api/v1/dossiers/overdue"): ("as_of=2026-03-10T10:00:00Z", ("overdue",)),
    ("GET", "/api/v1/dossiers/due-soon"): ("as_of=2026-03-06T03:00:00Z", ("overdue",)),
    ("GET", "/api/v1/notices"): ("", ("overdue",)),
    ("GET", "/api/v1/quarantine"): ("status=all", ("quarantine",)),
    ("GET", "/api/v1/ingest/runs"): ("", ("run",)),
    ("GET", "/api/v1/rates"): ("from=2026-03-01&to=2026-04-01&group_by=agency", ("group",)),
    ("GET", "/api/v1/reports/period"): ("from=2026-03-01&to=2026-04-01&group_by=agency",
                                        ("group",)),
    ("GET", "/giam-sat/qua-han"): ("", ("overdue",)),
    ("GET", "/giam-sat/qua-han.xlsx"): ("", ("overdue",)),
    ("GET", "/giam-sat/sap-den-han"): ("", ("soon",)),
    ("GET", "/giam-sat/sap-den-han.xlsx"): ("", ("soon",)),
    # with no finished history every in-time dossier is at even odds, above the threshold
    ("GET", "/api/v1/dossiers/at-risk"): ("as_of=2026-03-10T10:00:00Z", ("overdue",)),
    ("GET", "/giam-sat/nguy-co-tre-han"): ("", ("soon",)),
    ("GET", "/giam-sat/nguy-co-tre-han.xlsx"): ("", ("soon",)),
    ("GET", "/giam-sat/phieu-xin-loi"): ("", ("overdue",)),
    ("GET", "/giam-sat/cach-ly"): ("trang_thai=all", ("quarantine",)),
    ("GET", "/giam-sat/chat-luong-du-lieu"): ("", ("anomaly",)),
    ("GET", "/api/v1/rates/units"): ("from=2026-03-01&to=2026-04-01", ("unit",)),
    ("GET", "/giam-sat/don-vi-xu-ly"): ("from=2026-03-01&to=2026-04-01", ("unit",)),
    ("GET", "/giam-sat/so-theo-doi"): ("from=2026-03-01&to=2026-04-01", ("overdue",)),
}
REDIRECTS = {("GET", "/giam-sat")}  # sends a supervisor on to a list walked above


@dataclass
class Caller:
    bearer: dict[str, str]
    cookie: str


@pytest.fixture
def callers(db_session: Session) -> dict[str, Caller]:
    now = datetime.now(UTC)
    case_a, case_b = make_case(db_session), make_case(db_session, "-B")
    case_b.agency.parent_id = case_a.province.id  # two districts of one province
    quick = make_procedure(db_session, "2.002", "4", "working_hours")
    soon = []
    for district, case in zip(DISTRICTS, (case_a, case_b), strict=True):
        mark = markers(district)
        late = add_dossier(db_session, case, mark["overdue"])
        add_event(db_session, late, late.received_at + timedelta(hours=1), 4,
                  "Thẩm định").department = mark["unit"]
        soon.append(make_dossier(db_session, mark["soon"], case.agency, quick,
                                 now - timedelta(minutes=5)))
        bad = portal_dossier(mark["quarantine"], agency=district, NgayTiepNhan="02/03/2026")
        ingest_records(db_session, "webhook", [SourceRecord(
            kind="dossier", payload=bad, origin="test", agency_code=district)], now)
        flawed = portal_dossier(mark["anomaly"], agency=district, TrichYeuHoSo="Dinhkem")
        ingest_records(db_session, "webhook", [SourceRecord(
            kind="dossier", payload=flawed, origin="test", agency_code=district)], now)
        db_session.add(IngestRun(source="webhook", detail=f"DongBoHoSoMC từ {district}",
                                 agency_code=district, started_at=now, finished_at=now,
                                 status="succeeded", stored=0, updated=0, unchanged=0,
                                 quarantined=1, pages=1))
    run_scan(db_session, ONE_DAY_BEFORE)  # the overdue dossiers' apology drafts
    refresh_deadlines(db_session, soon, now)
    made: dict[str, Caller] = {}
    for agency in (*DISTRICTS, PROVINCE):
        created = create_token(db_session, name=agency, role="supervisor", agency=agency,
                               now=now)
        opened = open_session(db_session, created.token.id, now)
        made[agency] = Caller({"Authorization": f"Bearer {created.secret}"}, opened.secret)
    db_session.commit()
    return made


def _text(content: bytes) -> str:
    if content.startswith(b"PK"):  # an xlsx export: its cells
        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(c) for ws in book.worksheets
                         for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    return content.decode("utf-8").replace(": ", ":").replace('": "', '":"')


def test_every_list_route_is_walked() -> None:
    lists = {key for key, rule in PRIVATE.items() if rule.guard == "list"}
    assert lists - REDIRECTS <= LISTS.keys(), sorted(lists - REDIRECTS - LISTS.keys())
    assert LISTS.keys() <= PRIVATE.keys()


@pytest.mark.parametrize(("method", "path"), sorted(LISTS))
def test_each_district_sees_its_own_rows_and_never_the_others(
    app: FastAPI, callers: dict[str, Caller], method: str, path: str
) -> None:
    query, kinds = LISTS[(method, path)]
    url = path + (f"?{query}" if query else "")
    seen: dict[str, str] = {}
    with TestClient(app, base_url="https://testserver") as client:
        for agency, caller in callers.items():
            client.cookies.clear()
            if path.startswith("/giam-sat"):
                client.cookies.set(SESSION_COOKIE, caller.cookie)
                response = client.request(method, url)
            else:
                response = client.request(method, url, headers=caller.bearer)
            assert response.status_code == 200, (agency, response.text[:300])
            seen[agency] = _text(response.content)
    for own, other in (DISTRICTS, DISTRICTS[::-1]):
        for kind in kinds:
            assert markers(own)[kind] in seen[own], f"{own} does not see its {kind} row"
            assert markers(other)[kind] not in seen[own], f"{own} sees {other}'s {kind} row"
            assert markers(own)[kind] in seen[PROVINCE], f"the province misses {own}'s {kind}"
