"""When an apology is due and what new date it proposes (NOTICES.md), on the civil-service
calendar. Pure: no database, no clock.

"At the latest one working day before the due date" is read by dates, as the rule is written:
the notice must go out on or before the last working day before the day of the legal due
(a due on Friday 16:00 needs the notice by Thursday; a due on Monday, by the Friday before).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from app.core.clock import to_local
from app.deadlines import OfficeHoursSchedule, ProcessingTime, compute_due
from app.deadlines.calendar import CivilServiceCalendar

# For a dossier whose procedure has no known processing time (its due is the portal's
# appointment), the proposal falls back to this; the supervisor edits it before approving.
FALLBACK_EXTENSION = ProcessingTime(Decimal(5), "working_days")
MAX_LOOKBACK_DAYS = 60


def previous_working_day(calendar: CivilServiceCalendar, day: date) -> date:
    """The last working day strictly before `day`."""
    candidate = day - timedelta(days=1)
    for _ in range(MAX_LOOKBACK_DAYS):
        if calendar.is_working_day(candidate):
            return candidate
        candidate -= timedelta(days=1)
    raise ValueError(f"no working day within {MAX_LOOKBACK_DAYS} days before {day.isoformat()}")


def apology_deadline(calendar: CivilServiceCalendar, legal_due: datetime) -> date:
    """The last (Vietnamese) day on which the apology is still in time."""
    return previous_working_day(calendar, to_local(legal_due).date())


def issued_in_time(
    calendar: CivilServiceCalendar, issued_at: datetime, legal_due: datetime
) -> bool:
    return to_local(issued_at).date() <= apology_deadline(calendar, legal_due)


def propose_new_due(
    legal_due: datetime,
    calendar: CivilServiceCalendar,
    hours: OfficeHoursSchedule,
    extension: ProcessingTime | None,
) -> datetime:
    """The proposed new date: `extension` (by default the procedure's own processing time,
    given by the caller) counted on the calendar from the legal due instant."""
    return compute_due(legal_due, extension or FALLBACK_EXTENSION, calendar, hours)
