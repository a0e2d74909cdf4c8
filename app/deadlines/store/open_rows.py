"""An open dossier as the scan reads it: a plain row of the columns its clock, steps, facts,
drafts and messages use, not an ORM object.

A full scan reads every open dossier. As ORM objects each row also costs an identity-map entry,
instrumented attribute reads, and loaded-state bookkeeping when the clock moves; the scan never
changes a dossier through the unit of work (its clock UPDATE is one executemany), so it needs
none of that. `refresh_deadlines` sets the moved values on the row, as it does on a loaded
object, so what the scan does next reads the clock as written.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeAlias

from app.models import Dossier


@dataclass(slots=True, eq=False)
class OpenDossier:
    id: int
    code: str
    procedure_id: int
    agency_id: int
    channel: int | None
    status: int
    received_at: datetime
    portal_due_at: datetime | None
    due_at: datetime | None
    due_is_legal: bool
    clock_started_at: datetime | None
    paused_since: datetime | None
    paused_working_minutes: int
    finished_at: datetime | None
    returned_at: datetime | None
    classification: str | None
    classified_as_of: datetime | None
    appointment_mismatch: bool
    reappointed_due_at: datetime | None
    late_without_apology: bool
    escalated: bool


#: the dossier columns selected, in the order of `OpenDossier`'s fields
COLUMNS: tuple[Any, ...] = tuple(getattr(Dossier, f.name) for f in fields(OpenDossier))

#: a dossier the clock, steps and drafts read: a loaded object or the scan's plain row
ReadDossier: TypeAlias = Dossier | OpenDossier
