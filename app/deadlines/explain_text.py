"""Vietnamese wording of the explanation ("giải thích thời hạn")."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from app.core.clock import LOCAL_TZ
from app.deadlines.calendar.days import WEEKDAY_NAMES_VI
from app.deadlines.clock import StartReason
from app.deadlines.result import Classification
from app.deadlines.status import DossierStatus

CLASSIFICATION_VI: dict[Classification, str] = {
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Quá hạn",
    "in_time": "Trong hạn",
    "due_soon": "Sắp đến hạn",
    "overdue": "Quá hạn (đang xử lý)",
    "paused": "Tạm dừng tính thời hạn",
    "excluded": "Không tính vào tỷ lệ đúng hạn",
    "no_due": "Chưa xác định được hạn",
}

PAUSE_STATUS_VI: dict[int, str] = {
    DossierStatus.SUPPLEMENT: "yêu cầu bổ sung hồ sơ",
    DossierStatus.FINANCIAL: "yêu cầu thực hiện nghĩa vụ tài chính",
}


def when(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = value.astimezone(LOCAL_TZ)
    return f"{local:%H:%M} {WEEKDAY_NAMES_VI[local.weekday()]} {local:%d/%m/%Y}"


def hours_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def start_reason_text(reason: StartReason, cutoff: time | None) -> str:
    next_day = "bắt đầu tính từ đầu giờ làm việc của ngày làm việc tiếp theo"
    if reason == "in_session":
        return "Tiếp nhận trong giờ làm việc: bắt đầu tính ngay lúc tiếp nhận."
    if reason == "between_sessions":
        return "Tiếp nhận trong giờ nghỉ giữa hai buổi: bắt đầu tính từ đầu buổi làm việc sau."
    if reason == "before_opening":
        return "Tiếp nhận trước giờ làm việc: bắt đầu tính từ đầu giờ làm việc trong ngày."
    if reason == "after_closing":
        return f"Tiếp nhận sau giờ làm việc: {next_day}."
    if reason == "non_working_day":
        return f"Tiếp nhận vào ngày nghỉ: {next_day}."
    cut = f"{cutoff:%H:%M}" if cutoff is not None else "giờ chốt"
    return f"Tiếp nhận từ {cut} (giờ chốt nhận hồ sơ của thủ tục) trở đi: {next_day}."
