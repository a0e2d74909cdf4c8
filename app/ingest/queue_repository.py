"""All SQL of the push queue (`push_queue`, app/ingest/push_queue.py). PostgreSQL only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from app.db.pg_driver import GENERIC_PLANS, driver_connection, psycopg_style
from app.ingest.repository import has_dossier_key

#: One statement accepts a delivery (one round trip): it checks that every progress step's dossier
#: is stored or waiting in the queue, then stores the raw payloads (a payload known already counts
#: one more reception), finds its row of the minute (adding it, with no page, when it is the
#: minute's first), takes its replay-ledger entry (signed webhooks) and queues it. It updates no
#: row another accept or the processor updates: the processor counts the delivery in its row of the
#: minute (``pages`` with the records' counts, `_ADD_COUNTS`) and notes the registered sender's
#: last delivery (`_NOTE_SENDERS`) when it processes it. Updated here, the row of the minute stayed
#: locked until the accept's commit, and the processor's count update, at the end of its batch,
#: then waited for the accepts holding the rows it needed while holding those it had: every accept
#: waited in turn (a seventh of a run's accept time, pg_stat_statements, docs/scaling.md, the
#: receiver, round 10); and a sender's row, updated at the statement's end, made a cycle with a
#: group holding that sender and waiting for a payload this statement had just inserted. A row of
#: the minute added by another transaction at the same moment (two deliveries of one sender at the
#: turn of a minute) is not in this statement's snapshot: the INSERT then waits for it and reads it
#: with ON CONFLICT's lock (the rare case). Nothing is written when a step's dossier is unknown, or
#: when one of its payloads was received before and archived by retention since (the processor
#: would find an empty text where the inline path ingests the payload the request holds) (``go``
#: false): that delivery takes the inline path. The records travel as one JSON text (``:records``):
#: psycopg escapes each element of a text array with a regular expression, every quote of a JSON
#: payload one substitution (a third of the statement's Python time, measured); json.dumps escapes
#: in C. Data-modifying CTEs all run on one snapshot: a dossier the processor stores while this
#: runs is seen either in `dossier` or in `push_queue`, never in neither. The lists (``steps``,
#: ``order``, ``snapshots``) are JSON texts too: psycopg dumps a list element by element in Python.
#: The statement is a whole transaction on the fast lane (app/ingest/fast_accept.py), so it writes
#: nothing it might have to take back: an OpenCPS delivery's session and sender are checked here
#: (``session_id``, ``live_after``; NULL on the thread-pool path, which checked them before), and
#: a signed delivery's raw rows and queue row depend on its ledger entry: a replayed copy writes
#: none (its 409 is the application's). Only when two copies arrive at once at the turn of a minute
#: may the second add an empty row of the minute (counted by nothing, pages 0).
_ACCEPT: Final = text("""
WITH ok AS (
  SELECT NOT EXISTS (
    SELECT 1 FROM json_array_elements_text(CAST(:steps AS json)) AS c(code)
    WHERE NOT EXISTS (SELECT 1 FROM dossier AS d WHERE d.code = c.code)
      AND NOT EXISTS (SELECT 1 FROM push_queue AS q
                      WHERE q.dossier_codes @> ARRAY[CAST(c.code AS varchar)])
  ) AND NOT EXISTS (
    SELECT 1 FROM raw_record AS a
    WHERE a.content_hash = ANY(ARRAY(SELECT json_array_elements_text(CAST(:order AS json))))
      AND a.archived_in IS NOT NULL
  ) AND (CAST(:session_id AS integer) IS NULL OR EXISTS (
    SELECT 1 FROM sender_session AS s JOIN sender AS r ON r.id = s.sender_id
    WHERE s.id = CAST(:session_id AS integer) AND s.sender_id = CAST(:sender_id AS integer)
      AND r.revoked_at IS NULL AND s.last_used_at > CAST(:live_after AS timestamptz)
  )) AS go
), existing AS (
  SELECT id FROM ingest_run WHERE summary_key = CAST(:key AS text)
), added AS (
  INSERT INTO ingest_run (source, summary_key, detail, agency_code, sender_id, started_at,
                          finished_at, status, stored, updated, unchanged, quarantined, pages)
  SELECT CAST(:source AS text), CAST(:key AS text), CAST(:detail AS text),
         CAST(:agency AS text), CAST(:sender_id AS integer), CAST(:now AS timestamptz),
         CAST(:now AS timestamptz), 'succeeded', 0, 0, 0, 0, 0
  WHERE (SELECT go FROM ok) AND NOT EXISTS (SELECT 1 FROM existing) AND (
    CAST(:digest AS text) IS NULL OR NOT EXISTS (
      SELECT 1 FROM webhook_delivery AS w WHERE w.digest = CAST(:digest AS text)))
  ON CONFLICT (summary_key) DO UPDATE SET pages = ingest_run.pages
  RETURNING id
), run AS (
  SELECT id FROM existing UNION ALL SELECT id FROM added
), ledger AS (
  INSERT INTO webhook_delivery (digest, endpoint, signed_at, received_at, run_id)
  SELECT CAST(:digest AS text), CAST(:endpoint AS text), CAST(:signed_at AS timestamptz),
         CAST(:now AS timestamptz), (SELECT id FROM run)
  WHERE CAST(:digest AS text) IS NOT NULL AND (SELECT go FROM ok)
  ON CONFLICT (digest) DO NOTHING
  RETURNING digest
), raw AS (
  INSERT INTO raw_record (content_hash, source, kind, origin, payload, dossier_code,
                          first_received_at, last_received_at, times_received)
  SELECT t.h, CAST(:source AS text), t.k, t.o, t.p, t.c, CAST(:now AS timestamptz),
         CAST(:now AS timestamptz), t.n
  FROM json_to_recordset(CAST(:records AS json))
       AS t(h text, k text, o text, p text, c text, n integer)
  WHERE (SELECT go FROM ok) AND (CAST(:digest AS text) IS NULL OR EXISTS (SELECT 1 FROM ledger))
  ON CONFLICT (content_hash) DO UPDATE SET
    times_received = raw_record.times_received + EXCLUDED.times_received,
    last_received_at = EXCLUDED.last_received_at
  RETURNING id, content_hash
), queued AS (
  INSERT INTO push_queue (raw_ids, source, kind, sender_id, agency_code, run_id,
                          dossier_codes, received_at, page_counted)
  SELECT ARRAY(SELECT raw.id
               FROM json_array_elements_text(CAST(:order AS json)) WITH ORDINALITY AS o(h, i)
               JOIN raw ON raw.content_hash = o.h ORDER BY o.i),
         CAST(:source AS text), CAST(:kind AS text), CAST(:sender_id AS integer),
         CAST(:record_agency AS text), (SELECT id FROM run),
         ARRAY(SELECT json_array_elements_text(CAST(:snapshots AS json))),
         CAST(:now AS timestamptz), false
  WHERE (SELECT go FROM ok) AND (CAST(:digest AS text) IS NULL OR EXISTS (SELECT 1 FROM ledger))
  RETURNING id
)
SELECT (SELECT go FROM ok), (SELECT id FROM run), EXISTS (SELECT 1 FROM ledger),
       (SELECT id FROM queued)
""")

#: A group's rows of the minute not there yet, inserted in key order before anything else of
#: the group (`accept_many`), with no page counted: two groups whose deliveries arrived in
#: opposite orders would otherwise each insert one new row and wait for the other's (PostgreSQL
#: ends one of them after deadlock_timeout). Inserting them first, in one order, makes the
#: second group wait for the first before it holds anything. A row that is there already is
#: skipped without being touched: ON CONFLICT alone would wait for a processor updating it.
#: ``added``: the keys this statement inserted.
_ADD_MINUTE_ROWS: Final = text("""
INSERT INTO ingest_run (source, summary_key, detail, agency_code, sender_id, started_at,
                        finished_at, status, stored, updated, unchanged, quarantined, pages)
SELECT v.source, v.key, v.detail, v.agency, v.sender_id, CAST(:now AS timestamptz),
       CAST(:now AS timestamptz), 'succeeded', 0, 0, 0, 0, 0
FROM unnest(CAST(:keys AS text[]), CAST(:sources AS text[]), CAST(:details AS text[]),
            CAST(:agencies AS text[]), CAST(:senders AS integer[]))
     AS v(key, source, detail, agency, sender_id)
WHERE NOT EXISTS (SELECT 1 FROM ingest_run AS r WHERE r.summary_key = v.key)
ORDER BY v.key
ON CONFLICT (summary_key) DO NOTHING
RETURNING summary_key""")
#: Rows of the minute this group added for deliveries that all took the inline path (``go``
#: false): nothing was queued under them (the inline path adds its own row if it stores), and
#: no other transaction can have seen them.
_DROP_UNUSED: Final = text(
    "DELETE FROM ingest_run WHERE summary_key = ANY(CAST(:keys AS text[]))")
#: ``waited``: seconds since the delivery was accepted, by the database's clock (the
#: processor's gathering, app/ingest/queue_processor.py)
_TAKE: Final = text(
    "SELECT id, raw_ids, source, kind, sender_id, agency_code, run_id, received_at, "
    "page_counted, "
    "EXTRACT(EPOCH FROM clock_timestamp() - received_at)::float AS waited FROM push_queue "
    "WHERE id <= :upto ORDER BY id LIMIT :limit")
_PAYLOADS: Final = text(
    "SELECT id, payload, origin FROM raw_record WHERE id = ANY(CAST(:ids AS integer[]))")
#: Processed deliveries counted in their rows of the minute: pages, the records' outcomes, and
#: the first and last acceptance instants (the accept statement only finds the row).
_ADD_COUNTS: Final = text("""
UPDATE ingest_run AS r SET stored = r.stored + v.s, updated = r.updated + v.u,
  unchanged = r.unchanged + v.n, quarantined = r.quarantined + v.q, pages = r.pages + v.p,
  started_at = LEAST(r.started_at, v.first), finished_at = GREATEST(r.finished_at, v.last)
FROM unnest(CAST(:ids AS integer[]), CAST(:s AS integer[]), CAST(:u AS integer[]),
            CAST(:n AS integer[]), CAST(:q AS integer[]), CAST(:p AS integer[]),
            CAST(:first AS timestamptz[]), CAST(:last AS timestamptz[]))
     AS v(id, s, u, n, q, p, first, last)
WHERE r.id = v.id""")
#: Processed deliveries' registered senders: their last delivery (the latest acceptance), in
#: id order (the inline path, which notes its own, writes under the same group lock).
_NOTE_SENDERS: Final = text("""
UPDATE sender AS s SET last_delivery_at = GREATEST(s.last_delivery_at, v.at)
FROM unnest(CAST(:ids AS integer[]), CAST(:ats AS timestamptz[])) AS v(id, at)
WHERE s.id = v.id""")
_DELETE: Final = text("DELETE FROM push_queue WHERE id = ANY(CAST(:ids AS integer[]))")
_DEPTH: Final = text("SELECT count(*), min(received_at), max(id) FROM push_queue")
#: no row has an id this large (ids are 32-bit): "every row"
EVERY_ROW: Final = 2**31


@dataclass(frozen=True, slots=True)
class Accepted:
    go: bool  # false: a step's dossier unknown or a payload archived; nothing written
    run_id: int | None
    ledger_taken: bool
    queue_id: int | None


_ACCEPT_PG: Final = psycopg_style(_ACCEPT.text)
_STORED: Final = "FROM dossier AS d WHERE d.code = c.code"
#: On a partitioned `dossier` (migration 0004) a step's stored dossier is looked up in
#: `dossier_key`, one unique index, rather than in each monthly partition's (one probe per
#: month kept: five per step on the bench's database, sixty after five years).
_ACCEPT_KEYED_PG: Final = _ACCEPT_PG.replace(_STORED, "FROM dossier_key AS d WHERE d.code = c.code")


def accept_text(keyed: bool) -> str:
    """The accept statement (psycopg's parameter style); ``keyed``: the database has
    `dossier_key` (`repository.has_dossier_key`)."""
    return _ACCEPT_KEYED_PG if keyed else _ACCEPT_PG
_ADD_MINUTE_ROWS_PG: Final = psycopg_style(_ADD_MINUTE_ROWS.text)
_DROP_UNUSED_PG: Final = psycopg_style(_DROP_UNUSED.text)


def accepted_row(row: Any) -> Accepted:
    """An accept statement's answer row."""
    return Accepted(bool(row[0]), row[1], bool(row[2]), row[3])


def accept(session: Session, params: dict[str, Any]) -> Accepted:
    """A lone delivery's accept statement (a group of one: one row of the minute)."""
    return accept_many(session, [params])[0]


def accept_many(session: Session, params: Sequence[dict[str, Any]]) -> list[Accepted]:
    """A group's accept statements (each delivery's `_ACCEPT` values, in arrival order), sent
    in ONE psycopg pipeline (with generic plans), their results read once all have run. When
    they name more than one row of the minute, the rows not there yet are inserted first, in
    key order (`_ADD_MINUTE_ROWS`). PostgreSQL runs them one after the other in the
    transaction, each seeing the ones before, as when each waited for its answer; a failing
    statement fails the rest and raises here (the group is then rolled back)."""
    minutes = {values["key"]: values for values in params}
    statement = accept_text(has_dossier_key(session))  # before the pipeline: its own answer
    driver = driver_connection(session)
    added = None
    with driver.pipeline():
        driver.execute(GENERIC_PLANS)
        if len(minutes) > 1:
            keys = sorted(minutes)
            added = driver.execute(_ADD_MINUTE_ROWS_PG, {
                "now": params[0]["now"], "keys": keys,
                "sources": [minutes[k]["source"] for k in keys],
                "details": [minutes[k]["detail"] for k in keys],
                "agencies": [minutes[k]["agency"] for k in keys],
                "senders": [minutes[k]["sender_id"] for k in keys]}, prepare=True)
        cursors = [driver.execute(statement, values, prepare=True) for values in params]
    answers = [accepted_row(cursor.fetchone()) for cursor in cursors]
    if added is not None:
        used = {values["key"] for values, answer in zip(params, answers, strict=True)
                if answer.go}
        unused = sorted({key for key, in added.fetchall()} - used)
        if unused:
            driver.execute(_DROP_UNUSED_PG, {"keys": unused}, prepare=True)
    return answers


def take(session: Session, limit: int, upto: int = EVERY_ROW) -> Sequence[Row[Any]]:
    """The oldest ``limit`` queued deliveries (id order), none after ``upto``."""
    return session.execute(_TAKE, {"limit": limit, "upto": upto}).all()


def payloads(session: Session, raw_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    rows = session.execute(_PAYLOADS, {"ids": list(raw_ids)})
    return {int(raw_id): (payload, origin) for raw_id, payload, origin in rows}


@dataclass(slots=True)
class RunCounts:
    """What a batch adds to one row of the minute: its processed deliveries (``pages``), their
    records' outcomes, and the first and last of their acceptance instants."""

    first: datetime
    last: datetime
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    pages: int = 0


def add_counts(session: Session, counts: dict[int, RunCounts]) -> None:
    """Count processed deliveries in their rows of the minute, by id."""
    if not counts:
        return
    ids = sorted(counts)  # one order for every writer: no deadlock between two
    rows = [counts[i] for i in ids]
    session.execute(_ADD_COUNTS, {
        "ids": ids, "s": [r.stored for r in rows], "u": [r.updated for r in rows],
        "n": [r.unchanged for r in rows], "q": [r.quarantined for r in rows],
        "p": [r.pages for r in rows], "first": [r.first for r in rows],
        "last": [r.last for r in rows]})


def note_senders(session: Session, last: dict[int, datetime]) -> None:
    """Each registered sender's last delivery, if later than the one noted (by sender id)."""
    if not last:
        return
    ids = sorted(last)
    session.execute(_NOTE_SENDERS, {"ids": ids, "ats": [last[i] for i in ids]})


def delete(session: Session, ids: Sequence[int]) -> None:
    session.execute(_DELETE, {"ids": list(ids)})


def depth(session: Session) -> tuple[int, datetime | None, int | None]:
    """(queued deliveries, the oldest's acceptance instant, the newest id)."""
    count, oldest, newest = session.execute(_DEPTH).one()
    return int(count), oldest, newest
