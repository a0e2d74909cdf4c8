"""The scan's read-ahead worker (app/scan/read_ahead.py): a full scan that reads ahead in a
worker process stores exactly what a scan in one process stores, and goes on by itself when
the worker stops or does not pay; a transaction with a change of its own never reads ahead.
When it reads ahead at all: test_read_ahead_when.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from app.db.session import make_engine, make_session_factory
from app.models import Agency, Dossier, Procedure
from app.procedures import process_service
from app.scan import read_ahead
from app.scan.read_ahead import ContextSpec, ScanReadAhead
from app.scan.service import run_scan
from tests.factories import add_event, local, make_agency, make_dossier, make_procedure

MON = local(2026, 3, 2, 8, 0)
NOW = local(2026, 3, 13, 10, 0)
STEPS = [
    {"name": "Tiếp nhận", "units": ["Bộ phận một cửa"], "working_hours": 4},
    {"name": "Thẩm định", "units": ["Phòng Tư pháp"], "working_hours": 16},
    {"name": "Nghĩa vụ thuế", "units": ["Đội Thuế"], "working_hours": 8,
     "agency": "Chi cục Thuế khu vực XV"},
]
BATCH = 2
DOSSIERS = 3 * read_ahead.IN_PROCESS_BATCHES * BATCH  # a third in this process, the rest ahead


def _world(url: str) -> None:
    """Open dossiers received over two weeks, in two agencies (one approving its drafts
    automatically) and two procedures (one with an internal process): in time, due soon,
    overdue, paused by a supplement request, with progress records or without; committed,
    as a scheduled scan finds them."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        agencies = [make_agency(session, "RA-1", "UBND xã Tân Phú"),
                    make_agency(session, "RA-2", "Sở Tư pháp")]
        agencies[1].auto_approve_notices = True
        procedures = [make_procedure(session, "9.RA1", "5", "working_days"),
                      make_procedure(session, "9.RA2", "8", "working_days")]
        process_service.set_process(session, procedures[1].code, None, STEPS, MON, "test")
        for n in range(DOSSIERS):
            received = MON + timedelta(hours=7 * n)
            dossier = make_dossier(session, f"RA-{n:03d}", agencies[n % 2], procedures[n % 3 % 2],
                                   received)
            if n % 4 == 1:
                add_event(session, dossier, received + timedelta(hours=1), 2, "Tiếp nhận")
            if n % 5 == 2:
                add_event(session, dossier, received + timedelta(hours=2), 5,
                          "Yêu cầu bổ sung hồ sơ")
        session.commit()
    engine.dispose()


def _tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted (the same rows stored in another order compare equal)."""
    engine = make_engine(url)
    try:
        names = sorted(t for t in inspect(engine).get_table_names() if t != "alembic_version")
        with engine.connect() as connection:
            return {name: sorted((tuple(row) for row in connection.execute(
                text(f"SELECT * FROM {name}"))), key=repr) for name in names}
    finally:
        engine.dispose()


def _scan(url: str, *, read_ahead_on: bool) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            counts = run_scan(session, NOW, batch_size=BATCH, read_ahead=read_ahead_on)
            session.commit()
        return counts.as_dict()
    finally:
        engine.dispose()


@pytest.fixture
def worlds(backend: str, database_factory: Any) -> tuple[str, str]:
    if backend != "sqlite":
        pytest.skip("the scan reads ahead on SQLite only (PostgreSQL: test_read_ahead_when.py)")
    first, second = database_factory.create(backend), database_factory.create(backend)
    _world(first)
    _world(second)
    return first, second


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many batches reached this process from the worker."""
    seen: list[int] = []
    original = ScanReadAhead._from_worker

    def counted(self: ScanReadAhead) -> Iterator[Any]:
        for item in original(self):
            seen.append(len(item[0]))
            yield item

    monkeypatch.setattr(ScanReadAhead, "_from_worker", counted)
    return seen


def test_a_scan_reading_ahead_stores_what_one_process_stores(
    worlds: tuple[str, str], received: list[int]
) -> None:
    ahead, alone = worlds
    counts = _scan(ahead, read_ahead_on=True)
    assert received and sum(received) == DOSSIERS - read_ahead.IN_PROCESS_BATCHES * BATCH
    assert counts == _scan(alone, read_ahead_on=False)
    assert counts["drafted"] and counts["became_overdue"] and counts["step_overdue"]
    assert counts["paused"] and counts["in_time"] and counts["auto_approved"]
    assert _tables(ahead) == _tables(alone)
    # a second full scan, with everything recorded already, agrees too
    received.clear()
    assert _scan(ahead, read_ahead_on=True) == _scan(alone, read_ahead_on=False)
    assert received and _tables(ahead) == _tables(alone)


class _BrokenSpec(ContextSpec):
    """A context the worker cannot rebuild (pickled to it by reference to this module)."""

    def context(self) -> Any:
        raise RuntimeError("Nguyễn Thị Ánh Tuyết")  # a text that must not reach the log


def _killed_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ScanReadAhead._start

    def start_then_kill(self: ScanReadAhead, after: int) -> int | None:
        started = original(self, after)
        assert self._process is not None
        self._process.kill()
        return started

    monkeypatch.setattr(ScanReadAhead, "_start", start_then_kill)


def _fails_in_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ContextSpec.of

    def broken(cls: Any, context: Any) -> ContextSpec:
        spec = original(context)
        return _BrokenSpec(spec.overrides, spec.official, spec.schedules, spec.due_soon_hours,
                           spec.mismatch_hours)

    monkeypatch.setattr(ContextSpec, "of", classmethod(broken))


@pytest.mark.parametrize(("breaks", "says"), [
    (_killed_at_start, "it stopped, exit code"),
    (_fails_in_the_worker, "failed (RuntimeError)"),
])
def test_when_the_worker_stops_the_scan_goes_on_by_itself(
    worlds: tuple[str, str], received: list[int], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, breaks: Any, says: str,
) -> None:
    breaks(monkeypatch)
    ahead, alone = worlds
    with caplog.at_level(logging.WARNING, logger="app.scan.read_ahead"):
        counts = _scan(ahead, read_ahead_on=True)
    assert received == []  # every batch after the first five read and computed here
    assert counts == _scan(alone, read_ahead_on=False)
    assert counts["scanned"] == DOSSIERS
    assert _tables(ahead) == _tables(alone)
    assert says in caplog.text and "the scan goes on without it" in caplog.text
    assert "Nguyễn" not in caplog.text


def test_a_worker_that_cannot_start_is_done_without(
    worlds: tuple[str, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(cls: Any, context: Any) -> Any:
        raise OSError("no more processes")

    monkeypatch.setattr(ContextSpec, "of", classmethod(refuse))
    ahead, alone = worlds
    with caplog.at_level(logging.WARNING, logger="app.scan.read_ahead"):
        assert _scan(ahead, read_ahead_on=True) == _scan(alone, read_ahead_on=False)
    assert "did not start (OSError)" in caplog.text
    assert _tables(ahead) == _tables(alone)


def test_a_transaction_that_changed_a_row_scans_in_one_process(
    worlds: tuple[str, str], received: list[int]
) -> None:
    """The worker would not see the dossier added and not committed: the scan must."""
    ahead, _ = worlds
    engine = make_engine(ahead)
    session = make_session_factory(engine)()
    try:
        agency = session.scalars(select(Agency)).first()
        procedure = session.scalars(select(Procedure)).first()
        assert agency is not None and procedure is not None
        make_dossier(session, "RA-NEW", agency, procedure, MON)
        counts = run_scan(session, NOW, batch_size=BATCH, read_ahead=True)
        assert counts.scanned == DOSSIERS + 1 and received == []
        assert session.scalars(select(Dossier.classification).where(
            Dossier.code == "RA-NEW")).one() == "overdue"
    finally:
        session.close()
        engine.dispose()


def test_a_worker_that_does_not_pay_is_stopped(
    worlds: tuple[str, str], received: list[int], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As if every batch cost more than it saved: judged after two of the worker's batches."""
    monkeypatch.setattr(read_ahead, "PAYS_OFF", -1.0)
    monkeypatch.setattr(read_ahead, "JUDGED_AFTER", 1)
    ahead, alone = worlds
    with caplog.at_level(logging.INFO, logger="app.scan.read_ahead"):
        counts = _scan(ahead, read_ahead_on=True)
    assert received == [BATCH, BATCH]
    assert "it goes on by itself" in caplog.text
    assert counts == _scan(alone, read_ahead_on=False)
    assert _tables(ahead) == _tables(alone)
