from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.db.session import make_engine, make_session_factory
from app.delivery import deliver_due, enqueue
from app.delivery.senders import OutgoingMessage
from app.models.outbox import OutboxMessage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


class SlowRecorder:
    channel = "webhook"

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> None:
        time.sleep(0.005)  # long enough for the other worker to be claiming meanwhile
        with self.lock:
            self.keys.append(message.key)


def test_two_workers_on_postgresql_never_send_one_message_twice(
    backend: str, fresh_database_url: str
) -> None:
    if backend != "postgresql":
        pytest.skip("on SQLite only the leader delivers; SKIP LOCKED is PostgreSQL's")
    engine = make_engine(fresh_database_url)
    factory = make_session_factory(engine)
    try:
        with factory() as session:
            for index in range(120):
                enqueue(session, key=f"c{index}", kind="k", channel="webhook", payload={},
                        now=NOW)
            session.commit()

        sender = SlowRecorder()
        barrier = threading.Barrier(2)
        results: list[dict[str, int]] = []
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                with factory() as session:
                    barrier.wait(10)
                    results.append(deliver_due(session, NOW, {"webhook": sender}, batch_size=10))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors

        sent_twice = [key for key, times in Counter(sender.keys).items() if times > 1]
        assert sent_twice == []
        assert len(sender.keys) == 120
        assert sum(result["sent"] for result in results) == 120
        assert all(result["sent"] > 0 for result in results), "both workers took part"
        with factory() as session:
            statuses = set(session.scalars(select(OutboxMessage.status)))
        assert statuses == {"sent"}
    finally:
        engine.dispose()
