"""What is kept and for how long (README, "What is kept, and for how long").

Three things grow with time without being needed row by row forever:

* push receptions: one `ingest_run` row per sender and minute (app/ingest/receptions.py); after
  ``retention_reception_minutes_days`` the minutes of a day become one row per sender and local
  day, and the one-row-per-delivery history of earlier versions becomes minutes. Counts are
  summed, never dropped;
* `job_run`: runs that ended more than ``retention_job_run_days`` ago are deleted, except each
  job's newest finished run;
* raw payloads: once a dossier is closed (refused, withdrawn, stopped, finished, returned) and
  neither it nor the payload changed for ``archive_after_months``, its payloads move to a
  compressed archive file under ``archive_dir``; the `raw_record` row stays (hash, source,
  receptions, the file's name), and `restore` brings the payloads back or ingests them into
  another database. Off while ``archive_dir`` is empty.

Never touched: dossiers, their events, applicants, transitions, notices, quarantine entries and
the payloads they point at, the outbox, tokens, the calendar, the rollup. A step does a bounded
amount of each kind of work and only flushes; the job (hourly) or the command commits it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, cast

from sqlalchemy.orm import Session

from app.core.clock import LOCAL_TZ
from app.core.config import Settings
from app.ingest import receptions
from app.ingest.intake import Received
from app.ingest.service import IngestCounts, process
from app.retention import archive
from app.retention import repository as repo
from app.retention.archive import ArchivedPayload
from connectors import RecordKind, SourceRecord

FOLD_LIMIT: Final = 10_000
JOB_RUN_LIMIT: Final = 10_000
ARCHIVE_LIMIT: Final = 20_000  # payloads per archive file (≈ 20 MB of JSON, ~3 MB compressed)
SCAN_BATCH: Final = 2_000
SCAN_LIMIT: Final = 200_000  # payloads examined per step, archived or not
RESTORE_BATCH: Final = 1_000
# Per-delivery rows of earlier versions are folded once this old: a replayed delivery's 409
# names the run of its first copy, and the replay ledger keeps that for the signature window.
LEGACY_DELIVERY_AGE: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Policy:
    job_run_days: int
    reception_minutes_days: int
    archive_dir: Path | None
    archive_after_months: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            job_run_days=settings.retention_job_run_days,
            reception_minutes_days=settings.retention_reception_minutes_days,
            archive_dir=Path(settings.archive_dir) if settings.archive_dir else None,
            archive_after_months=settings.archive_after_months,
        )

    def job_runs_before(self, now: datetime) -> datetime:
        return now - timedelta(days=self.job_run_days)

    def minutes_before(self, now: datetime) -> datetime:
        return now - timedelta(days=self.reception_minutes_days)

    def archive_before(self, now: datetime) -> datetime:
        return months_before(now, self.archive_after_months)


def months_before(now: datetime, months: int) -> datetime:
    """The same local day and time ``months`` earlier (the month's last day if it is shorter)."""
    local = now.astimezone(LOCAL_TZ)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    following = datetime(year + (month + 1) // 12, (month + 1) % 12 + 1, 1, tzinfo=LOCAL_TZ)
    last_day = (following - timedelta(days=1)).day
    return local.replace(year=year, month=month + 1, day=min(local.day, last_day))


@dataclass(slots=True)
class Report:
    """What a step did, or (dry run) what retention would do now."""

    deliveries_folded: int = 0
    minutes_folded: int = 0
    summaries_written: int = 0
    job_runs_deleted: int = 0
    payloads_archived: int = 0
    archive_files: list[str] = field(default_factory=list)
    complete: bool = True  # nothing left for another step

    def counts(self) -> dict[str, int]:
        return {
            "deliveries_folded": self.deliveries_folded, "minutes_folded": self.minutes_folded,
            "summaries_written": self.summaries_written, "job_runs_deleted": self.job_runs_deleted,
            "payloads_archived": self.payloads_archived, "archive_files": len(self.archive_files),
            "complete": int(self.complete),
        }


def plan(session: Session, now: datetime, policy: Policy) -> Report:
    """Everything retention would do as of ``now``; changes nothing."""
    deliveries, minutes = receptions.count_foldable(
        session, minutes_before=policy.minutes_before(now),
        deliveries_before=now - LEGACY_DELIVERY_AGE)
    report = Report(deliveries_folded=deliveries, minutes_folded=minutes,
                    job_runs_deleted=repo.count_old_job_runs(session, policy.job_runs_before(now)))
    if policy.archive_dir is not None:
        report.payloads_archived = len(_archivable(session, policy.archive_before(now), None))
    return report


def step(session: Session, now: datetime, policy: Policy) -> Report:
    """One bounded step of every kind of retention; flushes only."""
    report = Report()
    legacy = receptions.fold_deliveries_into_minutes(session, now - LEGACY_DELIVERY_AGE,
                                                     FOLD_LIMIT)
    minutes = receptions.fold_minutes_into_days(session, policy.minutes_before(now), FOLD_LIMIT)
    report.deliveries_folded, report.minutes_folded = legacy.rows, minutes.rows
    report.summaries_written = legacy.into + minutes.into
    report.job_runs_deleted = repo.delete_old_job_runs(
        session, policy.job_runs_before(now), JOB_RUN_LIMIT)
    report.complete = max(legacy.rows, minutes.rows, report.job_runs_deleted) < FOLD_LIMIT
    if policy.archive_dir is not None:
        chosen = _archivable(session, policy.archive_before(now), SCAN_LIMIT)
        items = repo.payloads(session, chosen[:ARCHIVE_LIMIT])
        if items:
            name = (f"raw/{now:%Y}/{now:%m}/raw-{now:%Y%m%dT%H%M%SZ}-{items[0].id}-"
                    f"{items[-1].id}{archive.SUFFIX}")
            archive.write(policy.archive_dir, name, items)
            repo.mark_archived(session, [item.id for item in items], name)
            report.payloads_archived, report.archive_files = len(items), [name]
        report.complete = report.complete and len(chosen) <= ARCHIVE_LIMIT
    session.flush()
    return report


def _archivable(session: Session, before: datetime, scan_limit: int | None) -> list[int]:
    """Ids of payloads to archive, in id order, from at most ``scan_limit`` examined."""
    chosen: list[int] = []
    after_id, scanned = 0, 0
    while scan_limit is None or scanned < scan_limit:
        batch = repo.unarchived_before(session, before, after_id, SCAN_BATCH)
        if not batch:
            break
        scanned, after_id = scanned + len(batch), batch[-1].id
        closed = repo.closed_before(session, [c.dossier_code for c in batch], before)
        chosen += [c.id for c in batch if c.dossier_code in closed]
    return chosen


# -- restore ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Restored:
    lines: int = 0
    put_back: int = 0  # payloads returned to their rows
    present: int = 0  # payloads this database holds already
    reimported: int = 0  # payloads this database never had, stored and ingested again
    counts: IngestCounts = field(default_factory=IngestCounts)


def restore(session: Session, path: Path, now: datetime, *, apply: bool) -> Restored:
    """Bring an archive file back: payloads whose rows are here return to them; payloads this
    database never had are stored with their original receptions and ingested (in the file's
    order, which is the order they were first received in). Flushes only."""
    result = Restored()
    batch: list[ArchivedPayload] = []
    for item in archive.read(path):
        batch.append(item)
        if len(batch) == RESTORE_BATCH:
            _restore_batch(session, batch, now, result, apply=apply)
            batch = []
    if batch:
        _restore_batch(session, batch, now, result, apply=apply)
    return result


def _restore_batch(session: Session, items: Sequence[ArchivedPayload], now: datetime,
                   result: Restored, *, apply: bool) -> None:
    result.lines += len(items)
    stored = repo.raws_by_hash(session, [item.content_hash for item in items])
    back = [(stored[i.content_hash][0], i.payload) for i in items
            if i.content_hash in stored and stored[i.content_hash][1] is not None]
    new = {i.content_hash: i for i in items if i.content_hash not in stored}  # once each
    result.put_back += len(back)
    result.present += len(items) - len(back) - len(new)
    result.reimported += len(new)
    if not apply:
        return
    repo.put_back(session, back)
    ids = repo.insert_raws(session, list(new.values()))
    by_source: dict[str, list[Received]] = defaultdict(list)
    for item in new.values():
        record = SourceRecord(kind=cast(RecordKind, item.kind), payload=json.loads(item.payload),
                              origin=item.origin or f"archived raw record {item.id}")
        by_source[item.source].append(Received(record, ids[item.content_hash]))
    for source, received in by_source.items():
        result.counts.add(process(session, source, received, now, maybe_quarantined=set(),
                                  is_retry=True))
