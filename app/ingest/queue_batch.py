"""A batch of queued push deliveries (app/ingest/push_queue.py): rebuilt from their raw rows, cut
into runs that name each dossier once, and counted in their rows of the minute once processed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row
from sqlalchemy.orm import Session

from app.ingest import queue_repository as repo
from app.ingest.intake import Received, readable_code
from app.ingest.service import Delivered, IngestCounts
from connectors import SourceRecord
from connectors.base import RecordKind


def deliveries_of(session: Session, rows: Sequence[Row[Any]], *, strict: bool = True
                  ) -> list[tuple[Delivered, list[Received]]]:
    """Each queued delivery's records, rebuilt from their raw rows (the delivery's kind and
    agency from its queue row). ``strict``: a payload that is not here (archived) raises."""
    payloads = repo.payloads(session, [raw_id for row in rows for raw_id in row.raw_ids])
    built = []
    for row in rows:
        received = []
        for raw_id in row.raw_ids:
            text, origin = payloads.get(raw_id, ("", None))
            try:
                payload = json.loads(text)
            except ValueError:
                if strict:
                    raise ValueError(f"raw record {raw_id} has no payload here") from None
                payload = {}
            record = SourceRecord(cast(RecordKind, row.kind), payload, origin or "",
                                  row.agency_code)
            received.append(Received(record, raw_id))
        built.append((Delivered(row.source, row.sender_id, [r.record for r in received]),
                      received))
    return built


def runs_by_dossier(deliveries: Sequence[Delivered]) -> list[list[Delivered]]:
    """The deliveries in runs that name each dossier once, each delivery in the first run after
    those holding an earlier delivery of one of its dossiers: a dossier's deliveries keep their
    order (a set-based page applies its snapshots before its steps, `_one_step_per_dossier`),
    deliveries of other dossiers share runs. Cutting the batch where a dossier comes again, as a
    group does, made ~7 runs of a batch of the bench's 8 senders (each sends 4 snapshots, then
    their steps) where 2 do: every run pays its statements. A delivery without a dossier code
    (none is queued today) takes a run of its own, after every earlier one and before every
    later one."""
    runs: list[list[Delivered]] = []
    last: dict[str, int] = {}  # the run of each dossier's latest delivery
    floor = 0
    for delivered in deliveries:
        # the code each record's dossier is stored under (a number, decomposed or padded text
        # name the same dossier as its parsed form)
        codes = {readable_code(record.payload) or "" for record in delivered.records}
        if "" in codes:
            runs.append([delivered])
            floor = len(runs)
            continue
        level = max([floor, *(last[code] + 1 for code in codes if code in last)])
        runs.extend([] for _ in range(level + 1 - len(runs)))
        runs[level].append(delivered)
        last.update(dict.fromkeys(codes, level))
    return [run for run in runs if run]


def count_processed(session: Session, rows: Sequence[Row[Any]],
                    counts: Sequence[IngestCounts]) -> None:
    """Count processed deliveries in their rows of the minute (their page unless it was counted
    at acceptance, their first and last acceptance, their records' outcomes) and note their
    registered senders' last delivery: the accept statement writes neither
    (app/ingest/queue_repository.py)."""
    per_run: dict[int, repo.RunCounts] = {}
    senders: dict[int, datetime] = {}
    for row, c in zip(rows, counts, strict=True):
        if row.sender_id is not None:
            senders[row.sender_id] = max(senders.get(row.sender_id, row.received_at),
                                         row.received_at)
        if row.run_id is None:
            continue
        run = per_run.setdefault(row.run_id, repo.RunCounts(row.received_at, row.received_at))
        run.first, run.last = min(run.first, row.received_at), max(run.last, row.received_at)
        run.stored += c.stored
        run.updated += c.updated
        run.unchanged += c.unchanged
        run.quarantined += c.quarantined
        run.pages += 0 if row.page_counted else 1
    repo.add_counts(session, per_run)
    repo.note_senders(session, senders)
