"""Retention: job runs kept N days, raw payloads of long-closed dossiers moved to archive files
and brought back (into the same database, or ingested into an empty one: the same dossier),
quarantine entries and their payloads kept, nothing done by a dry run."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import BadRequest
from app.db.session import make_engine, make_session_factory, session_scope
from app.ingest.service import ingest_records
from app.models import Dossier, DossierEvent, JobRun, QuarantineEntry, RawRecord
from app.retention import archive
from app.retention.service import Policy, months_before, plan, restore, step
from tests.ingest.payloads import NOW, as_records, dossier, stamp
from tests.ingest.payloads import step as progress

CLOSED = "H21.65-250908-0001"
OPEN = "H21.65-250908-0002"
LATER = NOW + timedelta(days=400)  # more than 12 months after the dossiers last changed
STEPS = [progress(CLOSED, stamp(8, 8, 30), 2, "Tiếp nhận"), progress(CLOSED, stamp(9, 9), 4),
         progress(CLOSED, stamp(10, 15), 9, "Hoàn thành")]


def policy(directory: Path | None) -> Policy:
    return Policy(job_run_days=90, reception_minutes_days=30, archive_dir=directory,
                  archive_after_months=12)


def seed(session: Session) -> None:
    """A returned dossier (three payloads), an open one, and a quarantined payload."""
    ingest_records(session, "webhook", as_records([dossier(CLOSED, steps=STEPS[:2])]), NOW)
    ingest_records(session, "webhook", as_records([
        dossier(CLOSED, status=10, steps=STEPS, NgayKetThucXuLy=stamp(10, 15),
                NgayTra=stamp(11, 9)),
        dossier(OPEN),
        dossier(CLOSED.replace("0001", "0009"), NgayHenTra="mai"),  # quarantined
    ]), NOW)
    ingest_records(session, "webhook", as_records(
        [progress(CLOSED, stamp(11, 9), 10, "Trả kết quả")], kind="progress"), NOW)


def picture(session: Session, code: str) -> dict[str, Any]:
    """What a dossier is, as an auditor reads it: the row and its steps."""
    session.expire_all()
    d = session.scalars(select(Dossier).where(Dossier.code == code)).one()
    row = {name: getattr(d, name) for name in (
        "code", "status", "received_at", "portal_due_at", "due_at", "finished_at", "returned_at",
        "classification", "channel", "legal_basis", "newest_progress_at")}
    events = session.execute(
        select(DossierEvent.at, DossierEvent.status, DossierEvent.content, DossierEvent.dedup_hash)
        .where(DossierEvent.dossier_id == d.id).order_by(DossierEvent.at, DossierEvent.status)
    ).all()
    return {**row, "events": [tuple(e) for e in events]}


def payload_texts(session: Session) -> dict[str, tuple[str, str | None]]:
    session.expire_all()
    return {r.content_hash: (r.payload, r.archived_in) for r in session.scalars(select(RawRecord))}


def test_closed_dossiers_payloads_go_to_a_file_and_come_back(
    db_session: Session, tmp_path: Path, fresh_database_url: str
) -> None:
    seed(db_session)
    before, texts = picture(db_session, CLOSED), payload_texts(db_session)
    quarantined = db_session.scalars(select(QuarantineEntry.raw_record_id)).one()
    assert plan(db_session, NOW + timedelta(days=200), policy(tmp_path)).payloads_archived == 0

    planned = plan(db_session, LATER, policy(tmp_path))
    assert planned.payloads_archived == 3 and payload_texts(db_session) == texts  # dry run
    done = step(db_session, LATER, policy(tmp_path))
    assert (done.payloads_archived, len(done.archive_files), done.complete) == (3, 1, True)
    [name] = done.archive_files
    after = payload_texts(db_session)
    archived = {h for h, (text, file) in after.items() if file == name}
    assert len(archived) == 3 and all(after[h][0] == "" for h in archived)
    kept = db_session.get(RawRecord, quarantined)
    assert kept is not None and kept.archived_in is None and "mai" in kept.payload
    open_raw = db_session.scalars(select(RawRecord).where(RawRecord.dossier_code == OPEN)).one()
    assert open_raw.archived_in is None and open_raw.payload == texts[open_raw.content_hash][0]
    assert picture(db_session, CLOSED) == before  # the dossier and its steps are untouched
    assert step(db_session, LATER, policy(tmp_path)).payloads_archived == 0

    # re-imported into an empty database: the same dossier, the same steps
    engine = make_engine(fresh_database_url)
    try:
        with session_scope(make_session_factory(engine)) as other:
            result = restore(other, tmp_path / name, LATER, apply=True)
            assert (result.lines, result.reimported, result.put_back) == (3, 3, 0)
            assert result.counts.quarantined == 0
        with make_session_factory(engine)() as other:
            assert picture(other, CLOSED) == before
            assert {h: t for h, (t, _) in payload_texts(other).items()} == {
                h: texts[h][0] for h in archived}
    finally:
        engine.dispose()

    # back into the database it came from: the payloads return to their rows
    dry = restore(db_session, tmp_path / name, LATER, apply=False)
    assert (dry.put_back, payload_texts(db_session)) == (3, after)
    assert restore(db_session, tmp_path / name, LATER, apply=True).put_back == 3
    assert payload_texts(db_session) == texts
    assert restore(db_session, tmp_path / name, LATER, apply=True).present == 3


def test_without_an_archive_directory_every_payload_stays(
    db_session: Session, tmp_path: Path
) -> None:
    seed(db_session)
    texts = payload_texts(db_session)
    assert plan(db_session, LATER, policy(None)).payloads_archived == 0
    assert step(db_session, LATER, policy(None)).archive_files == []
    assert payload_texts(db_session) == texts


def test_a_damaged_archive_is_refused_and_changes_nothing(
    db_session: Session, tmp_path: Path
) -> None:
    seed(db_session)
    [name] = step(db_session, LATER, policy(tmp_path)).archive_files
    lines = gzip.decompress((tmp_path / name).read_bytes()).decode().splitlines()
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(gzip.compress(
        "\n".join([lines[0], lines[1].replace("Tiếp nhận", "Tiếp nhận lại")]).encode()))
    before = payload_texts(db_session)
    with pytest.raises(BadRequest, match="does not match its content hash"):
        restore(db_session, damaged, LATER, apply=True)
    (tmp_path / "junk.jsonl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(BadRequest, match="cannot read archive file"):
        restore(db_session, tmp_path / "junk.jsonl.gz", LATER, apply=True)
    assert payload_texts(db_session) == before
    with pytest.raises(BadRequest, match="exists already"):
        archive.write(tmp_path, name, [])


def _job_run(session: Session, job: str, ended: datetime | None, outcome: str) -> int:
    run = JobRun(job=job, instance_id="test", started_at=ended or LATER, finished_at=ended,
                 outcome=outcome)
    session.add(run)
    session.flush()
    return run.id


def test_job_runs_older_than_the_limit_go_but_each_jobs_newest_stays(
    db_session: Session,
) -> None:
    old = LATER - timedelta(days=91)
    doomed = [_job_run(db_session, "scan", old - timedelta(hours=h), "succeeded")
              for h in range(3)]
    doomed.append(_job_run(db_session, "pull", old - timedelta(days=9), "failed"))
    newest_pull = _job_run(db_session, "pull", old, "succeeded")  # old, but the newest pull
    recent = _job_run(db_session, "scan", LATER - timedelta(days=89), "succeeded")
    running = _job_run(db_session, "scan", None, "running")
    assert plan(db_session, LATER, policy(None)).job_runs_deleted == 4
    assert step(db_session, LATER, policy(None)).job_runs_deleted == 4
    left = set(db_session.scalars(select(JobRun.id)))
    assert left == {newest_pull, recent, running} and not left & set(doomed)


def test_months_before_keeps_the_local_day_or_the_months_last() -> None:
    march_31 = datetime(2026, 3, 31, 10, tzinfo=UTC)  # 17:00 in Hà Nội
    assert months_before(march_31, 1).isoformat() == "2026-02-28T17:00:00+07:00"
    assert months_before(march_31, 12).isoformat() == "2025-03-31T17:00:00+07:00"
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13).isoformat() == (
        "2024-12-15T07:00:00+07:00")

