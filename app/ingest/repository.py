"""All SQL of ingestion. Batch-shaped: one IN query per table per page, bulk inserts (on
PostgreSQL the big pages go through a COPY-filled staging table, :mod:`app.db.pg_copy`;
small ones, a webhook delivery, are one multi-row INSERT like SQLite's).

Inserts that two writers may race on (a webhook delivery and a pull carrying the same payload or
the same progress step) use ``ON CONFLICT DO NOTHING`` so the loser simply finds the row there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, TypeVar

from psycopg.errors import UniqueViolation
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.bulk import insert_rows, update_many
from app.db.pg_copy import copy_new_rows, is_postgresql, stage_rows, wants_copy
from app.deadlines.store.repository import dossier_keys
from app.models import (
    Agency,
    ConnectorState,
    Dossier,
    DossierApplicant,
    DossierEvent,
    IngestRun,
    Procedure,
    QuarantineEntry,
    RawRecord,
)

T = TypeVar("T")
# Well under every backend's limit on bound parameters per statement.
IN_CHUNK = 500
#: SHA-256 hex digests joined by commas: an array literal needing no quoting.
_HEX_LIST = re.compile(r"[0-9a-f]{64}(?:,[0-9a-f]{64})*")
_RAW_IDS_BY_HASH = text(
    "SELECT h.content_hash, (SELECT r.id FROM raw_record AS r WHERE r.content_hash = "
    "h.content_hash) FROM unnest(CAST(:hashes AS varchar[])) AS h(content_hash)"
)


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- raw records -------------------------------------------------------------------------------


def raw_ids_by_hash(session: Session, hashes: Sequence[str]) -> dict[str, int]:
    if is_postgresql(session) and _HEX_LIST.fullmatch(",".join(hashes)):
        # The page in one statement (not one per 500 hashes, each rendered, sent and planned
        # with its 500 parameters), as an array literal: content hashes are hex digits, which
        # need no quoting, and psycopg's list dumper cost more than the look-up. One index
        # probe per hash whatever the statistics say: an `= ANY(5,000 hashes)` was planned
        # as a scan of the whole table once its statistics, taken after the first page,
        # said it held 5,000 rows (it took minutes at 200,000).
        rows = session.execute(_RAW_IDS_BY_HASH, {"hashes": "{" + ",".join(hashes) + "}"})
        return {content_hash: raw_id for content_hash, raw_id in rows if raw_id is not None}
    found: dict[str, int] = {}
    for part in chunks(hashes):
        rows = session.execute(
            select(RawRecord.content_hash, RawRecord.id).where(RawRecord.content_hash.in_(part))
        )
        found.update({content_hash: raw_id for content_hash, raw_id in rows})
    return found


def insert_raw_records(
    session: Session, rows: list[dict[str, Any]]
) -> dict[str, tuple[int, int]]:
    """Insert payloads not found by `raw_ids_by_hash`; one a concurrent writer stored in the
    meantime gets this call's receptions added to ``times_received`` (ignoring the conflict
    would lose them). Returns ``(id, times_received)`` by content hash: a payload was new
    exactly when its count equals the receptions this call gave it. Known payloads are looked
    up first rather than sent here: every INSERT attempt, even one ending in the UPDATE, takes
    a value of the id sequence."""
    if not rows:
        return {}
    result: Any
    if wants_copy(session, rows):
        copied = _copy_raw_records(session, rows)
        if copied is not None:
            return copied
        # a concurrent writer stored one of them since the look-up: the page is COPYed to a
        # staging table and moved by one INSERT … SELECT that adds the receptions
        columns, staged = stage_rows(session, RawRecord, rows)
        stmt = postgresql.insert(RawRecord).from_select(columns, staged)
        result = session.connection().execute(_add_receptions(stmt))
    else:
        # a small page on PostgreSQL (one statement of constant text), every page on SQLite
        result = insert_rows(session, RawRecord, rows, _ADD_RECEPTIONS,
                             returning=("content_hash", "id", "times_received"))
    return {digest: (raw_id, times) for digest, raw_id, times in result}


def _copy_raw_records(
    session: Session, rows: list[dict[str, Any]]
) -> dict[str, tuple[int, int]] | None:
    """COPY new payloads straight into raw_record in a savepoint; None when one of them is
    there already (stored by a concurrent writer since the look-up), the savepoint then
    rolled back and nothing written."""
    try:
        with session.begin_nested():
            ids = copy_new_rows(session, RawRecord, rows, with_ids=True)
    except IntegrityError as exc:
        if not isinstance(exc.orig, UniqueViolation):
            raise
        return None
    return {row["content_hash"]: (raw_id, row["times_received"])
            for row, raw_id in zip(rows, ids, strict=True)}


#: `_add_receptions` as the clause of `insert_rows` (both databases)
_ADD_RECEPTIONS = ("ON CONFLICT (content_hash) DO UPDATE SET "
                   "times_received = raw_record.times_received + EXCLUDED.times_received, "
                   "last_received_at = EXCLUDED.last_received_at")


def _add_receptions(stmt: Any) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=["content_hash"],
        set_={
            "times_received": RawRecord.times_received + stmt.excluded.times_received,
            "last_received_at": stmt.excluded.last_received_at,
        },
    ).returning(RawRecord.content_hash, RawRecord.id, RawRecord.times_received)


def bump_raw_records(session: Session, seen: Mapping[int, int], now: datetime) -> None:
    """Record ``times`` more receptions of each already stored raw record."""
    if not seen:
        return
    stmt = (
        update(RawRecord)
        .where(RawRecord.id == bindparam("raw_id"))
        .values(
            last_received_at=bindparam("seen_at", type_=RawRecord.last_received_at.type),
            times_received=RawRecord.times_received + bindparam("times"),
        )
    )
    session.connection().execute(
        stmt, [{"raw_id": i, "seen_at": now, "times": n} for i, n in sorted(seen.items())]
    )


def raw_records_by_id(session: Session, ids: Sequence[int]) -> dict[int, RawRecord]:
    found: dict[int, RawRecord] = {}
    for part in chunks(ids):
        for row in session.scalars(select(RawRecord).where(RawRecord.id.in_(part))):
            found[row.id] = row
    return found


# -- quarantine --------------------------------------------------------------------------------


def quarantine_by_raw_id(session: Session, raw_ids: Sequence[int]) -> dict[int, QuarantineEntry]:
    found: dict[int, QuarantineEntry] = {}
    for part in chunks(raw_ids):
        stmt = select(QuarantineEntry).where(QuarantineEntry.raw_record_id.in_(part))
        for entry in session.scalars(stmt):
            found[entry.raw_record_id] = entry
    return found


# -- reference data and dossiers ---------------------------------------------------------------


def agencies_matching(session: Session, keys: Sequence[str]) -> list[Agency]:
    """Agencies whose code or name is one of ``keys`` (DonViXuLy is a code or a name)."""
    found: dict[int, Agency] = {}
    for part in chunks(keys):
        stmt = select(Agency).where(or_(Agency.code.in_(part), Agency.name.in_(part)))
        for agency in session.scalars(stmt):
            found[agency.id] = agency
    return list(found.values())


def procedures_by_code(session: Session, codes: Sequence[str]) -> dict[str, Procedure]:
    found: dict[str, Procedure] = {}
    for part in chunks(codes):
        for proc in session.scalars(select(Procedure).where(Procedure.code.in_(part))):
            found[proc.code] = proc
    return found


# On PostgreSQL, migration 0004 keeps every dossier's code in this small unpartitioned table.
_DOSSIER_KEY = Table("dossier_key", MetaData(), Column("id", Integer), Column("code", String))


#: whether the database has `dossier_key` (its `dossier` partitioned)
DOSSIER_KEY_EXISTS: Final = "SELECT to_regclass('dossier_key') IS NOT NULL"


def has_dossier_key(session: Session) -> bool:
    """Whether the database has `dossier_key`, asked once per pooled connection: a delivery of
    one record paid a round trip for the question every time."""
    info = session.connection().info
    if _DOSSIER_KEY.name not in info:  # asked once, whatever the answer
        info[_DOSSIER_KEY.name] = bool(session.scalar(text(DOSSIER_KEY_EXISTS)))
    return bool(info[_DOSSIER_KEY.name])


def dossiers_by_code(session: Session, codes: Sequence[str]) -> dict[str, Dossier]:
    found: dict[str, Dossier] = {}
    if is_postgresql(session) and has_dossier_key(session):
        # Ask the one unique index first, the whole page in one array parameter: a page of new
        # dossiers then never reaches the monthly partitions, whose per-partition plans the
        # planner may make scans (docs/scaling.md, partitioning). A plain table (a database
        # below migration 0004) is asked directly.
        key = _DOSSIER_KEY.c
        ids = list(session.scalars(
            select(key.id).where(key.code == any_(bindparam("codes", type_=ARRAY(String)))),
            {"codes": list(codes)},
        ))
        for part in chunks(ids):
            for dossier in session.scalars(select(Dossier).where(Dossier.id.in_(part))):
                found[dossier.code] = dossier
        return found
    for part in chunks(codes):
        for dossier in session.scalars(select(Dossier).where(Dossier.code.in_(part))):
            found[dossier.code] = dossier
    return found


def applicants_by_dossier(session: Session, ids: Sequence[int]) -> dict[int, DossierApplicant]:
    found: dict[int, DossierApplicant] = {}
    for part in chunks(ids):
        stmt = select(DossierApplicant).where(DossierApplicant.dossier_id.in_(part))
        for applicant in session.scalars(stmt):
            found[applicant.dossier_id] = applicant
    return found


def insert_dossiers(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new dossiers (a large page on PostgreSQL: staging COPY and one INSERT … SELECT;
    otherwise `insert_rows`); returns their ids by code."""
    if not rows:
        return {}
    if wants_copy(session, rows):
        # a code stored meanwhile fails the page in dossier_key's unique index, as it would
        # fail this INSERT; the next run takes the page again
        ids = copy_new_rows(session, Dossier, rows, with_ids=True)
        return {row["code"]: dossier_id for row, dossier_id in zip(rows, ids, strict=True)}
    result = insert_rows(session, Dossier, rows, returning=("code", "id"))
    return {code: dossier_id for code, dossier_id in result}


def update_dossier_columns(session: Session, dossiers: Sequence[Dossier],
                           columns: Sequence[str]) -> None:
    """Write ``columns`` of these loaded dossiers as one UPDATE (PostgreSQL), each found as
    every bulk UPDATE of a dossier finds it (`dossier_keys`: on PostgreSQL its id and receipt
    instant, the partition key of migration 0004's monthly partitions)."""
    update_many(session, Dossier, dossier_keys(session), [
        {"id": d.id, "received_at": d.received_at, **{c: getattr(d, c) for c in columns}}
        for d in dossiers], columns)


def insert_applicants(session: Session, rows: list[dict[str, Any]]) -> None:
    """Applicants of new dossiers (nobody else can have written them: the dossiers are new)."""
    if wants_copy(session, rows):
        copy_new_rows(session, DossierApplicant, rows, with_ids=False)
    else:
        insert_rows(session, DossierApplicant, rows)


def event_hashes(session: Session, dossier_ids: Sequence[int]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for part in chunks(dossier_ids):
        rows = session.execute(
            select(DossierEvent.dossier_id, DossierEvent.dedup_hash).where(
                DossierEvent.dossier_id.in_(part)
            )
        )
        found.update((dossier_id, dedup) for dossier_id, dedup in rows)
    return found


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    # No conflict target: the key is (dossier_id, dedup_hash) on a plain table and
    # (dossier_id, dedup_hash, at) once `tthc db partition` has run (app/db/partitions/tables.py);
    # the same thing, since the hash contains `at`. Ids are fresh, so only that key can collide.
    if wants_copy(session, rows):
        columns, staged = stage_rows(session, DossierEvent, rows)
        stmt = postgresql.insert(DossierEvent).from_select(columns, staged)
        session.connection().execute(stmt.on_conflict_do_nothing())
    else:
        insert_rows(session, DossierEvent, rows, "ON CONFLICT DO NOTHING")


# -- connector state and runs ------------------------------------------------------------------


def get_connector_state(session: Session, name: str) -> ConnectorState | None:
    return session.get(ConnectorState, name)


def save_connector_state(
    session: Session,
    name: str,
    cursor: str | None,
    updated_since: str | None,
    extra: dict[str, Any],
    now: datetime,
) -> None:
    row = session.get(ConnectorState, name)
    if row is None:
        row = ConnectorState(name=name)
        session.add(row)
    row.cursor, row.updated_since, row.extra, row.updated_at = cursor, updated_since, extra, now
    session.flush()


def delete_connector_state(session: Session, name: str) -> None:
    row = session.get(ConnectorState, name)
    if row is not None:
        session.delete(row)
        session.flush()


def commit_page_without_flush_wait(session: Session) -> None:
    """PostgreSQL: this transaction's COMMIT returns before its WAL reaches the disk
    (``SET LOCAL synchronous_commit = off``). For a page of a run this is safe: the page's
    rows and its cursor commit together, so a server crash can lose only whole last pages
    with their cursor, and the next run resumes before them; nothing is reported done on
    such a commit, because the run's closing commit is synchronous and flushes the WAL up to
    itself, every earlier page included."""
    if is_postgresql(session):
        session.execute(text("SET LOCAL synchronous_commit = off"))


def add_run(session: Session, run: IngestRun) -> IngestRun:
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: int) -> IngestRun | None:
    return session.get(IngestRun, run_id)


def add_all(session: Session, rows: Iterable[Any]) -> None:
    session.add_all(list(rows))
    session.flush()
