"""The push queue's processor lets a batch gather from the OLDEST queued delivery's acceptance
(app/ingest/push_queue.py, `still_to_gather`): with two server processes, one woken
processor may find the queue just drained by the other, and what arrived since waits its own
gathering time rather than making a small batch."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from app.core.clock import utcnow
from app.ingest.push_queue import Gathering, drain, process_batch, still_to_gather
from tests.ingest.test_accept_group import _processor, _queued, _snapshot
from tests.ingest.test_sender_contracts_grouped import _keyed, fresh_scope

GATHER, BATCH = 0.2, 500


def test_nothing_queued_or_a_whole_batch_is_not_waited_for() -> None:
    assert still_to_gather(0, 0.0, GATHER, BATCH) == 0.0
    assert still_to_gather(BATCH, 0.0, GATHER, BATCH) == 0.0
    assert still_to_gather(BATCH + 1, 0.01, GATHER, BATCH) == 0.0


def test_a_young_queue_waits_until_its_oldest_has_gathered() -> None:
    # accepted 0.05 s ago: 0.2 - 0.05 = 0.15 s more
    assert abs(still_to_gather(3, 0.05, GATHER, BATCH) - 0.15) < 1e-9
    # just accepted: the whole gathering time, never more
    assert still_to_gather(1, 0.0, GATHER, BATCH) == GATHER
    assert still_to_gather(1, -0.5, GATHER, BATCH) == GATHER  # a clock a little behind


def test_an_oldest_that_gathered_already_is_drained_at_once() -> None:
    assert still_to_gather(3, GATHER, GATHER, BATCH) == 0.0  # exactly at the boundary
    assert still_to_gather(3, 5.0, GATHER, BATCH) == 0.0


def test_a_batch_younger_than_its_gathering_waits_and_is_left_queued(
    database_factory: Any, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite processes every push delivery inline (app/core/config.py)")
    with fresh_scope(database_factory.create(backend)) as (scope, creds):
        queue = _processor(scope)
        code = "H21.65-250910-0001"
        prepare = _keyed(creds, "DongBoHoSoMC", json.dumps(_snapshot(code)).encode(), {})
        assert queue.accept(prepare) is not None
        with pytest.raises(Gathering) as gathering, scope() as session:
            process_batch(session, utcnow(), gather=30.0)
        assert 25.0 < gathering.value.seconds <= 30.0  # accepted a moment ago
        assert len(_queued(scope)) == 1  # nothing taken
        assert drain(scope, gather=0.001) == 1  # gathered enough: processed
        assert _queued(scope) == []


def _gathering(wakes_every: float | None, gather: float) -> tuple[bool, float]:
    """A processor's `_gather` with deliveries queued every ``wakes_every`` seconds (None: no
    more after the first): whether it ended because the senders paused, and after how long."""
    from app.ingest.queue_processor import QueueProcessor

    processor = QueueProcessor(scope=lambda: None, gather_seconds=gather)  # type: ignore[arg-type,return-value]
    stop = threading.Event()

    def accepting() -> None:
        while wakes_every is not None and not stop.wait(wakes_every):
            processor._wake.set()

    feeder = threading.Thread(target=accepting, daemon=True)
    feeder.start()
    began = time.monotonic()
    try:
        quiet = processor._gather()
    finally:
        stop.set()
        feeder.join()
    return quiet, time.monotonic() - began


def test_a_pause_of_the_senders_ends_the_gathering() -> None:
    """Nothing queued for `QUIET_SECONDS` (0.05 s) while gathering for 5 s: processed after
    ~0.05 s, not 5."""
    quiet, took = _gathering(None, 5.0)
    assert quiet and took < 2.0


def test_a_steady_flow_gathers_the_whole_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery every 10 ms: never quiet for 0.2 s (a margin for a loaded machine's
    scheduling), the batch gathers for all of 0.3 s."""
    from app.ingest import queue_processor

    monkeypatch.setattr(queue_processor, "QUIET_SECONDS", 0.2)
    quiet, took = _gathering(0.01, 0.3)
    assert not quiet and took >= 0.3
