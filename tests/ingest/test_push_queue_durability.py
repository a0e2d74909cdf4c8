"""The push queue (app/ingest/push_queue.py) loses nothing: deliveries left queued by a process
that stopped are processed by the next start, a delivery that cannot be processed is
quarantined with its reason and leaves the queue, and two processes draining one queue apply
each dossier's deliveries once, in order."""

from __future__ import annotations

import json
import threading
from functools import partial
from typing import Any

import pytest
from sqlalchemy import text

from app.db.session import make_engine, make_session_factory, session_scope
from app.ingest import push_queue
from app.ingest.queue_processor import QueueProcessor
from app.senders.service import Credentials
from tests.ingest.payloads import dossier, stamp, step
from tests.ingest.push_queue_support import (  # postgresql_only: autouse here
    client_for,
    postgresql_only,  # noqa: F401
    prepare,
    queued,
)


def _send(client: Any, creds: Credentials, service: str, items: list[Any]) -> None:
    body = json.dumps(items, ensure_ascii=False).encode("utf-8")
    reply = client.post(f"/dvcqg/k/{creds.url_key}/{service}", content=body).json()
    assert reply["error_code"] == 0 and reply.get("queued"), reply


def _codes_and_statuses(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT code, status FROM dossier")).all())
    engine.dispose()
    return found


def _queue_left(url: str, creds: Credentials, codes: list[str]) -> None:
    """Deliveries accepted by a process killed before it processed any."""
    with client_for(url, "queued", held=True) as client:
        client.app.state.push_queue.stop = lambda *_a, **_k: None  # type: ignore[attr-defined]
        for code in codes:
            _send(client, creds, "DongBoHoSoMC", [dossier(code, status=2)])


def test_deliveries_left_queued_are_processed_by_the_next_start(
    fresh_database_url: str,
) -> None:
    creds = prepare(fresh_database_url)
    codes = [f"H21.65-250914-{n:04d}" for n in range(1, 4)]
    _queue_left(fresh_database_url, creds, codes)
    engine = make_engine(fresh_database_url)
    assert queued(engine) == 3 and _codes_and_statuses(fresh_database_url) == {}
    with client_for(fresh_database_url, "queued"):  # started, nothing sent: the poll finds them
        for _ in range(200):
            if not queued(engine):
                break
            threading.Event().wait(0.05)
    assert queued(engine) == 0
    engine.dispose()
    assert set(_codes_and_statuses(fresh_database_url)) == set(codes)


def test_a_delivery_that_cannot_be_processed_is_quarantined_with_its_reason(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = prepare(fresh_database_url)
    codes = [f"H21.65-250915-{n:04d}" for n in range(1, 4)]
    _queue_left(fresh_database_url, creds, codes)
    real = push_queue.process_deliveries

    def poisoned(session: Any, deliveries: Any, *args: Any) -> Any:
        if any(r.payload.get("MaHoSo") == codes[1] for d in deliveries for r in d.records):
            raise RuntimeError("poison")
        return real(session, deliveries, *args)

    monkeypatch.setattr(push_queue, "process_deliveries", poisoned)
    engine = make_engine(fresh_database_url)
    scope = partial(session_scope, make_session_factory(engine))
    assert push_queue.drain(scope) == 3
    assert queued(engine) == 0
    with engine.connect() as conn:
        entries = conn.execute(text("SELECT dossier_code, field, reason, status FROM quarantine")
                               ).all()
        counts = conn.execute(text("SELECT sum(pages), sum(stored), sum(quarantined) "
                                   "FROM ingest_run")).one()
    engine.dispose()
    assert [(c, f, s) for c, f, _, s in entries] == [(codes[1], "*", "open")]
    assert "processing the accepted delivery failed: RuntimeError: poison" in entries[0][2]
    assert tuple(counts) == (3, 2, 1)
    assert set(_codes_and_statuses(fresh_database_url)) == {codes[0], codes[2]}


def test_two_processes_draining_one_queue_keep_each_dossiers_order(
    fresh_database_url: str,
) -> None:
    creds = prepare(fresh_database_url)
    codes = [f"H21.65-250916-{n:04d}" for n in range(1, 7)]
    statuses = (2, 4, 5, 4, 9, 10)  # each a snapshot, then its step
    with client_for(fresh_database_url, "queued", held=True) as client:
        client.app.state.push_queue.stop = lambda *_a, **_k: None  # type: ignore[attr-defined]
        for index, status in enumerate(statuses):
            for code in codes:
                at = stamp(16, 8 + index)
                sent = [step(code, stamp(16, 8 + i), s) for i, s in enumerate(statuses[:index])]
                _send(client, creds, "DongBoHoSoMC", [dossier(code, status=status, steps=sent)])
                _send(client, creds, "CapNhatTienDoHoSoMC", [step(code, at, status)])
    engines = [make_engine(fresh_database_url) for _ in range(2)]
    drained: list[int] = []

    def drain(engine: Any) -> None:
        drained.append(push_queue.drain(partial(session_scope, make_session_factory(engine)),
                                        batch=5))

    threads = [threading.Thread(target=drain, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(drained) == 2 * len(codes) * len(statuses) and queued(engines[0]) == 0
    with engines[0].connect() as conn:
        events = conn.execute(text(
            "SELECT d.code, count(*) FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id "
            "GROUP BY d.code")).all()
        held = conn.execute(text("SELECT count(*) FROM quarantine")).scalar_one()
        counted = conn.execute(text(
            "SELECT sum(stored + updated + unchanged + quarantined) FROM ingest_run")).scalar()
    for engine in engines:
        engine.dispose()
    assert held == 0 and counted == 2 * len(codes) * len(statuses)  # each record once
    assert _codes_and_statuses(fresh_database_url) == dict.fromkeys(codes, statuses[-1])
    assert dict(events) == dict.fromkeys(codes, len(statuses))


def test_a_stop_asked_during_a_drain_gets_one_more_drain(monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery queued while the processor drains, then the stop: processed before it ends."""
    processor = QueueProcessor(lambda: None, poll_seconds=3600)  # type: ignore[arg-type,return-value]
    calls: list[int] = []

    def drain(*_args: Any, **_kwargs: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            processor._stopping.set()  # what stop() does first, while this drain runs
            processor._wake.set()
        return 0

    monkeypatch.setattr(push_queue, "newest_id", lambda _scope: 1)
    monkeypatch.setattr(push_queue, "drain", drain)
    processor.wake()
    assert processor._thread is not None
    processor._thread.join(10)
    assert len(calls) == 2
