"""scan.full / scan.incremental: the scan of N open dossiers, then again after 1 % changed.

The N open dossiers are bulk-inserted as normalised rows (received in the 60 days before the
bench's "now", no due time yet) so the scan does the whole work: due times, classification,
transitions, drafts and notifications.

scan.full's baseline is the least a scan must do: read the open dossiers' clock columns and
their steps (plain rows, no ORM objects) and evaluate them with the batch engine in memory, in
the scan's batches, writing nothing.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert, select, update

from app.core.gc_pause import cyclic_gc_paused
from app.db.session import make_engine, make_session_factory
from app.deadlines.status import CLOSED, codes
from app.deadlines.store.sync import evaluate_read, load_context
from app.ingest.upsert import legal_basis
from app.models import Agency, Dossier, DossierEvent, Procedure
from app.scan.read_ahead import MIN_BATCHES
from app.scan.service import DEFAULT_BATCH_SIZE, run_scan
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


_CLOCK_COLUMNS = (Dossier.id, Dossier.code, Dossier.procedure_id, Dossier.agency_id,
                  Dossier.received_at, Dossier.portal_due_at, Dossier.status,
                  Dossier.finished_at, Dossier.returned_at, Dossier.due_at,
                  Dossier.classification, Dossier.classified_as_of)


def evaluate_only(engine: Engine) -> tuple[float, int]:
    """The baseline: clock columns and steps read as plain rows, evaluated, nothing written;
    with the cyclic collector paused, as the scan runs its batches."""
    with make_session_factory(engine)() as session, cyclic_gc_paused():
        start = time.perf_counter()
        context = load_context(session)
        procedures = {p.id: p for p in session.scalars(select(Procedure))}
        last_id, evaluated = 0, 0
        while True:
            rows = session.execute(
                select(*_CLOCK_COLUMNS)
                .where(Dossier.id > last_id, Dossier.finished_at.is_(None),
                       Dossier.status.not_in(codes(CLOSED)))
                .order_by(Dossier.id).limit(DEFAULT_BATCH_SIZE)
            ).all()
            if not rows:
                break
            steps: dict[int, list[object]] = {}
            for step in session.execute(
                select(DossierEvent.dossier_id, DossierEvent.at, DossierEvent.status,
                       DossierEvent.content)
                .where(DossierEvent.dossier_id.in_([r.id for r in rows]))
                .order_by(DossierEvent.dossier_id, DossierEvent.at, DossierEvent.id)
            ):
                steps.setdefault(step.dossier_id, []).append(step)
            # rows carry the attributes the clock reads (ClockSubject, StepLike)
            items: Any = [(r, procedures.get(r.procedure_id), steps.get(r.id, ())) for r in rows]
            evaluate_read(items, context, NOW)
            evaluated += len(rows)
            last_id = rows[-1].id
        return time.perf_counter() - start, evaluated


def run(url: str, n: int) -> list[Result]:
    load_open_dossiers(url, n)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    base_s, evaluated = evaluate_only(engine)
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
    # as `app.scan.read_ahead.wanted` decides for a fresh transaction
    ahead = url.startswith("sqlite") and full.scanned >= MIN_BATCHES * DEFAULT_BATCH_SIZE
    return [
        result("scan.full", full.scanned, full_s, "read clock columns + evaluate, no writes",
               base_s, goal="<=3",
               note=f"{full.overdue:,} overdue, {full.drafted:,} drafts; baseline evaluated "
               f"{evaluated:,}" + ("; read-ahead worker on" if ahead else "")),
        result("scan.incremental", again.scanned, inc_s, "scan.full", full_s,
               note=f"after {len(changed):,} dossiers (1 %) finished"),
    ]
