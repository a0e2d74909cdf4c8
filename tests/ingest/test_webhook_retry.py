"""A webhook delivery that loses a deadlock (the rate rollup's rows, against a concurrent scan)
is run again in its savepoint instead of answering 500; other database errors are not retried."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.ingest.service import IngestCounts
from app.ingest.webhook import ingest_merging_concurrent
from app.models import IngestRun

T = datetime(2026, 3, 2, 16, 59, 10, tzinfo=UTC)


class _Deadlock(Exception):
    sqlstate = "40P01"


class _OtherFailure(Exception):
    sqlstate = "57014"  # query_canceled: not a race, never retried


def test_a_deadlocked_delivery_is_run_again_in_its_savepoint(db_session: Session) -> None:
    calls: list[int] = []

    def flaky(failure: Exception, fails: int) -> IngestCounts:
        calls.append(1)
        db_session.add(IngestRun(source="t", detail=None, started_at=T, status="running",
                                 stored=0, updated=0, unchanged=0, quarantined=0, pages=0))
        db_session.flush()
        if len(calls) <= fails:
            raise OperationalError("INSERT …", {}, failure)
        return IngestCounts(stored=1)

    assert ingest_merging_concurrent(db_session, lambda: flaky(_Deadlock(), 2)).stored == 1
    # the two failed attempts were rolled back with their savepoints: one row is left
    assert len(calls) == 3 and len(db_session.scalars(select(IngestRun)).all()) == 1
    calls.clear()
    with pytest.raises(OperationalError):
        ingest_merging_concurrent(db_session, lambda: flaky(_OtherFailure(), 1))
    assert len(calls) == 1
