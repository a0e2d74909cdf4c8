"""scan.full / scan.incremental: the scan of N open dossiers, then again after 1 % changed.

The N open dossiers are bulk-inserted as normalised rows (received in the 60 days before the
bench's "now", no due time yet) so the scan does the whole work: due times, classification,
transitions, drafts and notifications.
"""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
from sqlalchemy import insert, select, update

from app.db.session import make_engine, make_session_factory
from app.ingest.upsert import legal_basis
from app.models import Agency, Dossier, Procedure
from app.scan.service import run_scan
from bench.data import NOW, units
from bench.results import Result, result


def load_open_dossiers(url: str, n: int) -> None:
    engine = make_engine(url)
    rng = np.random.default_rng(5)
    with make_session_factory(engine)() as session:
        procedures = list(session.scalars(select(Procedure.id)))
        found = units(n)
        session.execute(insert(Agency), [
            {"code": u.code, "name": u.name, "auto_created": False,
             "auto_approve_notices": False, "created_at": NOW, "updated_at": NOW}
            for u in found
        ])
        agencies = list(session.scalars(select(Agency.id)))
        offsets = rng.integers(0, 60 * 86_400, size=n)
        rows = []
        for i in range(n):
            received = NOW - timedelta(seconds=int(offsets[i]))
            rows.append({
                "code": f"SCAN-{i:07d}", "procedure_id": procedures[i % len(procedures)],
                "agency_id": agencies[int(rng.integers(len(agencies)))], "channel": 2,
                "applicant_type": 1, "status": 4, "received_at": received,
                "portal_due_at": received + timedelta(days=10), "due_is_legal": False,
                "paused_working_minutes": 0, "appointment_mismatch": False,
                "legal_basis": legal_basis(received), "late_without_apology": False,
                "escalated": False, "created_at": NOW, "updated_at": NOW,
            })
            if len(rows) == 5000:
                session.execute(insert(Dossier), rows)
                rows = []
        if rows:
            session.execute(insert(Dossier), rows)
        session.commit()
    engine.dispose()


def run(url: str, n: int) -> list[Result]:
    load_open_dossiers(url, n)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        start = time.perf_counter()
        full = run_scan(session, NOW)
        session.commit()
        full_s = time.perf_counter() - start
    with factory() as session:
        ids = list(session.scalars(select(Dossier.id).order_by(Dossier.id)))
        changed = ids[:: max(1, len(ids) // max(1, n // 100))][: max(1, n // 100)]
        session.execute(
            update(Dossier).where(Dossier.id.in_(changed)).values(status=10, returned_at=NOW)
        )
        session.commit()
    with factory() as session:
        start = time.perf_counter()
        again = run_scan(session, NOW + timedelta(hours=1))
        session.commit()
        inc_s = time.perf_counter() - start
    engine.dispose()
    return [
        result("scan.full", full.scanned, full_s, None, None,
               note=f"{full.overdue:,} overdue, {full.drafted:,} drafts"),
        result("scan.incremental", again.scanned, inc_s, "scan.full", full_s,
               note=f"after {len(changed):,} dossiers (1 %) finished"),
    ]
