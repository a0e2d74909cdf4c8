"""All SQL of retention: old job runs, the payloads to archive, archived payloads brought back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from app.deadlines.status import ENDED
from app.ingest.repository import chunks, dossiers_by_code
from app.models import JobRun, QuarantineEntry, RawRecord
from app.retention.archive import ArchivedPayload

# -- job runs ------------------------------------------------------------------------------------


def _old_job_runs(before: datetime) -> Any:
    newest = select(func.max(JobRun.id)).where(JobRun.finished_at.is_not(None)).group_by(JobRun.job)
    return (JobRun.finished_at < before, JobRun.outcome != "running", JobRun.id.not_in(newest))


def count_old_job_runs(session: Session, before: datetime) -> int:
    query = select(func.count()).select_from(JobRun).where(*_old_job_runs(before))
    return int(session.scalar(query) or 0)


def delete_old_job_runs(session: Session, before: datetime, limit: int) -> int:
    """The oldest ``limit`` finished runs that ended before ``before``; each job's newest
    finished run stays, however old (the metrics and the scan's "since" read it)."""
    ids = list(session.scalars(
        select(JobRun.id).where(*_old_job_runs(before)).order_by(JobRun.id).limit(limit)
    ))
    for part in chunks(ids):
        session.execute(delete(JobRun).where(JobRun.id.in_(part)),
                        execution_options={"synchronize_session": False})
    return len(ids)


# -- raw payloads --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawCandidate:
    id: int
    dossier_code: str


def unarchived_before(
    session: Session, before: datetime, after_id: int, limit: int
) -> list[RawCandidate]:
    """Payloads still here, last received before ``before``, that name a dossier and have no
    quarantine entry (those stay, with their payloads), in id order after ``after_id``."""
    quarantined = exists().where(QuarantineEntry.raw_record_id == RawRecord.id)
    query = (
        select(RawRecord.id, RawRecord.dossier_code)
        .where(RawRecord.archived_in.is_(None), RawRecord.id > after_id,
               RawRecord.last_received_at < before, RawRecord.dossier_code.is_not(None),
               ~quarantined)
        .order_by(RawRecord.id).limit(limit)
    )
    return [RawCandidate(raw_id, code or "") for raw_id, code in session.execute(query)]


def closed_before(session: Session, codes: Sequence[str], before: datetime) -> set[str]:
    """Those of ``codes`` whose dossier is closed and was last changed before ``before``."""
    found = dossiers_by_code(session, sorted(set(codes)))
    closed = {code for code, d in found.items()
              if d.status in ENDED and d.updated_at < before}
    for dossier in found.values():
        session.expunge(dossier)  # read once, never written here
    return closed


def payloads(session: Session, ids: Sequence[int]) -> list[ArchivedPayload]:
    columns = (RawRecord.id, RawRecord.content_hash, RawRecord.source, RawRecord.kind,
               RawRecord.origin, RawRecord.dossier_code, RawRecord.first_received_at,
               RawRecord.last_received_at, RawRecord.times_received, RawRecord.payload)
    found: list[ArchivedPayload] = []
    for part in chunks(ids):
        query = select(*columns).where(RawRecord.id.in_(part), RawRecord.archived_in.is_(None))
        found += [ArchivedPayload(**row._mapping) for row in session.execute(query)]
    return sorted(found, key=lambda item: item.id)


def mark_archived(session: Session, ids: Sequence[int], file: str) -> None:
    for part in chunks(ids):
        session.execute(
            update(RawRecord).where(RawRecord.id.in_(part), RawRecord.archived_in.is_(None))
            .values(payload="", archived_in=file),
            execution_options={"synchronize_session": False},
        )


def archived_totals(session: Session) -> tuple[int, int]:
    """(payloads archived, payloads still here)."""
    archived = func.count(RawRecord.archived_in)
    rows = session.execute(select(archived, func.count() - archived)).one()
    return int(rows[0]), int(rows[1])


def raws_by_hash(session: Session, hashes: Sequence[str]) -> dict[str, tuple[int, str | None]]:
    """(id, archived_in) of the stored raw records with these content hashes."""
    found: dict[str, tuple[int, str | None]] = {}
    for part in chunks(hashes):
        query = select(RawRecord.content_hash, RawRecord.id, RawRecord.archived_in).where(
            RawRecord.content_hash.in_(part))
        found.update({digest: (raw_id, file) for digest, raw_id, file in session.execute(query)})
    return found


def put_back(session: Session, items: Sequence[tuple[int, str]]) -> None:
    """Payloads back into their rows, by raw id."""
    for raw_id, payload in items:
        session.execute(
            update(RawRecord).where(RawRecord.id == raw_id, RawRecord.archived_in.is_not(None))
            .values(payload=payload, archived_in=None),
            execution_options={"synchronize_session": False},
        )


def insert_raws(session: Session, items: Sequence[ArchivedPayload]) -> dict[str, int]:
    """Raw rows for payloads this database never had, as they were; ids by content hash."""
    rows = [RawRecord(content_hash=i.content_hash, source=i.source, kind=i.kind, origin=i.origin,
                      payload=i.payload, dossier_code=i.dossier_code,
                      first_received_at=i.first_received_at,
                      last_received_at=i.last_received_at, times_received=i.times_received)
            for i in items]
    session.add_all(rows)
    session.flush()
    return {row.content_hash: row.id for row in rows}

