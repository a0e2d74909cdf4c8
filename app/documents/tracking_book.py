"""Form 07, the tracking book (sổ theo dõi hồ sơ, Circular 03/2025/TT-VPCP Phụ lục I) for a
period: one line per dossier received — code, procedure, applicant, agency, received,
appointment, result, returned, channel — as XLSX. The applicant's name is personal data: the book
is for supervisors (the dashboard and the CLI), never a public endpoint. A late dossier also
names the agency that made it late (DEADLINES.md §8).
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import to_local
from app.core.spreadsheet import append_row, new_workbook
from app.deadlines.explain_text import CLASSIFICATION_VI
from app.deadlines.step_types import UNATTRIBUTED
from app.deadlines.store import repository as dossier_repository
from app.deadlines.store.step_sync import load_step_context, timeline_of
from app.deadlines.store.sync import evaluate_dossiers, load_context
from app.models import Agency, Dossier, DossierApplicant, DossierEvent, Procedure

CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}
HEADERS = ("STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Tên cá nhân, tổ chức",
           "Cơ quan chủ trì giải quyết", "Ngày nhận hồ sơ", "Hẹn trả kết quả",
           "Ngày có kết quả", "Ngày trả kết quả", "Kênh nộp", "Kết quả giải quyết",
           "Cơ quan, bộ phận làm chậm")
LATE = frozenset({"late", "overdue"})
LABELS: dict[str, str] = {str(k): v for k, v in CLASSIFICATION_VI.items()}


@dataclass(frozen=True)
class BookLine:
    code: str
    procedure: str
    applicant: str
    agency: str
    received_at: datetime
    appointment: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    channel: int | None
    classification: str | None
    responsible: str | None


def book_lines(
    session: Session, start: datetime, end: datetime, agency_ids: Collection[int] | None,
    now: datetime,
) -> list[BookLine]:
    stmt = (select(Dossier, Procedure.name, Agency.name, DossierApplicant.name)
            .join(Procedure, Procedure.id == Dossier.procedure_id)
            .join(Agency, Agency.id == Dossier.agency_id)
            .outerjoin(DossierApplicant, DossierApplicant.dossier_id == Dossier.id)
            .where(Dossier.received_at >= start, Dossier.received_at < end)
            .order_by(Dossier.received_at, Dossier.id))
    if agency_ids is not None:
        stmt = stmt.where(Dossier.agency_id.in_(sorted(agency_ids)))
    rows = session.execute(stmt).all()
    blamed = _responsible(session, [r[0] for r in rows if r[0].classification in LATE], now)
    return [
        BookLine(d.code, proc, applicant or "", agency, d.received_at,
                 d.reappointed_due_at or d.portal_due_at or d.due_at, d.finished_at,
                 d.returned_at, d.channel, d.classification, blamed.get(d.id))
        for d, proc, agency, applicant in rows
    ]


def _responsible(session: Session, late: Sequence[Dossier], now: datetime) -> dict[int, str]:
    if not late:
        return {}
    deadlines = load_context(session)
    steps = load_step_context(session, deadlines, {d.procedure_id for d in late})
    procedures = dossier_repository.procedures_by_id(session, {d.procedure_id for d in late})
    events: dict[int, list[DossierEvent]] = {d.id: [] for d in late}
    for event in dossier_repository.events_for(session, [d.id for d in late]):
        events[event.dossier_id].append(event)
    results = evaluate_dossiers([(d, procedures.get(d.procedure_id), events[d.id]) for d in late],
                                deadlines, now)
    out = {}
    for dossier, result in zip(late, results, strict=True):
        agency = timeline_of(dossier, events[dossier.id], result, steps).responsible_agency
        if agency is not None:
            out[dossier.id] = "chưa xác định" if agency == UNATTRIBUTED else agency
    return out


def _when(value: datetime | None) -> str:
    return "" if value is None else f"{to_local(value):%d/%m/%Y %H:%M}"


def book_xlsx(lines: Sequence[BookLine], start: datetime, end: datetime) -> bytes:
    workbook = new_workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sổ theo dõi"
    last = to_local(end).date()
    append_row(sheet, [f"SỔ THEO DÕI HỒ SƠ (Mẫu 07) — từ {to_local(start):%d/%m/%Y} đến hết "
                       f"ngày trước {last:%d/%m/%Y}"])
    sheet["A1"].font = Font(bold=True, size=12)
    append_row(sheet, HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for n, line in enumerate(lines, start=1):
        label = LABELS.get(line.classification or "", line.classification)
        append_row(sheet, [n, line.code, line.procedure, line.applicant, line.agency,
                           _when(line.received_at), _when(line.appointment),
                           _when(line.finished_at), _when(line.returned_at),
                           CHANNELS.get(line.channel or 0, "Không rõ"), label or "",
                           line.responsible or ""])
    for column, width in zip("ABCDEFGHIJKL", (6, 26, 40, 26, 30, 17, 17, 17, 17, 14, 22, 28),
                             strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "C3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
