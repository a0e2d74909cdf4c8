"""The reasons of a forecast, in Vietnamese a supervisor reads at a glance (NFC)."""

from __future__ import annotations

import unicodedata

from app.deadlines import WORKING_DAY_HOURS

#: A unit holding at least this many open dossiers is named as a reason.
BACKLOG_WORTH_SAYING = 20


def days(hours: float) -> str:
    """Working hours as working days, Vietnamese style: 6,5 ; 5 ; 0,3."""
    value = round(max(hours, 0.0) / WORKING_DAY_HOURS, 1)
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def reasons_for(
    *, unit: str, typical_stay: float | None, held: float, left: float,
    median_remaining: float, backlog: int,
) -> tuple[str, ...]:
    """The main reasons, most telling first."""
    reasons: list[str] = []
    if left <= 0:
        reasons.append(f"đã quá hạn {days(-left)} ngày làm việc")
    if typical_stay is not None:
        step = f"bước {unit} thường mất {days(typical_stay)} ngày; đã giữ {days(held)} ngày"
        reasons.append(step)
    if left > 0:
        reasons.append(f"còn {days(left)} ngày làm việc đến hạn; hồ sơ tương tự thường cần "
                       f"thêm {days(median_remaining)} ngày")
    if backlog >= BACKLOG_WORTH_SAYING:
        reasons.append(f"đơn vị {unit} đang tồn {backlog} hồ sơ")
    if typical_stay is not None and held > typical_stay and len(reasons) > 1:
        # held longer than usual: that is the news, say it first
        reasons.insert(0, reasons.pop(reasons.index(step)))
    return tuple(unicodedata.normalize("NFC", r) for r in reasons)
