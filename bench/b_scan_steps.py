"""scan.steps: the full scan of N open dossiers with their steps (DEADLINES.md §8), beside the
same scan without them, on two identical databases. Goal (issue 16): at most 1.5×.

Each dossier gets three progress records as senders send them (desk, hand-over, specialist, each
with PhongBanXuLy), every procedure counted in working time an internal process, so the scan
finds an open step for most dossiers, keeps its state and records its facts.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from app.db.session import make_engine, make_session_factory
from app.models import Dossier, DossierEvent, Procedure, ProcedureProcess
from app.scan.service import run_scan
from bench.b_scan import load_open_dossiers
from bench.data import NOW
from bench.results import Result, result

DESK, SPECIALIST, LEADER = "Bộ phận Một cửa", "Phòng Chuyên môn", "Lãnh đạo đơn vị"
RECORDS = ((timedelta(minutes=30), 2, DESK, "Tiếp nhận hồ sơ"),
           (timedelta(hours=2), 4, DESK, "Chuyển phòng chuyên môn"),
           (timedelta(days=2), 4, SPECIALIST, "Thẩm định xong, trình lãnh đạo"))


def _process(hours: Decimal) -> list[dict[str, object]]:
    return [{"name": "Tiếp nhận", "units": [DESK], "working_hours": float(hours * 10 / 100)},
            {"name": "Thẩm định", "units": [SPECIALIST], "working_hours": float(hours / 2)},
            {"name": "Phê duyệt", "units": [LEADER], "working_hours": float(hours * 3 / 10)},
            {"name": "Trả kết quả", "units": [DESK], "working_hours": float(hours / 10)}]


def add_steps(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        for pid, value, unit in session.execute(
                select(Procedure.id, Procedure.processing_time, Procedure.processing_unit)):
            if value is None or unit not in ("working_days", "working_hours"):
                continue
            hours = Decimal(value) * (8 if unit == "working_days" else 1)
            session.add(ProcedureProcess(procedure_id=pid, agency_id=None,
                                         steps=_process(hours), source="bench", updated_at=NOW))
        rows = []
        for did, received in session.execute(select(Dossier.id, Dossier.received_at)):
            for offset, status, unit, text in RECORDS:
                at = received + offset
                if at > NOW:
                    continue
                key = hashlib.sha256(f"{did}|{at.isoformat()}|{status}|{text}".encode()).hexdigest()
                rows.append({"dossier_id": did, "dedup_hash": key, "at": at, "status": status,
                             "content": text, "department": unit, "recorded_at": NOW})
            if len(rows) >= 15_000:
                session.execute(insert(DossierEvent), rows)
                rows = []
        if rows:
            session.execute(insert(DossierEvent), rows)
        session.commit()
    engine.dispose()


def _full_scan(url: str, with_steps: bool) -> tuple[float, int, int]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        start = time.perf_counter()
        counts = run_scan(session, NOW, with_steps=with_steps)
        session.commit()
        seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, counts.scanned, counts.step_overdue


def run(ours_url: str, baseline_url: str, n: int) -> Result:
    for url in (ours_url, baseline_url):
        load_open_dossiers(url, n)
        add_steps(url)
    base_s, _, _ = _full_scan(baseline_url, with_steps=False)
    ours_s, scanned, late_steps = _full_scan(ours_url, with_steps=True)
    return result("scan.steps", scanned, ours_s, "scan without steps", base_s, goal="<=1.5",
                  note=f"{late_steps:,} open steps overdue")
