"""A generated year of history, as the forecast reads it (`Case`s), for the tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from app.deadlines import DEFAULT_SCHEDULE, ProcedureRule, ProcessingTime
from app.deadlines.calendar import CivilServiceCalendar
from app.forecast.history import Case, Step
from connectors.portal.fields import parse_portal_date
from connectors.simulator import reference as ref
from connectors.simulator.structured import structured_history

CALENDAR = CivilServiceCalendar()
_RULES = {
    p.code: ProcedureRule(ProcessingTime(Decimal(p.amount), p.unit))  # type: ignore[arg-type]
    for p in ref.PROCEDURES
}


def _at(raw: str) -> datetime:
    value = parse_portal_date(raw, "ThoiDiemXuLy")
    assert value is not None
    return value


def case_of(payload: dict[str, Any]) -> Case:
    steps = tuple(
        Step(_at(s["ThoiDiemXuLy"]), int(s["TrangThai"]), s["PhongBanXuLy"], s["NoiDungXuLy"])
        for s in payload["QuaTrinhXuLy"]
    )
    return Case(
        code=payload["MaHoSo"], procedure=payload["MaTTHC"], agency=payload["DonViXuLy"],
        received_at=_at(payload["NgayTiepNhan"]), rule=_RULES[payload["MaTTHC"]],
        hours=DEFAULT_SCHEDULE, steps=steps, status=int(payload["TrangThaiHoSo"]),
        finished_at=parse_portal_date(payload["NgayKetThucXuLy"], "NgayKetThucXuLy"),
        returned_at=parse_portal_date(payload["NgayTra"], "NgayTra"),
    )


@lru_cache(maxsize=4)
def world(now: datetime, days: int = 365, seed: int = 1, scale: float = 1.0) -> tuple[Case, ...]:
    return tuple(case_of(p) for p in structured_history(now, days=days, seed=seed, scale=scale))
