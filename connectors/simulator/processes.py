"""Internal processes (quy trình nội bộ) for the simulated province, and dossier stories that
follow them (DEADLINES.md §8), so the demo's unit league table has something to rank.

Each procedure counted in working time gets a process — desk, specialist department, (for land
procedures) the tax office as an inter-agency step, the signing leader, the desk again — whose
allotments add up to 95 % of the legal time. Calendar-day and same-day procedures get none: the
league table then shows their steps as "no due", as in provinces that have not approved one yet.

The stories keep their outcome (early, late, ...) and instants; the work between hand-over and
finish is shared among the process's units in proportion to their allotments, a habitually slow
unit taking a larger share: the specialist departments of agencies whose code ends in 5, and the
tax office.
"""

from __future__ import annotations

import random
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from connectors.simulator import reference as ref
from connectors.simulator.timeline import Step

TAX_UNIT: Final = "Chi cục Thuế khu vực I"
TAX_AGENCY: Final = "Thuế tỉnh (Chi cục Thuế khu vực I)"
LEADER: Final = "Lãnh đạo đơn vị"
LAND_FIELD: Final = "G09"
SLOW_FACTOR: Final = 4.0
TAX_FACTOR: Final = 1.6
# (name, share of the legal time, who: desk | specialist | tax | leader)
Share = tuple[str, Decimal, str]
_SHARES: Final[tuple[Share, ...]] = (
    ("Tiếp nhận, kiểm tra hồ sơ", Decimal("0.10"), "desk"),
    ("Thẩm định, xử lý hồ sơ", Decimal("0.50"), "specialist"),
    ("Xác định nghĩa vụ tài chính", Decimal("0.15"), "tax"),
    ("Lãnh đạo phê duyệt, ký", Decimal("0.15"), "leader"),
    ("Trả kết quả", Decimal("0.05"), "desk"),
)
_TEXTS: Final = {"specialist": "Thẩm định xong, trình lãnh đạo phê duyệt",
                 "tax": "Chi cục Thuế thông báo kết quả xác định nghĩa vụ tài chính",
                 "leader": "Lãnh đạo đã ký duyệt, chuyển Bộ phận Một cửa"}


def _legal_hours(procedure: ref.Procedure) -> Decimal | None:
    if procedure.unit == "working_days":
        return Decimal(procedure.amount * 8)
    if procedure.unit == "working_hours":
        return Decimal(procedure.amount)
    return None  # calendar days, same day: no process approved


def _half_hours(value: Decimal) -> Decimal:
    return max((value * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2, Decimal("0.5"))


def _unit(who: str, procedure: ref.Procedure) -> str:
    """The desk is the service centre that receives; the specialist the procedure's office."""
    return {"desk": ref.RECEPTION[procedure.level], "specialist": procedure.office,
            "tax": TAX_UNIT, "leader": LEADER}[who]


def _shares(procedure: ref.Procedure) -> list[tuple[str, Decimal, str]]:
    shares = [s for s in _SHARES if s[2] != "tax" or procedure.field_code == LAND_FIELD]
    if procedure.field_code != LAND_FIELD:  # the tax share goes to the specialist
        shares = [(n, v + Decimal("0.15") if w == "specialist" else v, w) for n, v, w in shares]
    return shares


def process(procedure: ref.Procedure) -> list[dict[str, Any]]:
    """The catalogue's `steps` of a procedure (PORTAL.md), or [] when it has none."""
    legal = _legal_hours(procedure)
    if legal is None:
        return []
    steps = []
    for name, share, who in _shares(procedure):
        hours = _half_hours(legal * share)
        step: dict[str, Any] = {"name": name, "units": [_unit(who, procedure)],
                                "working_hours": float(hours)}
        if who == "specialist":  # online dossiers arrive digitised: less checking
            step["online_working_hours"] = float(_half_hours(hours * Decimal("0.8")))
        if who == "tax":
            step["agency"] = TAX_AGENCY
        steps.append(step)
    while sum(Decimal(str(s["working_hours"])) for s in steps) > legal and len(steps) > 1:
        # rounding up to half hours must not push the process past the legal time
        biggest = max(steps, key=lambda s: s["working_hours"])
        biggest["working_hours"] = float(Decimal(str(biggest["working_hours"])) - Decimal("0.5"))
    return steps


def _slowness(who: str, agency_code: str) -> float:
    if who == "tax":
        return TAX_FACTOR
    if who == "specialist" and agency_code.endswith("5"):
        return SLOW_FACTOR
    return 1.0


def follow_process(rng: random.Random, steps: list[Step], procedure: ref.Procedure,
                   agency: ref.Agency) -> list[Step]:
    """The story's steps with the process's hand-overs between the last resumption (or
    hand-over) and the finish; the desk hands over, finishes and returns."""
    shares = _shares(procedure) if _legal_hours(procedure) is not None else []
    desk = _unit("desk", procedure)
    for step in steps:
        if step.status in (9, 10) or (step.status == 4 and step is steps[1]):
            step.department = desk
    finish = next((i for i, s in enumerate(steps) if s.status == 9), None)
    if not shares or finish is None:
        return steps
    start = max(i for i, s in enumerate(steps[:finish]) if s.status in (2, 4))
    begun, ended = steps[start].at, steps[finish].at
    middle = [(who, float(share) * _slowness(who, agency.code) * rng.uniform(0.7, 1.3))
              for _, share, who in shares[1:-1]]
    total = sum(weight for _, weight in middle) or 1.0
    inserted, done = [], 0.0
    for who, weight in middle:
        done += weight
        at: datetime = begun + (ended - begun) * (done / total) * 0.97
        inserted.append(Step(at, 4, _TEXTS[who], department=_unit(who, procedure)))
    return [*steps[:start + 1], *inserted, *steps[start + 1:]]
