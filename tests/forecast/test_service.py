"""The forecast on stored dossiers: ranking, honesty about the instant, API scope, CLI, notices."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.forecast import service
from app.forecast.jobs import notify_at_risk
from app.models import OutboxMessage
from tests.factories import make_dossier
from tests.forecast.seed import AS_OF, FAST, SLOW, seed, step, whole_weeks_before


def test_a_dossier_at_a_unit_that_usually_overruns_ranks_first(db_session: Session) -> None:
    seed(db_session)
    result = service.at_risk(db_session, AS_OF)
    assert [f.code for f in result.items] == ["OPEN-SLOW", "OPEN-FAST"]
    slow, fast = result.items
    assert slow.probability_late > 0.8 > 0.2 > fast.probability_late
    assert slow.unit == SLOW and fast.unit == FAST
    # Vietnamese, NFC: held since Thursday 10:00 until Friday 09:00 = 7 working hours = 0,9 day
    assert slow.reasons[0].startswith(f"bước {SLOW} thường mất ")
    assert slow.reasons[0].endswith("; đã giữ 0,9 ngày")
    assert all(unicodedata.is_normalized("NFC", r) for r in slow.reasons + fast.reasons)
    assert slow.expected_finish_at > slow.due_at > fast.expected_finish_at


def test_what_happened_after_the_instant_does_not_change_the_forecast(
    db_session: Session,
) -> None:
    world = seed(db_session)
    before = [(f.code, f.probability_late, f.expected_finish_at, f.reasons)
              for f in service.at_risk(db_session, AS_OF).items]
    # After the instant: both open dossiers finish (the slow one at once, the fast one very
    # late) and thirty new dossiers go through the slow unit in an hour each.
    later = AS_OF + timedelta(hours=2)
    for code, days in (("OPEN-SLOW", 0), ("OPEN-FAST", 20)):
        d = world.open[code]
        step(db_session, d, later + timedelta(days=days), 9, "Lãnh đạo")
        d.status, d.finished_at = 10, later + timedelta(days=days)
    for k in range(30):
        d = make_dossier(db_session, f"AFTER-{k}", world.other, world.procedure, later,
                         status=10, finished_at=later + timedelta(hours=1))
        step(db_session, d, later, 4, SLOW)
        step(db_session, d, later + timedelta(hours=1), 9, SLOW)
    db_session.flush()
    after = [(f.code, f.probability_late, f.expected_finish_at, f.reasons)
             for f in service.at_risk(db_session, AS_OF).items]
    assert after == before
    # ... while the same question asked later does see them: only the fast one is still open
    assert [f.code for f in service.at_risk(db_session, later + timedelta(days=1)).items] == [
        "OPEN-FAST"]


def test_api_lists_at_risk_dossiers_within_the_callers_agencies(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    seed(db_session)
    params = {"as_of": AS_OF.isoformat()}
    assert client.get("/api/v1/dossiers/at-risk", params=params).status_code == 401
    everything = client.get("/api/v1/dossiers/at-risk", params=params,
                            headers=auth_headers("admin"))
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert [i["code"] for i in body["items"]] == ["OPEN-SLOW", "OPEN-FAST"]
    assert set(body["items"][0]) == {
        "code", "agency_code", "procedure_code", "unit", "probability_late",
        "expected_finish_at", "due_at", "working_hours_left", "reasons"}
    district = client.get("/api/v1/dossiers/at-risk", params=params,
                          headers=auth_headers("supervisor", agency="TINH"))
    assert [i["code"] for i in district.json()["items"]] == ["OPEN-FAST"]
    outside = client.get("/api/v1/dossiers/at-risk", params={**params, "agency": "KHAC"},
                         headers=auth_headers("supervisor", agency="TINH"))
    assert outside.status_code == 403
    bad = client.get("/api/v1/dossiers/at-risk", params={"min_probability": 2},
                     headers=auth_headers("admin"))
    assert bad.status_code == 422


def test_a_unit_is_told_once_when_its_dossier_becomes_likely_late(db_session: Session) -> None:
    seed(db_session)
    first = notify_at_risk(db_session, AS_OF, threshold=0.5)
    assert first == {"open": 2, "at_risk": 1, "notifications": 1}
    again = notify_at_risk(db_session, AS_OF + timedelta(minutes=30), threshold=0.5)
    assert again["notifications"] == 0
    messages = db_session.scalars(select(OutboxMessage)).all()
    assert [m.idempotency_key for m in messages] == ["risk:OPEN-SLOW"]
    payload = messages[0].payload
    assert payload["dossier_code"] == "OPEN-SLOW" and payload["unit"] == SLOW
    assert "Nguyễn" not in json.dumps(payload, ensure_ascii=False)  # no applicant data


def test_the_last_and_first_supported_years_answer_without_error(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    late = datetime(2199, 12, 20, 9, tzinfo=UTC)
    seed(db_session, whole_weeks_before(late))
    for as_of in ("2199-12-31T09:00:00+07:00", "1991-01-02T09:00:00+07:00",
                  "9999-01-01T00:00:00Z"):
        response = client.get("/api/v1/dossiers/at-risk", params={"as_of": as_of},
                              headers=auth_headers("admin"))
        assert response.status_code in (200, 422), response.text
        assert response.status_code == (422 if as_of.startswith("9999") else 200)
