from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.deadlines.store.sync import refresh_deadlines
from tests.factories import local, make_agency, make_dossier, make_procedure


def test_metrics_are_prometheus_text_with_domain_gauges(
    client: TestClient, db_session: Session
) -> None:
    agency = make_agency(db_session, "M")
    procedure = make_procedure(db_session, "1.1", "1", "working_days")
    dossier = make_dossier(db_session, "M-1", agency, procedure, local(2026, 3, 2, 9, 0))
    refresh_deadlines(db_session, [dossier], local(2026, 3, 20, 9, 0))
    client.get("/api/v1/dossiers/M-1")  # a 401, counted by route template
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'tthc_dossiers{classification="overdue"} 1.0' in text
    assert 'route="/api/v1/dossiers/{code}"' in text
    assert "M-1" not in text  # labels are route templates, never raw paths
    assert "Nguyễn" not in text
    assert "tthc_quarantine_open 0.0" in text


def test_job_runs_endpoint(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    make_agency(db_session, "J")
    assert client.get("/api/v1/jobs/runs").status_code == 401
    assert (
        client.get("/api/v1/jobs/runs", headers=auth_headers("viewer", agency="J")).status_code
        == 403
    )
    response = client.get("/api/v1/jobs/runs", headers=auth_headers("admin"))
    assert response.status_code == 200
    assert response.json() == []
