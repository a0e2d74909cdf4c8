"""Running a connector: page by page, each page and its cursor committed together.

The cursor (``connector_state``) is written in the same transaction as the page's rows, so it
advances only with the data; a failure keeps every page committed before it, and the next run
resumes right after the last of them. Every run is recorded in ``ingest_run``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.ingest import repository as repo
from app.ingest import scope_repository
from app.ingest.clock_ahead import load_snapshot
from app.ingest.read_ahead import Prepared, ReadAhead
from app.ingest.service import IngestCounts, ingest_records
from app.ingest.statistics import refresh_after_page
from app.models import IngestRun
from connectors import Connector, ConnectorState, Page

NowFn = Callable[[], datetime]
PageCallback = Callable[[Page, IngestCounts], None]


@dataclass(slots=True)
class RunSummary:
    """What a run did; ``error`` is set when it failed (pages before it stay committed)."""

    run_id: int
    source: str
    status: str
    pages: int = 0
    counts: IngestCounts = field(default_factory=IngestCounts)
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def line(self) -> str:
        c = self.counts
        text = (
            f"{self.source}: {self.status} — {self.pages} page(s), stored {c.stored}, "
            f"updated {c.updated}, unchanged {c.unchanged}, quarantined {c.quarantined}"
        )
        return f"{text}; error: {self.error}" if self.error else text


def load_state(session: Session, name: str) -> ConnectorState:
    row = repo.get_connector_state(session, name)
    if row is None:
        return ConnectorState()
    return ConnectorState(cursor=row.cursor, updated_since=row.updated_since,
                          extra=dict(row.extra or {}))


def recent_runs(
    session: Session,
    source: str | None = None,
    limit: int = 50,
    agency_ids: Collection[int] | None = None,
) -> list[IngestRun]:
    """Newest first; limited to ``agency_ids``, only the webhook runs those agencies sent."""
    return scope_repository.list_runs(session, source, agency_ids, limit)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_pull(
    session_factory: sessionmaker[Session],
    connector: Connector,
    now_fn: NowFn,
    *,
    state_name: str | None = None,
    source: str | None = None,
    detail: str | None = None,
    forget_state_on_success: bool = False,
    on_page: PageCallback | None = None,
    extra: dict[str, Any] | None = None,
    read_ahead: bool = False,
) -> RunSummary:
    """Ingest every page ``connector`` yields from its stored state; commit per page.

    ``state_name`` (default: the connector's name) keys ``connector_state``; ``source`` (default:
    the connector's name) labels raw records and the run. ``forget_state_on_success`` drops the
    stored state after a complete run (file imports: only an interrupted import resumes).
    Connector and database errors end the run as ``failed`` with the error; they are not raised.
    The connector is closed in every case. ``read_ahead``: the connector's pages are read,
    hashed and parsed in a worker process (`app.ingest.read_ahead`; a file import on a
    machine with two cores or more).
    """
    name = state_name or connector.name
    source = source or connector.name
    with session_factory() as session:
        run = repo.add_run(session, IngestRun(
            source=source, detail=detail, started_at=now_fn(), status="running", stored=0,
            updated=0, unchanged=0, quarantined=0, pages=0, extra=extra,
        ))
        state = load_state(session, name)
        # what the worker computes new dossiers' clocks with; each page checks it still holds
        snapshot = load_snapshot(session) if read_ahead else None
        session.commit()
        summary = RunSummary(run_id=run.id, source=source, status="running")
    analysed: set[str] = set()  # tables whose planner statistics this run refreshed or tried
    worker = ReadAhead(connector, state, snapshot) if read_ahead else None
    try:
        pages = _pages(connector, state) if worker is None else worker.start()
        for page, prepared in pages:
            with session_factory() as session:
                now = now_fn()
                repo.commit_page_without_flush_wait(session)
                counts = ingest_records(session, source, page.records, now, prepared=prepared)
                after = page.state_after
                repo.save_connector_state(session, name, after.cursor, after.updated_since,
                                          dict(after.extra), now)
                summary.pages += 1
                summary.counts.add(counts)
                _write_progress(session, summary)
                session.commit()
            refresh_after_page(session_factory, analysed)
            if on_page is not None:
                on_page(page, counts)
        summary.status = "succeeded"
    except Exception as exc:
        summary.status, summary.error = "failed", _describe(exc)
    except BaseException as exc:  # Ctrl-C: record it, then let it stop the process
        summary.status, summary.error = "failed", _describe(exc) or "interrupted"
        _finish(session_factory, summary, name, now_fn, forget=False)
        raise
    finally:
        if worker is not None:
            worker.close()
        connector.close()
    _finish(session_factory, summary, name, now_fn,
            forget=forget_state_on_success and summary.succeeded)
    return summary


def _pages(connector: Connector, state: ConnectorState) -> Iterator[tuple[Page, Prepared | None]]:
    for page in connector.pages(state):
        yield page, None


def _write_progress(session: Session, summary: RunSummary) -> None:
    run = repo.get_run(session, summary.run_id)
    assert run is not None
    run.pages = summary.pages
    run.stored, run.updated = summary.counts.stored, summary.counts.updated
    run.unchanged, run.quarantined = summary.counts.unchanged, summary.counts.quarantined


def _finish(
    factory: sessionmaker[Session], summary: RunSummary, name: str, now_fn: NowFn, *, forget: bool
) -> None:
    with factory() as session:
        _write_progress(session, summary)
        run = repo.get_run(session, summary.run_id)
        assert run is not None
        run.status, run.error, run.finished_at = summary.status, summary.error, now_fn()
        if forget:
            repo.delete_connector_state(session, name)
        session.commit()
