"""Dated entries of the yearly official notices, built into the product.

python-holidays computes the Labour Code holidays, lunar Tết and Hùng Kings' day itself; the day
swaps, make-up Saturdays and new holidays are political decisions announced each year, which a
python-holidays release may lack or get late. Keeping them here, with the document that announced
them, makes the calendar match the official schedule whatever holidays version is installed, and
lets an explanation cite the document. Admin overrides still win over these entries.
"""

from __future__ import annotations

from datetime import date

from app.deadlines.calendar.days import CalendarOverride

SOURCE_2024 = "CV 2450/VPCP-KGVX"
SOURCE_2025 = "TB 6150/TB-BLĐTBXH"
SOURCE_2026 = "CV 9859/VPCP-KGVX; TB 9441/TB-BNV"

OFFICIAL_SCHEDULE: tuple[CalendarOverride, ...] = (
    CalendarOverride(
        date(2024, 4, 29),
        "day_off",
        "Nghỉ hoán đổi dịp 30/4–1/5 (làm bù thứ Bảy 04/05/2024)",
        SOURCE_2024,
    ),
    CalendarOverride(
        date(2024, 5, 4),
        "working_day",
        "Làm việc bù cho ngày nghỉ 29/04/2024",
        SOURCE_2024,
    ),
    CalendarOverride(
        date(2025, 5, 2),
        "day_off",
        "Nghỉ hoán đổi dịp 30/4–1/5 (làm bù thứ Bảy 26/04/2025)",
        SOURCE_2025,
    ),
    CalendarOverride(
        date(2025, 4, 26),
        "working_day",
        "Làm việc bù cho ngày nghỉ 02/05/2025",
        SOURCE_2025,
    ),
    CalendarOverride(
        date(2026, 8, 31),
        "day_off",
        "Nghỉ hoán đổi dịp Quốc khánh (làm bù thứ Bảy 22/08/2026)",
        SOURCE_2026,
    ),
    CalendarOverride(
        date(2026, 8, 22),
        "working_day",
        "Làm việc bù cho ngày nghỉ 31/08/2026",
        SOURCE_2026,
    ),
    CalendarOverride(
        date(2026, 11, 24),
        "day_off",
        "Ngày Văn hóa Việt Nam",
        SOURCE_2026,
    ),
)
