"""Quarantine: list what could not be stored, and retry it once the cause is gone.

A retry re-parses the kept raw payload through the same ingest path; what is valid now is stored
and its entry marked resolved. A typical case: progress that arrived before its dossier.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.ingest import repository as repo
from app.ingest import scope_repository
from app.ingest.intake import Received
from app.ingest.service import IngestCounts, process
from app.models import QuarantineEntry, RawRecord
from connectors import RecordKind, SourceRecord

StatusFilter = Literal["open", "resolved", "all"]


@dataclass(slots=True)
class RetryResult:
    retried: int
    resolved: int
    still_open: int
    counts: IngestCounts


def list_entries(
    session: Session,
    status: StatusFilter = "open",
    limit: int | None = None,
    agency_ids: Collection[int] | None = None,
) -> list[QuarantineEntry]:
    """Entries ``agency_ids`` may see (None: all; see app/ingest/scope_repository.py)."""
    return scope_repository.list_quarantine(
        session, None if status == "all" else status, agency_ids, limit=limit
    )


def payloads_of(session: Session, entries: Sequence[QuarantineEntry]) -> dict[int, Any]:
    """The kept raw payloads (personal data: for the CLI's explicit --show-payload only)."""
    raws = repo.raw_records_by_id(session, [e.raw_record_id for e in entries])
    return {e.id: json.loads(raws[e.raw_record_id].payload) for e in entries}


def _as_source_record(raw: RawRecord, entry: QuarantineEntry) -> SourceRecord:
    kind = cast(RecordKind, raw.kind)
    # the delivery's agency again: it stands in for a record's empty DonViXuLy
    return SourceRecord(kind=kind, payload=json.loads(raw.payload),
                        origin=raw.origin or f"raw record {raw.id}",
                        agency_code=entry.sender_agency)


def retry(
    session: Session,
    now: datetime,
    ids: Sequence[int] | None = None,
    agency_ids: Collection[int] | None = None,
) -> RetryResult:
    """Re-ingest open entries (all those ``agency_ids`` may see, or ``ids``); flushes only.
    An id outside the caller's agencies is reported missing, like one that does not exist."""
    entries = scope_repository.list_quarantine(session, "open", agency_ids, ids=ids)
    if ids is not None:
        missing = sorted(set(ids) - {e.id for e in entries})
        if missing:
            raise NotFound(f"no open quarantine entry with id {', '.join(map(str, missing))}")
    raws = repo.raw_records_by_id(session, [e.raw_record_id for e in entries])
    by_source: dict[str, list[Received]] = defaultdict(list)
    for entry in entries:
        raw = raws[entry.raw_record_id]
        by_source[entry.source].append(Received(_as_source_record(raw, entry), raw.id))
    counts = IngestCounts()
    for source, items in sorted(by_source.items()):
        counts.add(process(session, source, items, now,
                           maybe_quarantined={i.raw_id for i in items}, is_retry=True))
    resolved = sum(1 for e in entries if e.status == "resolved")
    return RetryResult(retried=len(entries), resolved=resolved,
                       still_open=len(entries) - resolved, counts=counts)
