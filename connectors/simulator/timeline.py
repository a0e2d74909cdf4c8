"""Working-time arithmetic and the life story of one simulated dossier (portal-local, naive).

The simulator's civil-service week is Monday-Friday, 07:30-11:30 and 13:00-17:00, without the
public holidays (python-holidays); make-up Saturdays are not modelled, so around them the fake
portal's appointments differ from the app's, as a real one-door system's may.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Final

import holidays

from connectors.simulator.reference import Procedure

MORNING: Final = (time(7, 30), time(11, 30))
AFTERNOON: Final = (time(13, 0), time(17, 0))
END_OF_DAY: Final = time(17, 0)
#: The catalogue's same-day procedure (khai sinh) answers the next day when received after it.
SAME_DAY_CUTOFF: Final = time(15, 0)


#: Vietnam's public holidays (Labour Code days, lunar Tết, announced swaps) as python-holidays
#: knows them: a portal's appointments skip them. Make-up Saturdays are not modelled.
HOLIDAYS: Final = holidays.country_holidays("VN")


def is_working_day(moment: datetime) -> bool:
    return moment.weekday() < 5 and moment.date() not in HOLIDAYS


def working_moment(rng: random.Random, day: datetime) -> datetime:
    """A random moment within office hours of ``day`` (moved to a working day if needed)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    start, end = rng.choice((MORNING, AFTERNOON))
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    offset = rng.randrange(minutes)
    moment = datetime.combine(day.date(), start)
    return moment + timedelta(minutes=offset, seconds=rng.randrange(60))


def to_office_hours(moment: datetime) -> datetime:
    """``moment`` if the office is open then, else soon after the next opening (keeping the
    original minutes and seconds, so moved steps do not all pile up at 07:30:00)."""
    spread = timedelta(minutes=moment.minute, seconds=moment.second)
    while True:
        if is_working_day(moment):
            for opens, closes in (MORNING, AFTERNOON):
                if moment.time() < opens:
                    return datetime.combine(moment.date(), opens) + spread
                if moment.time() < closes:
                    return moment
        moment = datetime.combine((moment + timedelta(days=1)).date(), time(0, 0))


def end_of_working_day(day: datetime) -> datetime:
    """Close of ``day``'s office, or of the next working day when ``day`` is not one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day.date(), END_OF_DAY)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """``start`` plus ``hours`` office hours: the instant they run out (a session's close when
    they run out exactly there, as the law's count does)."""
    remaining, moment = timedelta(hours=hours), start
    while True:
        if is_working_day(moment):
            for opens, closes in (MORNING, AFTERNOON):
                begin = max(moment, datetime.combine(moment.date(), opens))
                end = datetime.combine(moment.date(), closes)
                if begin < end:
                    if end - begin >= remaining:
                        return begin + remaining
                    remaining -= end - begin
        moment = datetime.combine((moment + timedelta(days=1)).date(), time(0, 0))


def working_hours_between(start: datetime, end: datetime) -> float:
    """Office hours from ``start`` to ``end`` (0 when ``end`` is not later)."""
    total, day = timedelta(0), datetime.combine(start.date(), time(0, 0))
    while day < end:
        if is_working_day(day):
            for opens, closes in (MORNING, AFTERNOON):
                begin = max(start, datetime.combine(day.date(), opens))
                finish = min(end, datetime.combine(day.date(), closes))
                total += max(timedelta(0), finish - begin)
        day += timedelta(days=1)
    return total / timedelta(hours=1)


def portal_due(procedure: Procedure, received: datetime) -> datetime:
    """The appointment the portal prints on the receipt, computed as the law counts (Decree
    118/2025: a working day is eight office hours from the receipt; calendar days end on a
    working day)."""
    if procedure.unit == "same_day":
        if received.time() >= SAME_DAY_CUTOFF:  # "nhận hồ sơ sau 15 giờ": the next day's close
            return end_of_working_day(received + timedelta(days=1))
        return datetime.combine(received.date(), END_OF_DAY)
    if procedure.unit == "working_hours":
        return add_working_hours(received, procedure.amount)
    if procedure.unit == "calendar_days":
        return end_of_working_day(received + timedelta(days=procedure.amount))
    return add_working_hours(received, procedure.amount * 8)


def rounded_up_due(due: datetime) -> datetime:
    """The appointment a one-door system that rounds up to the day's close would print: later
    than the law allows, which the app flags as an appointment mismatch."""
    return end_of_working_day(due + timedelta(days=1))


@dataclass
class Step:
    at: datetime
    status: int
    content: str
    department_index: int = 1
    department: str | None = None  # a unit named by the internal process (processes.py)


@dataclass
class Story:
    """What happened to a dossier, before cutting at ``now``."""

    outcome: str
    steps: list[Step] = field(default_factory=list)
    # the steps asking for and receiving the supplement (the latter None while it is awaited),
    # and the reason: the portal's supplement list is written from these steps once they are
    # moved into office hours, so the two never disagree
    supplement: tuple[Step, Step | None, str] | None = None
    new_due: datetime | None = None


# Shaped like published provincial figures (RATES.md: Lâm Đồng Q1/2024, about 98 % resolved early
# or on time by the portal's appointment): mostly early, a few late, a few waiting on the citizen.
# Dossiers received recently are still open anyway, because their stories are cut at `now`.
OUTCOMES: Final = (("early", 62), ("on_time", 22), ("late", 3), ("paused", 4), ("open", 2),
                   ("refused", 2), ("withdrawn", 2), ("supplemented", 3))


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A random moment in [start, end] (``start`` when the span is empty)."""
    span = max(0, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randint(0, span))


def story(rng: random.Random, procedure: Procedure, received: datetime, due: datetime,
          reason: str) -> Story:
    names, weights = zip(*OUTCOMES, strict=True)
    outcome = rng.choices(names, weights=weights)[0]
    told = Story(outcome)
    steps = told.steps
    if outcome == "refused":
        steps.append(Step(received, 1, "Tiếp nhận hồ sơ trực tuyến", 0))
        steps.append(Step(received + timedelta(hours=2), 3,
                          "Không tiếp nhận: hồ sơ không đủ thành phần theo quy định", 0))
        return told
    steps.append(Step(received, 2, "Tiếp nhận hồ sơ", 0))
    forwarded = received + timedelta(minutes=rng.randint(10, 180))
    steps.append(Step(forwarded, 4, "Chuyển hồ sơ đến phòng chuyên môn xử lý", 1))
    span = due - forwarded
    if outcome == "withdrawn":
        steps.append(Step(between(rng, forwarded, forwarded + span / 2), 7,
                          "Công dân yêu cầu rút hồ sơ", 0))
        return told
    if outcome in ("paused", "supplemented"):
        asked = between(rng, forwarded + span / 4, forwarded + span / 2)
        paused_status = 6 if procedure.field_code == "G09" and rng.random() < 0.5 else 5
        text = ("Thông báo thực hiện nghĩa vụ tài chính" if paused_status == 6
                else f"Yêu cầu bổ sung hồ sơ: {reason}")
        asked_step = Step(asked, paused_status, text, 1)
        steps.append(asked_step)
        if outcome == "paused":
            told.supplement = (asked_step, None, reason)
            return told
        back = asked + timedelta(days=rng.randint(1, 6))
        back_step = Step(back, 4, "Tiếp nhận hồ sơ bổ sung, tiếp tục xử lý", 0)
        told.supplement = (asked_step, back_step, reason)
        told.new_due = due + (back - asked)
        steps.append(back_step)
        due, forwarded = told.new_due, back
    if outcome == "open":
        steps.append(Step(between(rng, forwarded, forwarded + span), 4,
                          "Thẩm định hồ sơ, trình lãnh đạo phê duyệt", 1))
        return told
    if outcome == "early" or outcome == "supplemented":
        finished = between(rng, forwarded + (due - forwarded) / 5,
                           forwarded + (due - forwarded) * 4 / 5)
    elif outcome == "on_time":
        finished = between(rng, max(forwarded, due - timedelta(hours=6)), due)
    else:
        finished = due + timedelta(hours=rng.randint(3, 24 * 12))
    steps.append(Step(finished, 9, "Hoàn thành xử lý, chuyển Trung tâm Phục vụ hành chính công "
                      "trả kết quả", 1))
    returned = finished + timedelta(hours=rng.randint(1, 60))
    steps.append(Step(returned, 10, "Đã trả kết quả cho tổ chức, công dân", 0))
    return told
