"""Each step's arithmetic in words (DEADLINES.md §7–§8), for `tthc dossier explain`."""

from __future__ import annotations

from app.deadlines.explain_text import hours_text, when
from app.deadlines.step_types import UNATTRIBUTED_REASONS, StepSpan, StepTimeline

STEP_CLASS_VI = {
    "early": "trước hạn",
    "on_time": "đúng hạn",
    "late": "quá hạn",
    "in_time": "trong hạn",
    "due_soon": "sắp đến hạn",
    "overdue": "quá hạn (đang xử lý)",
    "paused": "tạm dừng (chờ công dân)",
    "no_due": "không xác định được hạn",
}
START_BASIS_VI = {
    "sender": "NgayBatDau do hệ thống gửi",
    "previous_step": "kết thúc bước trước",
    "clock_start": "thời điểm bắt đầu tính thời hạn",
}


def _due_text(step: StepSpan) -> str:
    if step.due_basis == "sender":
        return f"hạn {when(step.due_at)} (NgayKetThucTheoQuyDinh do hệ thống gửi)"
    if step.due_basis == "catalogue" and step.allotted_hours is not None:
        due = when(step.due_at) if step.due_at else "chưa xác định (đang tạm dừng)"
        moved = f", cộng {hours_text(step.paused_hours)} giờ tạm dừng" if step.paused_hours else ""
        return f"hạn = bắt đầu + {hours_text(step.allotted_hours)} giờ làm việc{moved} = {due}"
    return "không có hạn (đơn vị không có trong quy trình nội bộ, hệ thống không gửi hạn)"


def step_lines(step: StepSpan) -> list[str]:
    """The lines a supervisor needs to redo one step by hand."""
    title = f"Bước {step.position + 1}" + (f" «{step.name}»" if step.name else "")
    holder = step.unit if step.agency == step.unit else f"{step.unit} ({step.agency})"
    lines = [
        f"{title}: {holder}" + (" — liên thông" if step.inter_agency else ""),
        f"  bắt đầu {when(step.started_at)} ({START_BASIS_VI.get(step.start_basis, '')})",
        f"  {_due_text(step)}",
    ]
    if step.open:
        left = step.working_hours_left
        tail = "" if left is None else f", còn {hours_text(left)} giờ làm việc"
        lines.append(f"  đang xử lý: đã dùng {hours_text(step.working_hours)} giờ{tail}")
    else:
        lines.append(f"  kết thúc {when(step.finished_at)}: đã dùng "
                     f"{hours_text(step.working_hours)} giờ làm việc")
    if step.paused_hours:
        lines.append(f"  tạm dừng chờ công dân: {hours_text(step.paused_hours)} giờ (không tính)")
    verdict = STEP_CLASS_VI[step.classification]
    if step.overrun_working_hours:
        verdict += f", vượt {hours_text(step.overrun_working_hours)} giờ làm việc"
    lines.append(f"  → {verdict}")
    return lines


def timeline_lines(timeline: StepTimeline) -> list[str]:
    lines: list[str] = []
    for step in timeline.all_steps:
        lines.extend(step_lines(step))
    r = timeline.responsible
    if r is None:
        return lines
    if r.attributed:
        named = " và ".join(r.named)
        lines.append(f"Trách nhiệm chậm muộn: {r.agency} (bước {(r.step_position or 0) + 1}, "
                     f"vượt {hours_text(r.overrun_working_hours)} giờ); xin lỗi: {named}")
    else:
        reason = UNATTRIBUTED_REASONS.get(r.reason or "", r.reason or "")
        lines.append(f"Trách nhiệm chậm muộn: chưa xác định được ({reason})")
    return lines
