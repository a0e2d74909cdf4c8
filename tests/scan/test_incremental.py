"""An incremental scan leaves the database exactly as a full scan at the same instant would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.models import Dossier, DossierTransition, JobRun
from app.scan.jobs import scan_job, scan_since
from app.scan.service import run_scan
from tests.factories import add_event, local, make_agency, make_dossier, make_procedure

T0 = local(2026, 3, 9, 8, 0)  # Monday


def _snapshot(session: Session) -> dict[str, Any]:
    session.expire_all()
    dossiers = {
        d.code: (d.classification, d.due_at, d.paused_since, d.late_without_apology)
        for d in session.scalars(select(Dossier))
    }
    transitions = {(t.dossier_id, t.kind) for t in session.scalars(select(DossierTransition))}
    return {"dossiers": dossiers, "transitions": transitions}


def test_incremental_equals_full(db_session: Session) -> None:
    agency = make_agency(db_session, "INC")
    quick = make_procedure(db_session, "1.10", "1", "working_days")
    slow = make_procedure(db_session, "1.11", "30", "working_days")
    dossiers = []
    for i in range(24):
        received = T0 - timedelta(hours=7 * i)
        procedure = quick if i % 3 else slow
        dossiers.append(make_dossier(db_session, f"INC-{i:02d}", agency, procedure, received))
    full = run_scan(db_session, T0)
    assert full.scanned == 24
    # A supplement request arrives for one far-from-due dossier after the first scan.
    target = dossiers[3]
    add_event(db_session, target, T0 + timedelta(hours=1), 5, "Yêu cầu bổ sung")
    target.updated_at = T0 + timedelta(hours=1)
    db_session.flush()

    later = T0 + timedelta(days=2)
    incremental = run_scan(db_session, later, since=T0)
    assert 0 < incremental.scanned < 24
    after_incremental = _snapshot(db_session)
    assert after_incremental["dossiers"]["INC-03"][0] == "paused"

    again = run_scan(db_session, later)
    assert _snapshot(db_session) == after_incremental
    assert (again.became_due_soon, again.became_overdue, again.drafted) == (0, 0, 0)


def test_job_scans_fully_first_then_incrementally_then_daily(db_session: Session) -> None:
    settings = Settings()
    assert scan_since(db_session, T0) is None  # never ran: full
    assert scan_job(db_session, T0, settings)["full"] == 1
    assert scan_job(db_session, T0 + timedelta(minutes=5), settings)["full"] == 0
    # since = the start of the last scan that committed
    assert scan_since(db_session, T0 + timedelta(minutes=15)) == T0 + timedelta(minutes=5)
    # 24 h after the last full scan (T0), not the last scan: a full one is due
    assert scan_since(db_session, T0 + timedelta(hours=24)) == T0 + timedelta(minutes=5)
    assert scan_since(db_session, T0 + timedelta(hours=24, seconds=1)) is None
    assert scan_job(db_session, T0 + timedelta(hours=25), settings)["full"] == 1
    assert scan_since(db_session, T0 + timedelta(hours=26)) == T0 + timedelta(hours=25)


def test_a_failed_scan_leaves_the_watermark_where_it_was(db_session: Session) -> None:
    """The watermark moves in the scan's own transaction: rolled back with a failed run."""
    scan_job(db_session, T0, Settings())
    db_session.commit()
    with db_session.begin_nested() as failed:
        scan_job(db_session, T0 + timedelta(minutes=5), Settings())
        failed.rollback()
    assert scan_since(db_session, T0 + timedelta(minutes=10)) == T0
    assert db_session.scalars(select(JobRun)).all() == []  # the run log is not read any more
