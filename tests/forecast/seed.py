"""A small stored history: one procedure (5 working days) through a fast unit and a slow one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.models import Agency, Dossier, Procedure
from tests.factories import add_event, local, make_agency, make_dossier, make_procedure

AS_OF = local(2026, 3, 20, 9, 0)
FAST, SLOW = "Phòng Tư pháp", "Phòng Tài nguyên và Môi trường"


def step(session: Session, dossier: Dossier, at: datetime, status: int, unit: str) -> None:
    event = add_event(session, dossier, at, status, f"{status} {unit}")
    event.department = unit
    session.flush()


@dataclass(frozen=True)
class Seeded:
    open: dict[str, Dossier]
    district: Agency
    other: Agency
    procedure: Procedure


def whole_weeks_before(now: datetime) -> timedelta:
    """The shift that moves the seed's instant to the latest same weekday and hour before
    `now` (for pages that forecast as of the real now)."""
    return timedelta(weeks=(now - AS_OF) // timedelta(weeks=1))


def seed(session: Session, shift: timedelta = timedelta(0)) -> Seeded:
    """The history; `shift` moves every instant (whole weeks keep the weekdays)."""
    province = make_agency(session, "TINH", "UBND tỉnh")
    district = make_agency(session, "HUYEN", "UBND huyện Đức Trọng", parent=province)
    other = make_agency(session, "KHAC", "Sở Xây dựng")
    procedure = make_procedure(session, "1.001", "5", "working_days")
    # History, received 1/12/2025–14/1/2026 (settled 60 days before the instant): through the
    # fast unit done in 2 days; through the slow one 9 days (late: 5 days allowed).
    for k in range(30):
        received = local(2025, 12, 1, 8, 0) + timedelta(days=k + (k // 5) * 2) + shift
        for unit, days, agency in ((FAST, 2, district), (SLOW, 9, other)):
            d = make_dossier(session, f"H-{unit[-3:]}-{k:02d}", agency, procedure, received,
                             status=10, finished_at=received + timedelta(days=days))
            step(session, d, received, 2, "Bộ phận Một cửa")
            step(session, d, received + timedelta(hours=1), 4, unit)
            step(session, d, received + timedelta(days=days), 9, unit)
    out = {}
    # Open at the instant: received Thursday 19/3, each at its unit since 10:00 that day.
    for code, unit, agency in (("OPEN-FAST", FAST, district), ("OPEN-SLOW", SLOW, other)):
        d = make_dossier(session, code, agency, procedure, local(2026, 3, 19, 9, 0) + shift)
        step(session, d, local(2026, 3, 19, 9, 0) + shift, 2, "Bộ phận Một cửa")
        step(session, d, local(2026, 3, 19, 10, 0) + shift, 4, unit)
        out[code] = d
    return Seeded(out, district, other, procedure)
