"""A slow, obviously-correct model of DEADLINES.md §3–§6, to check the engine against.

Written from the rules, not from the engine: time is whole local minutes, a working minute is
one inside a session of a working day, and the clock is simulated minute by minute (it ticks on
working minutes that no pause covers; a pause counts only if it began before the due came).
Nothing here uses `WorkingTimeIndex`, `WorkingClock` or `build_timeline`; only the calendar's
"is this a working day" and the office hours' sessions are shared. All instants must fall on
whole minutes (the property tests draw them so).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.core.clock import LOCAL_TZ
from app.deadlines import DeadlineResult, OfficeHoursSchedule, ProcedureRule
from app.deadlines.calendar import CivilServiceCalendar

DAY = 24 * 60
# Local midnight of a day after 1975, since when Asia/Ho_Chi_Minh has been UTC+7 throughout.
_LOCAL_EPOCH = datetime(2000, 1, 1, tzinfo=LOCAL_TZ)
_ORDINAL_0 = date(2000, 1, 1).toordinal()


def to_minute(value: datetime) -> int:
    """Local minutes since 2000-01-01 00:00 local."""
    delta = value - _LOCAL_EPOCH
    assert delta % timedelta(minutes=1) == timedelta(0), f"{value} is not on a whole minute"
    return delta // timedelta(minutes=1)


def from_minute(minute: int) -> datetime:
    return (_LOCAL_EPOCH + timedelta(minutes=minute)).astimezone(UTC)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.0001")).normalize()


@dataclass(frozen=True)
class RefPause:
    start: int
    end: int | None
    statuses: tuple[int, ...]
    resumed: bool  # ended by status 2 or 4 (not by finishing)


class Reference:
    def __init__(self, calendar: CivilServiceCalendar, schedule: OfficeHoursSchedule) -> None:
        self.calendar = calendar
        self.schedule = schedule
        self._days: dict[int, tuple[range, ...]] = {}

    def day(self, minute: int) -> int:
        return minute // DAY

    def date_of(self, day: int) -> date:
        return date.fromordinal(_ORDINAL_0 + day)

    def sessions(self, day: int) -> tuple[range, ...]:
        """The day's working minutes, one range per session (none on a day off)."""
        if day not in self._days:
            today = self.date_of(day)
            found: tuple[range, ...] = ()
            if self.calendar.is_working_day(today):
                found = tuple(
                    range(day * DAY + o.hour * 60 + o.minute, day * DAY + c.hour * 60 + c.minute)
                    for o, c in self.schedule.for_day(today).sessions
                )
            self._days[day] = found
        return self._days[day]

    def minutes_from(self, t: int) -> Iterator[int]:
        """Every working minute at or after t, in order."""
        day = self.day(t)
        while True:
            for session in self.sessions(day):
                yield from range(max(session.start, t), session.stop)
            day += 1

    def count(self, a: int, b: int) -> int:
        """Working minutes m with a <= m < b; negative when b is before a."""
        if b < a:
            return -self.count(b, a)
        return sum(
            len(range(max(s.start, a), min(s.stop, b)))
            for day in range(self.day(a), self.day(b) + 1)
            for s in self.sessions(day)
        )

    def advance(self, t: int, n: int) -> int:
        """The instant n working minutes after t (t itself for n = 0)."""
        if n == 0:
            return t
        for k, m in enumerate(self.minutes_from(t), start=1):
            if k == n:
                return m + 1
        raise AssertionError("unreachable")

    def clock_start(self, received: int, cutoff_minute: int | None) -> int:
        if cutoff_minute is not None and received % DAY >= cutoff_minute:
            received = (self.day(received) + 1) * DAY
        return next(self.minutes_from(received))

    def start_reason(self, received: int, cutoff_minute: int | None) -> str:
        sessions = self.sessions(self.day(received))
        if not sessions:
            return "non_working_day"
        if cutoff_minute is not None and received % DAY >= cutoff_minute:
            return "after_cutoff"
        if received < sessions[0].start:
            return "before_opening"
        if received >= sessions[-1].stop:
            return "after_closing"
        if any(received in s for s in sessions):
            return "in_session"
        return "between_sessions"

    def end_of_working_day_on_or_after(self, day: int) -> int:
        while not self.sessions(day):
            day += 1
        return self.sessions(day)[-1].stop


def timeline(events: Any, now: int, finished: int | None, returned: int | None) -> dict[str, Any]:
    """§5–§6 from the raw events: pauses, finish, last status."""
    # steps of one instant in progression order: received, processing, paused, finished,
    # returned; refused, withdrawn, stopped last (issue 12 / 20: whatever order they came in)
    rank = {1: 0, 2: 1, 4: 2, 5: 3, 6: 3, 9: 4, 10: 5, 3: 6, 7: 6, 8: 6}
    seen = sorted(
        {(to_minute(e.at), e.status) for e in events if to_minute(e.at) <= now},
        key=lambda e: (e[0], rank.get(e[1], 6), e[1]),
    )
    finishes = [(t, s) for t, s in seen if s in (9, 10)]
    finishes += [(t, s) for t, s in ((finished, 9), (returned, 10)) if t is not None and t <= now]
    finish = min(finishes) if finishes else None
    pauses: list[RefPause] = []
    since: int | None = None
    statuses: list[int] = []
    for t, s in seen:
        if finish is not None and t > finish[0]:
            break
        if s in (5, 6):
            since, statuses = (t, []) if since is None else (since, statuses)
            statuses += [] if s in statuses else [s]
        elif since is not None and s in (2, 4, 9, 10):
            pauses.append(RefPause(since, t, tuple(statuses), s in (2, 4)))
            since = None
    if since is not None:
        end = None if finish is None else finish[0]
        pauses.append(RefPause(since, end, tuple(statuses), False))
    return {"pauses": pauses, "finish": finish, "last": seen[-1][1] if seen else None}


_REFERENCES: dict[tuple[int, OfficeHoursSchedule], Reference] = {}


def reference_for(calendar: CivilServiceCalendar, schedule: OfficeHoursSchedule) -> Reference:
    key = (id(calendar), schedule)
    if key not in _REFERENCES:
        _REFERENCES[key] = Reference(calendar, schedule)
    return _REFERENCES[key]


def _minute_or_none(value: datetime | None) -> int | None:
    return None if value is None else to_minute(value)


def _counted(ref: Reference, rule: ProcedureRule, received: int, pauses: list[RefPause],
             cutoff: int | None) -> dict[str, Any]:
    """working_days / working_hours: tick the clock one working minute at a time."""
    assert rule.processing_time is not None
    per_unit = 8 * 60 if rule.processing_time.unit == "working_days" else 60
    need = int(rule.processing_time.value * per_unit)
    start, restarted = ref.clock_start(received, cutoff), None
    reason = ref.start_reason(received, cutoff)
    base, count, due, left_when_paused = ref.advance(start, need), 0, None, None
    started_under: dict[int, int] = {}  # pause position -> clock start in force when reached
    shifted: set[int] = set()
    reached = 0
    minutes = ref.minutes_from(start)
    while due is None:
        m = next(minutes)
        if reached < len(pauses) and pauses[reached].start <= m:  # began before the due came
            p, k = pauses[reached], reached
            started_under[k], reached = start, reached + 1
            if p.end is None:
                left_when_paused = need - count
                break
            if rule.restart_on_supplement and 5 in p.statuses and p.resumed:
                restarted, shifted = p.end, set()
                start = ref.clock_start(p.end, cutoff)
                reason = ref.start_reason(p.end, cutoff)
                base, count = ref.advance(start, need), 0
                minutes = ref.minutes_from(start)
            else:
                shifted.add(k)
                minutes = ref.minutes_from(max(m, p.end))
            continue
        count += 1
        if count == need:
            due = m + 1
    return {"start": start, "reason": reason, "restarted": restarted, "base": base, "due": due,
            "left_when_paused": left_when_paused, "started_under": started_under,
            "shifted": shifted}


def _by_days(ref: Reference, rule: ProcedureRule, received: int, pauses: list[RefPause],
             cutoff: int | None, now: int) -> dict[str, Any]:
    """calendar_days / same_day: the end of a working day, then pauses in order (§4–§5)."""
    assert rule.processing_time is not None
    days = int(rule.processing_time.value)
    start, restarted = ref.clock_start(received, cutoff), None
    reason = ref.start_reason(received, cutoff)
    base = due = ref.end_of_working_day_on_or_after(ref.day(start) + days)
    started_under: dict[int, int] = {}
    shifted: set[int] = set()
    for k, p in enumerate(pauses):
        started_under[k] = start
        before = max(p.start, start) < due
        held = max(ref.count(max(p.start, start), p.end if p.end is not None else now), 0)
        if before and rule.restart_on_supplement and 5 in p.statuses and p.resumed:
            assert p.end is not None
            restarted, shifted = p.end, set()
            start = ref.clock_start(p.end, cutoff)
            reason = ref.start_reason(p.end, cutoff)
            base = due = ref.end_of_working_day_on_or_after(ref.day(start) + days)
        elif p.end is None:
            left = ref.count(max(p.start, start), due) if before else None
            return {"start": start, "reason": reason, "restarted": restarted, "base": base,
                    "due": None if before else due, "left_when_paused": left,
                    "started_under": started_under, "shifted": shifted}
        elif before:
            due = ref.advance(due, held)
            shifted.add(k)
    return {"start": start, "reason": reason, "restarted": restarted, "base": base, "due": due,
            "left_when_paused": None, "started_under": started_under, "shifted": shifted}


def expected(subject: Any, calendar: CivilServiceCalendar, as_of: datetime) -> dict[str, Any]:
    """What the rules say for one `app.deadlines.batch.Subject`, in `observed`'s terms."""
    ref = reference_for(calendar, subject.hours)
    now, received = to_minute(as_of), to_minute(subject.received_at)
    rule: ProcedureRule | None = subject.rule
    cutoff = None
    if rule is not None and rule.cutoff is not None:
        assert rule.cutoff.second == 0 and rule.cutoff.microsecond == 0
        cutoff = rule.cutoff.hour * 60 + rule.cutoff.minute
    tl = timeline(subject.events, now, _minute_or_none(subject.finished_at),
                  _minute_or_none(subject.returned_at))
    pauses: list[RefPause] = tl["pauses"]
    portal = _minute_or_none(subject.portal_due_at)
    legal = rule is not None and rule.processing_time is not None
    if rule is not None and rule.processing_time is not None:
        counted = rule.processing_time.unit in ("working_days", "working_hours")
        c = (_counted(ref, rule, received, pauses, cutoff) if counted
             else _by_days(ref, rule, received, pauses, cutoff, now))
    else:
        assert portal is not None
        start = ref.clock_start(received, cutoff)
        c = {"start": start, "reason": ref.start_reason(received, cutoff), "restarted": None,
             "base": None, "due": portal, "left_when_paused": None,
             "started_under": {k: start for k in range(len(pauses))}, "shifted": set()}
    start, due = c["start"], c["due"]
    spans = []
    for k, p in enumerate(pauses):
        under = c["started_under"].get(k, start)
        held = max(ref.count(max(p.start, under), p.end if p.end is not None else now), 0)
        spans.append((p.start, p.end, p.statuses, hours(held), k in c["shifted"]))
    open_pause = pauses[-1] if pauses and pauses[-1].end is None else None
    finish = tl["finish"]
    if finish is not None:
        measured = finish[0]
    elif open_pause is not None:
        measured = max(open_pause.start, start)
    else:
        measured = now
    left = c["left_when_paused"] if due is None else ref.count(measured, due)
    status = subject.status if subject.status is not None else tl["last"]
    if status in (1, 3, 7, 8):
        classification = "excluded"
    elif finish is not None and due is not None:
        late, local_day = finish[0] > due, ref.day(finish[0]) < ref.day(due)
        classification = "late" if late else "early" if local_day else "on_time"
    elif open_pause is not None or due is None:
        classification = "paused"
    else:
        classification = ("overdue" if now > due else "due_soon" if left <= 8 * 60
                          else "in_time")
    difference = None
    if legal and due is not None and portal is not None:
        difference = hours(ref.count(due, portal))

    def instant(value: int | None) -> datetime | None:
        return None if value is None else from_minute(value)

    return {
        "clock_started_at": instant(start), "clock_start_reason": c["reason"],
        "cutoff_applies": c["reason"] == "after_cutoff", "restarted_at": instant(c["restarted"]),
        "base_due_at": instant(c["base"]), "due_at": instant(due),
        "due_basis": "legal" if legal else "portal", "portal_due_at": instant(portal),
        "pauses": [(instant(a), instant(b), s, h, sh) for a, b, s, h, sh in spans],
        "paused": open_pause is not None,
        "paused_since": instant(open_pause.start) if open_pause is not None else None,
        "paused_working_hours": sum((span[3] for span in spans), Decimal(0)),
        "finished_at": instant(finish[0] if finish else None),
        "finish_status": finish[1] if finish else None, "status": status,
        "working_hours_left": hours(left), "classification": classification,
        "appointment_difference_hours": difference,
        "appointment_mismatch": difference is not None and abs(difference) > 1,
    }


def observed(r: DeadlineResult) -> dict[str, Any]:
    """The engine's result in the same terms as `expected`."""
    return {
        "clock_started_at": r.clock_started_at, "clock_start_reason": r.clock_start_reason,
        "cutoff_applies": r.cutoff_applies, "restarted_at": r.restarted_at,
        "base_due_at": r.base_due_at, "due_at": r.due_at, "due_basis": r.due_basis,
        "portal_due_at": r.portal_due_at,
        "pauses": [(p.start, p.end, p.statuses, p.working_hours, p.shifted_due)
                   for p in r.pauses],
        "paused": r.paused, "paused_since": r.paused_since,
        "paused_working_hours": r.paused_working_hours, "finished_at": r.finished_at,
        "finish_status": r.finish_status, "status": r.status,
        "working_hours_left": r.working_hours_left, "classification": r.classification,
        "appointment_difference_hours": r.appointment_difference_hours,
        "appointment_mismatch": r.appointment_mismatch,
    }
