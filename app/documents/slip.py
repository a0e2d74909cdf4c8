"""Form 06, the process-control slip (phiếu kiểm soát quá trình giải quyết hồ sơ, Circular
03/2025/TT-VPCP Phụ lục I): per step, who handed the dossier to whom and when, early / on time /
late, and space for both signatures. Built from the dossier's step timeline (DEADLINES.md §8).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core.clock import LOCAL_TZ
from app.deadlines.explain_text import hours_text
from app.deadlines.step_types import StepTimeline

SLIP_TITLE = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
RESULT_VI = {
    "early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn",
    "in_time": "Đang xử lý (trong hạn)", "due_soon": "Đang xử lý (sắp đến hạn)",
    "overdue": "Đang xử lý (quá hạn)", "paused": "Tạm dừng (chờ công dân)",
    "no_due": "Không xác định hạn",
}
COLUMNS = ("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ",
           "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)", "GHI CHÚ")


def instant_vi(value: datetime | None) -> str:
    """"14 giờ 05 phút, ngày 03 tháng 3 năm 2026" as the forms write an instant."""
    if value is None:
        return "… giờ … phút, ngày … tháng … năm …"
    local = value.astimezone(LOCAL_TZ)
    return (f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local.month} "
            f"năm {local.year}")


@dataclass(frozen=True)
class SlipRow:
    number: int
    giver: str
    receiver: str
    handed_at: str
    result: str
    note: str
    giver_officer: str  # printed under the signature line when the record names them
    receiver_officer: str


@dataclass(frozen=True)
class SlipDocument:
    issuing_unit: str
    dossier_code: str
    procedure_name: str
    agency: str
    partner_agencies: tuple[str, ...]
    rows: tuple[SlipRow, ...]
    responsible: str | None


def build_slip(
    timeline: StepTimeline, *, dossier_code: str, procedure_name: str, agency: str,
    officers: dict[int, str] | None = None, desk: str = "Bộ phận tiếp nhận và trả kết quả",
) -> SlipDocument:
    """`officers`: step position -> the officer who did it (NguoiXuLy), when recorded."""
    officers = officers or {}
    rows = []
    previous = desk
    for step in timeline.all_steps:
        note = []
        if step.due_at is not None:
            note.append(f"Hạn bước: {instant_vi(step.due_at)}")
        if step.overrun_working_hours:
            note.append(f"vượt {hours_text(step.overrun_working_hours)} giờ làm việc")
        if step.paused_hours:
            note.append(f"chờ công dân {hours_text(step.paused_hours)} giờ (không tính)")
        receiver = step.unit if not step.inter_agency else f"{step.unit} ({step.agency})"
        rows.append(SlipRow(
            number=step.position + 1, giver=previous, receiver=receiver,
            handed_at=instant_vi(step.started_at), result=RESULT_VI[step.classification],
            note="; ".join(note), giver_officer=officers.get(step.position - 1, ""),
            receiver_officer=officers.get(step.position, ""),
        ))
        previous = step.unit
    partners = tuple(dict.fromkeys(s.agency for s in timeline.all_steps if s.inter_agency))
    responsible = timeline.responsible
    blamed = None
    if responsible is not None:
        blamed = responsible.agency if responsible.attributed else "chưa xác định"
    return SlipDocument(agency, dossier_code, procedure_name, agency, partners, tuple(rows),
                        blamed)
