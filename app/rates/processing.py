"""Average and median processing time, in working days, per procedure (RATES.md).

Working time from the clock start to the finish, on the civil-service calendar and the
province's office hours, through the deadline engine's batch `WorkingTimeIndex` (one
searchsorted per array, not a loop per dossier).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.core.clock import LOCAL_TZ
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.clock import MAX_YEAR, MIN_YEAR, working_clock
from app.deadlines.hours import WORKING_DAY_HOURS, OfficeHoursSchedule
from app.deadlines.index import US_PER_HOUR, to_us
from app.rates.repository import FinishedSpan

US_PER_WORKING_DAY = WORKING_DAY_HOURS * US_PER_HOUR


@dataclass(frozen=True, slots=True)
class ProcessingStats:
    finished: int
    mean_working_days: float
    median_working_days: float


def processing_stats(
    spans: Sequence[FinishedSpan],
    calendar: CivilServiceCalendar,
    schedule: OfficeHoursSchedule,
) -> dict[int, ProcessingStats]:
    """Stats per procedure id. Spans whose finish precedes the clock start are left out: they
    are data errors that the report's findings already count."""
    usable = [s for s in spans if s.finished_at >= s.started_at]
    if not usable:
        return {}
    years = [
        t.astimezone(LOCAL_TZ).year for s in usable for t in (s.started_at, s.finished_at)
    ]
    index = working_clock(calendar, schedule).index(
        max(min(years) - 1, MIN_YEAR), min(max(years) + 1, MAX_YEAR)
    )
    starts = np.fromiter((to_us(s.started_at) for s in usable), dtype=np.int64, count=len(usable))
    ends = np.fromiter((to_us(s.finished_at) for s in usable), dtype=np.int64, count=len(usable))
    days = index.between(starts, ends).astype(np.float64) / US_PER_WORKING_DAY
    by_procedure: dict[int, list[int]] = defaultdict(list)
    for position, span in enumerate(usable):
        by_procedure[span.procedure_id].append(position)
    stats: dict[int, ProcessingStats] = {}
    for procedure_id, positions in by_procedure.items():
        values = days[np.asarray(positions, dtype=np.int64)]
        stats[procedure_id] = ProcessingStats(
            finished=len(positions),
            mean_working_days=round(float(values.mean()), 2),
            median_working_days=round(float(np.median(values)), 2),
        )
    return stats
