"""The deadline engine (DEADLINES.md): pure, no database, no clock.

Instants in must be timezone-aware (naive raises ValueError); instants out are UTC-aware.
Reasoning happens in Asia/Ho_Chi_Minh local time.
"""

from app.deadlines.clock import WorkingClock, working_clock
from app.deadlines.engine import (
    MISMATCH_TOLERANCE_HOURS,
    appointment_difference_hours,
    appointment_mismatch,
    compute_due,
    evaluate,
)
from app.deadlines.events import ClockEvent
from app.deadlines.explain import CountedDay, Explanation, explain, explain_result
from app.deadlines.hours import (
    DEFAULT_OFFICE_HOURS,
    DEFAULT_SCHEDULE,
    WORKING_DAY_HOURS,
    OfficeHours,
    OfficeHoursSchedule,
)
from app.deadlines.index import OutOfIndexRange, WorkingTimeIndex
from app.deadlines.parsing import ProcessingTimeParseError, parse_processing_time
from app.deadlines.result import (
    FINISHED_CLASSES,
    OPEN_CLASSES,
    Classification,
    DeadlineResult,
    PauseSpan,
)
from app.deadlines.rules import ProcedureRule, ProcessingTime, ProcessingUnit
from app.deadlines.status import DossierStatus

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "DEFAULT_SCHEDULE",
    "FINISHED_CLASSES",
    "MISMATCH_TOLERANCE_HOURS",
    "OPEN_CLASSES",
    "WORKING_DAY_HOURS",
    "Classification",
    "ClockEvent",
    "CountedDay",
    "DeadlineResult",
    "DossierStatus",
    "Explanation",
    "OfficeHours",
    "OfficeHoursSchedule",
    "OutOfIndexRange",
    "PauseSpan",
    "ProcedureRule",
    "ProcessingTime",
    "ProcessingTimeParseError",
    "ProcessingUnit",
    "WorkingClock",
    "WorkingTimeIndex",
    "appointment_difference_hours",
    "appointment_mismatch",
    "compute_due",
    "evaluate",
    "explain",
    "explain_result",
    "parse_processing_time",
    "working_clock",
]
