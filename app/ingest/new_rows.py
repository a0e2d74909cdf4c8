"""Dossiers first seen in a page, kept as plain objects until the page's one INSERT.

Building an ORM ``Dossier`` per new row (instrumented attributes, identity map, a unit-of-work
INSERT that SQLite runs one row at a time to read back each id) was a third of an import's time.
A new dossier is instead a slotted object that the upsert rules read and write like a stored one;
``finish`` inserts all of them with one executemany that already carries their clock columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

#: The dossier columns a new row takes from its record (and later records of the same page).
RECORD_COLUMNS: Final = (
    "code", "procedure_id", "agency_id", "channel", "result_by_post", "applicant_type",
    "summary", "receipt_number", "status", "received_at", "portal_due_at", "finished_at",
    "returned_at", "legal_basis", "newest_progress_at", "snapshot_at", "note", "raw_record_id",
    "created_at", "updated_at",
)


@dataclass(slots=True)
class NewDossier:
    """A dossier not stored yet; ``id`` is 0 until ``BatchUpserter.finish`` inserts it."""

    code: str
    procedure_id: int
    agency_id: int
    channel: int | None
    result_by_post: bool
    applicant_type: int | None
    summary: str | None
    receipt_number: str | None
    status: int
    received_at: datetime
    portal_due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    legal_basis: str
    newest_progress_at: datetime | None
    snapshot_at: datetime | None
    note: str | None
    raw_record_id: int | None
    created_at: datetime
    updated_at: datetime
    id: int = 0
    # What the clock reads of a stored dossier's previous state: a new one has none.
    due_at: datetime | None = None
    classification: str | None = None
    classified_as_of: datetime | None = None

    def row(self, clock: dict[str, Any]) -> dict[str, Any]:
        """The INSERT parameters: record columns, the clock columns, the flags' defaults."""
        values = {name: getattr(self, name) for name in RECORD_COLUMNS}
        values.update(reappointed_due_at=None, late_without_apology=False, escalated=False)
        values.update(clock)
        return values
