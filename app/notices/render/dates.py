"""Vietnamese date phrases as administrative documents write them.

Decree 30/2020/NĐ-CP (Phụ lục I, mục II.5) writes dates in words-and-numbers:
"ngày 05 tháng 3 năm 2026". Days below 10 and the months January and February take a
leading zero (so "tháng 01", "tháng 02", but "tháng 3"): the zero keeps a handwritten "1"
or "2" from being extended into "11" or "12" after signing.

Times are shown on the wall clock of Asia/Ho_Chi_Minh whatever zone the value carries,
because the applicant reads the notice in Vietnam.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from app.core.clock import to_local

# The same instant on the Vietnamese wall clock; naive values raise ValueError.
to_vn_time = to_local


def _day(d: date) -> str:
    return f"{d.day:02d}"


def _month(d: date) -> str:
    return f"{d.month:02d}" if d.month <= 2 else str(d.month)


def vn_date_phrase(d: date) -> str:
    """``date(2026, 3, 5)`` -> ``"ngày 05 tháng 3 năm 2026"``.

    An aware ``datetime`` is first moved to Vietnamese time, so 2026-03-04T20:00Z gives
    "ngày 05 tháng 3 năm 2026"; a naive ``datetime`` is refused rather than guessed.
    """
    if isinstance(d, datetime):
        d = to_vn_time(d).date()
    return f"ngày {_day(d)} tháng {_month(d)} năm {d.year}"


def vn_time_phrase(moment: datetime) -> str:
    """``14:05`` Vietnamese time -> ``"14 giờ 05 phút"``."""
    local = to_vn_time(moment)
    return f"{local.hour:02d} giờ {local.minute:02d} phút"


def vn_datetime_phrase(moment: datetime) -> str:
    """``"14 giờ 05 phút, ngày 05 tháng 3 năm 2026"`` in Vietnamese time."""
    return f"{vn_time_phrase(moment)}, {vn_date_phrase(moment)}"


def place_date_line(place: str, d: date) -> str:
    """``("Lâm Đồng", date(2026, 3, 5))`` -> ``"Lâm Đồng, ngày 05 tháng 3 năm 2026"``."""
    clean = " ".join(unicodedata.normalize("NFC", place).split())
    if not clean:
        raise ValueError("place must not be empty")
    return f"{clean}, {vn_date_phrase(d)}"
