"""An open dossier as the scan reads it: a plain row of the columns its clock, steps, facts,
drafts and messages use, not an ORM object.

A full scan reads every open dossier. As ORM objects each row also costs an identity-map entry,
instrumented attribute reads, and loaded-state bookkeeping when the clock moves; the scan never
changes a dossier through the unit of work (its clock UPDATE is one bulk `update_many`), so it
needs none of that. `refresh_deadlines` sets the moved values on the row, as on a loaded object
(`take_moved`), so what the scan does next reads the clock as written.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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


def take_moved(dossier: ReadDossier, values: dict[str, Any]) -> dict[str, Any]:
    """The `values` that differ from the dossier's; the dossier now holds them. A loaded
    object takes them as committed state (the UPDATE that writes them bypasses the unit of
    work), a plain row as its attributes."""
    if isinstance(dossier, OpenDossier):
        moved = {key: value for key, value in values.items() if getattr(dossier, key) != value}
        for key, value in moved.items():
            setattr(dossier, key, value)
        return moved
    loaded = dossier.__dict__  # the loaded values, without an attribute lookup each
    moved = {key: value for key, value in values.items()
             if (loaded[key] if key in loaded else getattr(dossier, key)) != value}
    if moved:
        _follow(dossier, moved)
    return moved


def follow_loaded(session: Session, moved: dict[int, dict[str, Any]]) -> None:
    """Dossiers moved as plain rows (`moved` by id) that the session also holds as loaded
    objects (a caller's) take the moved values too, as they would had they been read so."""
    if not moved:
        return
    loaded = session.identity_map
    for key in list(loaded.keys()):
        if key[0] is Dossier and key[1][0] in moved:
            dossier = loaded.get(key)
            if dossier is not None:
                _follow(dossier, moved[key[1][0]])


def _follow(dossier: Dossier, moved: dict[str, Any]) -> None:
    """The loaded state follows the UPDATE without becoming a change the unit of work would
    write again (`set_committed_value`). A dossier with nothing pending and nothing expired
    holds only committed values, loaded in its dict: they are replaced there at once, not
    attribute by attribute (a first scan moves eight columns of every open dossier)."""
    state, loaded = inspect(dossier), dossier.__dict__
    if not state.modified and not state.expired_attributes and moved.keys() <= loaded.keys():
        loaded.update(moved)
        return
    for key, value in moved.items():
        set_committed_value(dossier, key, value)
