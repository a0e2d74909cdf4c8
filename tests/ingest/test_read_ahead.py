"""File imports through the read-ahead worker process (app/ingest/read_ahead.py): the same
database as in one process, and whatever stops the worker ends the run as failed with a clear
reason, keeping every page committed before it (the next run resumes after them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import select

from app.db.session import make_engine, make_session_factory
from app.ingest.read_ahead import ReadAhead, prepare
from app.ingest.runs import RunSummary, run_pull
from app.models import ConnectorState as StateRow
from app.models import Dossier, DossierEvent, QuarantineEntry, RawRecord
from connectors import ConnectorState, Page, SourceRecord
from connectors.errors import SpreadsheetError
from tests.conftest import DatabaseFactory
from tests.ingest.payloads import dossier, stamp, step

NOW = datetime(2025, 9, 15, 3, 0, tzinfo=UTC)
PER_PAGE = 4


def _payload(n: int) -> dict[str, Any]:
    code = f"H21.65-250908-{n:04d}"
    if n % 5 == 0:  # refused by the parser: a receipt instant that is no date
        return dossier(code, NgayTiepNhan="32/13/2025")
    return dossier(code, steps=[step(code, stamp(8, 8, 30), 2, "Tiếp nhận"),
                                step(code, stamp(9, 9), 4, "Thụ lý")])


class Unrepeatable(Exception):
    """An exception whose constructor needs two arguments: it pickles, yet does not unpickle."""

    def __init__(self, what: str, where: int) -> None:
        super().__init__(f"{what} at row {where}")


class PagedConnector:
    """``pages`` pages of portal dossiers, then whatever ``ending`` says (module level: the
    spawned worker unpickles it)."""

    name: ClassVar[str] = "paged"

    def __init__(self, pages: int, ending: str = "end") -> None:
        self.pages_count, self.ending = pages, ending

    def pages(self, state: ConnectorState) -> Iterator[Page]:
        start = int(state.cursor or 0)
        for number in range(start + 1, self.pages_count + 1):
            rows = range((number - 1) * PER_PAGE + 1, number * PER_PAGE + 1)
            yield Page([SourceRecord("dossier", _payload(n), f"row {n}", None) for n in rows],
                       ConnectorState(cursor=str(number)), number)
        if self.ending == "raise":
            raise SpreadsheetError(f"row {self.pages_count * PER_PAGE + 1}: a row cut short")
        if self.ending == "die":
            os._exit(3)  # as the kernel's OOM killer would leave it: no word sent
        if self.ending == "unrepeatable":
            raise Unrepeatable("a broken cell", self.pages_count * PER_PAGE + 1)

    def close(self) -> None:
        pass


def _import(url: str, connector: PagedConnector, *, read_ahead: bool) -> RunSummary:
    engine = make_engine(url)
    try:
        return run_pull(make_session_factory(engine), connector, lambda: NOW, state_name="t",
                        read_ahead=read_ahead)
    finally:
        engine.dispose()


def _stored(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return {
                "dossiers": sorted(session.execute(select(
                    Dossier.code, Dossier.status, Dossier.received_at, Dossier.due_at,
                    Dossier.classification)).all()),
                "steps": sorted(session.execute(select(DossierEvent.dedup_hash)).scalars()),
                "raw": sorted(session.execute(select(
                    RawRecord.content_hash, RawRecord.payload, RawRecord.times_received)).all()),
                "quarantine": sorted(session.execute(select(
                    QuarantineEntry.dossier_code, QuarantineEntry.field,
                    QuarantineEntry.reason)).all()),
                "cursor": session.scalars(select(StateRow.cursor)).all(),
            }
    finally:
        engine.dispose()


def test_the_worker_stores_what_one_process_stores(
    backend: str, database_factory: DatabaseFactory
) -> None:
    alone, helped = database_factory.create(backend), database_factory.create(backend)
    assert _import(alone, PagedConnector(5), read_ahead=False).succeeded
    summary = _import(helped, PagedConnector(5), read_ahead=True)
    assert summary.succeeded and summary.pages == 5
    assert (summary.counts.stored, summary.counts.quarantined) == (16, 4)
    stored = _stored(helped)
    assert stored == _stored(alone)
    # the parser's refusals crossed from the worker and were quarantined with their reason
    assert [(code, field) for code, field, _ in stored["quarantine"]] == [
        (f"H21.65-250908-{n:04d}", "NgayTiepNhan") for n in (5, 10, 15, 20)]


def test_a_connector_error_in_the_worker_fails_the_run_after_the_committed_pages(
    backend: str, fresh_database_url: str
) -> None:
    summary = _import(fresh_database_url, PagedConnector(2, "raise"), read_ahead=True)
    assert not summary.succeeded and summary.pages == 2
    assert summary.error == "SpreadsheetError: row 9: a row cut short"
    stored = _stored(fresh_database_url)
    assert len(stored["dossiers"]) + len(stored["quarantine"]) == 2 * PER_PAGE
    assert stored["cursor"] == ["2"]  # the next run resumes after the committed pages
    again = _import(fresh_database_url, PagedConnector(3), read_ahead=True)
    assert again.succeeded and again.pages == 1


def test_a_worker_that_dies_fails_the_run_with_its_exit_code(fresh_database_url: str) -> None:
    summary = _import(fresh_database_url, PagedConnector(2, "die"), read_ahead=True)
    assert not summary.succeeded and summary.pages == 2
    assert summary.error is not None
    assert summary.error.startswith("ReadAheadFailed: the page reader process stopped "
                                    "(exit code 3) without finishing the file")
    assert _stored(fresh_database_url)["cursor"] == ["2"]


def test_an_error_that_cannot_cross_processes_arrives_as_its_text(
    fresh_database_url: str
) -> None:
    summary = _import(fresh_database_url, PagedConnector(1, "unrepeatable"), read_ahead=True)
    assert not summary.succeeded and summary.pages == 1
    assert summary.error == ("ReadAheadFailed: the page reader failed: "
                             "Unrepeatable: a broken cell at row 5")


def test_prepared_pages_cross_unchanged() -> None:
    """What the worker sends equals what this process would compute (records, hashes,
    parses), so the database cannot tell the two paths apart."""
    with ReadAhead(PagedConnector(2), ConnectorState()) as worker:
        crossed = list(worker.start())
    direct = list(PagedConnector(2).pages(ConnectorState()))
    assert [page for page, _ in crossed] == direct
    assert [prepared for _, prepared in crossed] == [prepare(p.records) for p in direct]
