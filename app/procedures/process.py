"""A procedure's internal process (quy trình nội bộ) as catalogues write it (PORTAL.md, `steps`).

JSON: the key ``steps``, an ordered list of ``{"name", "units": [...], "working_hours",
"online_working_hours" (optional), "agency" (optional: another agency doing the step)}``.
CSV/XLSX: one row per step, the procedure's code on each; the step columns are ``step_name``,
``step_units`` (several names separated by ";" or "|" or new lines), ``step_working_hours`` (or
``step_working_days``, × 8), ``step_online_working_hours`` and ``step_agency`` (Vietnamese
titles in ``catalogue_aliases.json``). The steps' allotments add up to at most the legal time
(DEADLINES.md §8): more is imported all the same and warned about, since a province's approved
process is what its officers work by.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from app.deadlines import ProcessingTime
from app.deadlines.hours import WORKING_DAY_HOURS
from app.deadlines.step_types import ProcessStep
from app.procedures.catalogue import RowRefused, cell_text

STEP_COLUMNS: Final = ("step_name", "step_units", "step_working_hours", "step_working_days",
                       "step_online_working_hours", "step_agency")
_SPLIT: Final = re.compile(r"[;|\n]+")
MAX_HOURS: Final = 2000


def _hours(value: Any, column: str) -> Decimal | None:
    text = cell_text(value).replace(",", ".")
    if not text:
        return None
    try:
        hours = Decimal(text)
    except InvalidOperation:
        raise RowRefused(column, f"{cell_text(value)!r} is not a number of working hours") from None
    if not hours.is_finite() or hours <= 0:
        raise RowRefused(column, f"{cell_text(value)!r}: an allotment is more than 0 hours")
    if hours > MAX_HOURS:
        raise RowRefused(column, f"{cell_text(value)!r}: more than {MAX_HOURS} working hours "
                                 "(a year's work) for one step")
    return hours.quantize(Decimal("0.01")).normalize()


def _units(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        names = [cell_text(v) for v in value]
    else:
        names = _SPLIT.split(cell_text(value))
    return tuple(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def _step(item: Any, where: str) -> ProcessStep:
    if not isinstance(item, dict):
        raise RowRefused("steps", f"{where}: a step is an object with name, units, working_hours")
    name = cell_text(item.get("name"))
    units = _units(item.get("units"))
    if not name:
        raise RowRefused("steps", f"{where}: the step has no name")
    if not units:
        raise RowRefused("steps", f"{where} «{name}»: no units (PhongBanXuLy names) listed")
    return ProcessStep(
        name=name, units=units,
        working_hours=_hours(item.get("working_hours"), "steps"),
        online_working_hours=_hours(item.get("online_working_hours"), "steps"),
        agency=cell_text(item.get("agency")) or None,
    )


def read_steps_value(value: Any) -> tuple[ProcessStep, ...]:
    """The ``steps`` of a JSON row (a list, or a JSON text in a cell); empty is none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise RowRefused("steps", "not a JSON list of steps") from None
    if not isinstance(value, list):
        raise RowRefused("steps", "a JSON list of steps is expected")
    return tuple(_step(item, f"step {n}") for n, item in enumerate(value, start=1))


def step_of_row(raw: dict[str, Any]) -> ProcessStep | None:
    """The step a CSV/XLSX row carries (one row per step), or None when it carries none."""
    if not any(cell_text(raw.get(c)) for c in STEP_COLUMNS):
        return None
    hours = _hours(raw.get("step_working_hours"), "step_working_hours")
    days = _hours(raw.get("step_working_days"), "step_working_days")
    if hours is None and days is not None:
        hours = days * WORKING_DAY_HOURS
    return _step({"name": raw.get("step_name"), "units": raw.get("step_units"),
                  "working_hours": hours, "online_working_hours":
                  raw.get("step_online_working_hours"), "agency": raw.get("step_agency")},
                 "step")


def steps_json(steps: Sequence[ProcessStep]) -> list[dict[str, Any]]:
    return [s.to_dict() for s in steps]



def legal_hours(processing_time: ProcessingTime | None) -> Decimal | None:
    """The most working hours the legal time can hold: N working days × 8, N hours, a same-day
    time's one day; N calendar days hold at most N working days."""
    if processing_time is None:
        return None
    value, unit = processing_time.value, processing_time.unit
    if unit == "working_hours":
        return value
    if unit == "same_day":
        return Decimal(WORKING_DAY_HOURS)
    return value * WORKING_DAY_HOURS


def over_legal_time(
    steps: Sequence[ProcessStep], processing_time: ProcessingTime | None
) -> str | None:
    """The warning when the allotments add up to more than the legal time (in person, or
    online with the online allotments), else None."""
    limit = legal_hours(processing_time)
    if limit is None or not steps:
        return None
    in_person = sum((s.working_hours or Decimal(0) for s in steps), Decimal(0))
    online = sum((s.online_working_hours or s.working_hours or Decimal(0) for s in steps),
                 Decimal(0))
    worst = max(in_person, online)
    if worst <= limit:
        return None
    which = "trực tiếp" if in_person >= online else "trực tuyến"
    return (f"các bước cộng lại {_text(worst)} giờ làm việc ({which}), vượt thời hạn luật định "
            f"{_text(limit)} giờ ({processing_time.label() if processing_time else ''})")


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")
