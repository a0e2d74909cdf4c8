"""Push deliveries recorded as one `ingest_run` row per source, sender and minute.

A pull or a file import is one run; a push route receives thousands of deliveries an hour (20 a
second in the soak of issue 20, ≈ 1.7 million rows a day at one row each). Every push route
records each delivery it processes inline here (`record_receptions`, from `complete` in
app/ingest/webhook.py): it adds the delivery's counts to the row of its source, sender and minute
(``pages`` counts the deliveries), created by the first one. A delivery accepted into the push
queue (PostgreSQL) is counted in the same row by the queue's processor once processed
(app/ingest/queue_repository.py `_ADD_COUNTS`). Nothing is lost: the sums are the sums of the
deliveries. Retention later folds the minutes of days past into one row per local day
(`fold_minutes_into_days`), and folds the one-row-per-delivery history of earlier versions into
minutes (`fold_deliveries_into_minutes`).

The row is written last in the delivery's transaction, so concurrent deliveries of one sender
wait for each other only while the first commits (PostgreSQL's row lock on the upsert).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any, Final

from sqlalchemy import Row, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.core.clock import LOCAL_TZ
from app.ingest.repository import chunks
from app.ingest.service import IngestCounts
from app.models import IngestRun, PushQueue

COUNTED: Final = ("stored", "updated", "unchanged", "quarantined", "pages")
_KEY_LIMIT = 200
#: The source whose deliveries earlier versions recorded one row each.
LEGACY_PUSH_SOURCE: Final = "webhook"
# A key ends with its period, in local time: "2026-11-26 10:05" for a minute, "2026-11-26" for
# a day. LIKE's "_" is any one character, so this matches minute keys only, whatever the sender.
_MINUTE_KEY = "%|____-__-__ __:__"


@dataclass(frozen=True, slots=True)
class Sender:
    """Who a row's deliveries came from: its key, and the columns that scope it."""

    detail: str  # what the route says of the sender, e.g. "DongBoHoSoMC từ H21.65"
    agency_code: str | None = None  # the sending agency: supervisors of its subtree see the row
    sender_id: int | None = None  # the registered sender (None: the signed webhook)

    def ident(self) -> str:
        return f"{self.sender_id or ''}|{self.agency_code or ''}|{self.detail}"


def minute_key(source: str, sender: Sender, at: datetime) -> str:
    return _key(source, sender, _local_minute(at))


@lru_cache(maxsize=8)
def _local_minute(at: datetime) -> str:
    """The local minute of ``at``, converted once for the deliveries of a group, which share
    their instant (the zone conversion and formatting were ~2 % of the accepting thread's
    samples on the receiver bench, docs/scaling.md, round 9)."""
    return f"{at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"


def day_key(source: str, sender: Sender, at: datetime) -> str:
    return _key(source, sender, f"{at.astimezone(LOCAL_TZ):%Y-%m-%d}")


def _key(source: str, sender: Sender, period: str) -> str:
    head = f"{source}|"
    tail = f"|{period}"
    return head + sender.ident()[: _KEY_LIMIT - len(head) - len(tail)] + tail


def record_receptions(
    session: Session, deliveries: Sequence[tuple[str, Sender, IngestCounts]], now: datetime
) -> list[int]:
    """Add each accepted delivery to its minute's row, in one statement (one delivery, or those
    committed together by app/ingest/group_commit.py): each delivery's row id (the reply's
    ``run_id``), in order (deliveries of one sender and minute share their row)."""
    rows: dict[str, dict[str, Any]] = {}
    keys = []
    for source, sender, counts in deliveries:
        key = minute_key(source, sender, now)
        keys.append(key)
        row = rows.get(key)
        if row is None:
            rows[key] = {"source": source, "detail": sender.detail,
                         "agency_code": sender.agency_code, "sender_id": sender.sender_id,
                         "summary_key": key, "started_at": now, "finished_at": now, "pages": 1,
                         **counts.as_dict()}
            continue
        row["pages"] += 1
        for name, value in counts.as_dict().items():
            row[name] += value
    ids = dict(zip(rows, _add_to_summaries(session, list(rows.values())), strict=True))
    return [ids[key] for key in keys]


@dataclass(frozen=True, slots=True)
class Folded:
    rows: int
    into: int


_RUN_COLUMNS = (IngestRun.id, IngestRun.source, IngestRun.detail, IngestRun.agency_code,
                IngestRun.sender_id, IngestRun.started_at, IngestRun.finished_at,
                *[getattr(IngestRun, name) for name in COUNTED])


def _legacy_deliveries(before: datetime) -> Any:
    return (IngestRun.source == LEGACY_PUSH_SOURCE, IngestRun.summary_key.is_(None),
            IngestRun.status == "succeeded", IngestRun.started_at < before)


def _old_minutes(before: datetime) -> Any:
    # a row that a delivery still queued names waits: the processor counts that delivery in it
    # by id (a backlog older than the retention horizon, after a long outage)
    waiting = select(PushQueue.id).where(PushQueue.run_id == IngestRun.id).exists()
    return IngestRun.summary_key.like(_MINUTE_KEY), IngestRun.finished_at < before, ~waiting


def fold_deliveries_into_minutes(session: Session, before: datetime, limit: int) -> Folded:
    """The oldest ``limit`` per-delivery rows of earlier versions, received before ``before``,
    become (or join) their minute's row."""
    query = select(*_RUN_COLUMNS).where(*_legacy_deliveries(before))
    return _fold(session, session.execute(query.order_by(IngestRun.id).limit(limit)).all(),
                 minute_key)


def fold_minutes_into_days(session: Session, before: datetime, limit: int) -> Folded:
    """The oldest ``limit`` minute rows that ended before ``before`` become (or join) the row of
    their local day."""
    query = select(*_RUN_COLUMNS).where(*_old_minutes(before))
    return _fold(session, session.execute(query.order_by(IngestRun.id).limit(limit)).all(),
                 day_key)


def count_foldable(session: Session, *, minutes_before: datetime, deliveries_before: datetime
                   ) -> tuple[int, int]:
    """(per-delivery rows, minute rows) the two folds would take, for a dry run."""
    def count(*conditions: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(IngestRun)
                                  .where(*conditions)) or 0)

    return count(*_legacy_deliveries(deliveries_before)), count(*_old_minutes(minutes_before))


def _fold(session: Session, runs: Sequence[Row[Any]], key: Any) -> Folded:
    if not runs:
        return Folded(0, 0)
    merged: dict[str, dict[str, Any]] = {}
    for run in runs:
        sender = Sender(run.detail or "", run.agency_code, run.sender_id)
        summary = key(run.source, sender, run.started_at)
        ended = run.finished_at or run.started_at
        into = merged.get(summary)
        if into is None:
            merged[summary] = into = {
                "source": run.source, "detail": sender.detail, "summary_key": summary,
                "agency_code": sender.agency_code, "sender_id": sender.sender_id,
                "started_at": run.started_at, "finished_at": ended,
                **{name: 0 for name in COUNTED},
            }
        into["started_at"] = min(into["started_at"], run.started_at)
        into["finished_at"] = max(into["finished_at"], ended)
        for name in COUNTED:
            into[name] += getattr(run, name) or 0
    ids = [run.id for run in runs]
    for part in chunks(ids):
        session.execute(delete(IngestRun).where(IngestRun.id.in_(part)),
                        execution_options={"synchronize_session": False})
    _add_to_summaries(session, list(merged.values()))
    return Folded(len(ids), len(merged))


def _add_to_summaries(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert each summary row, or add its counts to the row already holding its key (the
    keys are distinct); the rows' ids, in order. One executemany: a page of folds is a few
    hundred rows at most."""
    if not rows:
        return []
    stmt = _summary_upsert(session.get_bind().dialect.name)
    session.flush()  # Core bypasses the unit of work
    found = session.connection().execute(stmt, [{"status": "succeeded", **row} for row in rows])
    ids = {key: int(row_id) for row_id, key in found}
    return [ids[row["summary_key"]] for row in rows]


@cache
def _summary_upsert(dialect: str) -> Any:
    """Built once: every push delivery runs it, and building the statement (and its cache key)
    anew took about a twentieth of a single-record delivery's time in the server."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(IngestRun)
    excluded = insert.excluded
    stmt = insert.on_conflict_do_update(
        index_elements=["summary_key"],
        set_={
            **{name: getattr(IngestRun, name) + getattr(excluded, name) for name in COUNTED},
            "started_at": case((excluded.started_at < IngestRun.started_at, excluded.started_at),
                               else_=IngestRun.started_at),
            "finished_at": case(
                (excluded.finished_at > IngestRun.finished_at, excluded.finished_at),
                else_=IngestRun.finished_at),
        },
    ).returning(IngestRun.id, IngestRun.summary_key)
    return stmt
