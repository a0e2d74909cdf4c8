"""File imports on two cores: a worker process reads, hashes and parses the next pages while
this process writes the current one.

An import's Python work splits in two. Reading the file, the canonical JSON and SHA-256 of
every payload and parsing it into a typed record need no database; the look-ups, the upsert
rules, the deadline engine and the writes do. In one process the first part alone took 2.3×
the time of the COPY baseline (docs/scaling.md); here it runs in a worker process (spawned, so
it shares no connection, lock or thread with this one) one page ahead: it prepares the next
page while this process writes the current one, then waits, its message in the pipe, until
this process asks for it. Each page arrives with its `Prepared` results; given the run's
`ClockSnapshot`, these include the `now`-free part of the clock of every record that may be a
new dossier alone in its page (`app.ingest.clock_ahead`), which the writer uses only where it
still holds. A thread cannot do this: the GIL lets one of them run at a time (tried and
measured in round 1).

Nothing is lost on failure: the worker sends an error it meets (an unreadable file, a broken
row the connector refuses) in the page stream, and the pages `ReadAhead.start` yields raise
it here at that point, after the pages before it, so `run_pull` records the run as failed
with the reason and the next run resumes after the last committed page; a worker that dies
without a word (killed, out of memory) raises `ReadAheadFailed` with its exit code. A record
the parser refuses is no error: its `Failure` travels with the page and is quarantined as
always.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection

from app.core.pickling import pickle_by_constructor
from app.deadlines.calendar import CalendarOverride
from app.deadlines.calendar.civil import CivilServiceCalendar
from app.deadlines.events import ClockEvent
from app.deadlines.store.ahead import ClockAhead
from app.deadlines.store.steps import StepFlag, StepReading
from app.ingest.clock_ahead import ClockSnapshot, page_clocks
from app.ingest.hashing import canonical_json, content_hash
from app.ingest.intake import Failure, Parsed, parse_one
from connectors import (
    Connector,
    ConnectorState,
    DataFlag,
    DossierRecord,
    IdNumber,
    Page,
    ProgressRecord,
    SourceRecord,
    SupplementRecord,
)


class ReadAheadFailed(RuntimeError):
    """The worker process stopped without sending its pages or an error."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A page's records as the database-free steps leave them, in the page's order."""

    texts: list[str]  # canonical JSON of each payload (what raw_record stores)
    hashes: list[str]  # its SHA-256 (the raw record's key)
    parsed: list[Parsed]  # the typed record, or the reason it is refused
    #: the `now`-free part of the clock of each record that may be a new dossier alone in its
    #: page (`app.ingest.clock_ahead`), computed with these calendar overrides
    clocks: list[ClockAhead | None] | None = None
    overrides: tuple[CalendarOverride, ...] = ()


# rebuilt by their constructors on this side of the pipe (app.core.pickling)
pickle_by_constructor(SourceRecord, Page, ConnectorState, DossierRecord, ProgressRecord,
                      DataFlag, IdNumber, SupplementRecord, Failure, StepReading, StepFlag,
                      ClockEvent)


def prepare(
    records: Sequence[SourceRecord], snapshot: ClockSnapshot | None = None,
    calendar: CivilServiceCalendar | None = None,
) -> Prepared:
    """The page's texts, hashes and parsed records; with ``snapshot`` (and its ``calendar``),
    the `now`-free clocks of its possible new dossiers, every instant up to this moment known."""
    texts = [canonical_json(record.payload) for record in records]
    parsed = [parse_one(record) for record in records]
    if snapshot is None or calendar is None:
        return Prepared(texts, [content_hash(text) for text in texts], parsed)
    hashes = [content_hash(text) for text in texts]
    try:
        clocks = page_clocks(parsed, snapshot, calendar, datetime.now(UTC))
    except Exception:
        # only an optimisation: the writer computes these clocks itself, and meets whatever
        # this was where it meets it today (or never, for a dossier that turns out stored);
        # the worker must not fail a run the writer would not fail
        return Prepared(texts, hashes, parsed)
    return Prepared(texts, hashes, parsed, clocks, snapshot.overrides)


def _work(
    connector: Connector, state: ConnectorState, out: Connection, snapshot: ClockSnapshot | None,
) -> None:
    """The worker: every page with its preparation, then "end"; or the error that stopped it.
    Each message is pickled here, so a value that cannot be pickled is an error sent back.
    ``send_bytes`` writes straight into the pipe (no feeder thread, as a Queue has): what it
    sent survives an abrupt end of this process; what it had not sent was never committed."""
    # As in the writer (`app.ingest.cli`): a page's thousands of live records made the
    # collector walk everything alive every few hundred allocations, for nothing to free.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        calendar = None if snapshot is None else CivilServiceCalendar(snapshot.overrides)
        for page in connector.pages(state):
            out.send_bytes(pickle.dumps(("page", page, prepare(page.records, snapshot, calendar)),
                                        pickle.HIGHEST_PROTOCOL))
        out.send_bytes(pickle.dumps(("end",)))
    except BaseException as exc:  # sent to the parent, which raises it
        try:
            data = pickle.dumps(("error", exc))
            pickle.loads(data)  # noqa: S301 - our own bytes; an exception may not round-trip
        except Exception:
            data = pickle.dumps(("failed", f"{type(exc).__name__}: {exc}"))
        out.send_bytes(data)
    finally:
        connector.close()
        out.close()


class ReadAhead:
    """The worker of one run: `start` it, and `close` it in every case (or use ``with``)."""

    def __init__(
        self, connector: Connector, state: ConnectorState, snapshot: ClockSnapshot | None = None
    ) -> None:
        """``snapshot``: what the worker computes new dossiers' clocks with (None: it does not)."""
        context = multiprocessing.get_context("spawn")
        self._pipe, sending = context.Pipe(duplex=False)
        self._process = context.Process(target=_work, args=(connector, state, sending, snapshot),
                                        name="tthc-read-ahead", daemon=True)
        self._sending = sending

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Iterator[tuple[Page, Prepared]]:
        """Start the worker now; its pages, in order, with their preparation."""
        self._process.start()
        self._sending.close()  # the worker's end: once it exits, reading here sees end-of-file
        return self._pages()

    def _pages(self) -> Iterator[tuple[Page, Prepared]]:
        while True:
            message = pickle.loads(self._next())  # noqa: S301 - our worker's bytes only
            if message[0] == "end":
                return
            if message[0] == "page":
                yield message[1], message[2]
            elif message[0] == "error":
                raise message[1]
            else:
                raise ReadAheadFailed(f"the page reader failed: {message[1]}")

    def _next(self) -> bytes:
        try:
            return self._pipe.recv_bytes()
        except EOFError:
            self._process.join(timeout=10)
            raise ReadAheadFailed(
                f"the page reader process stopped (exit code {self._process.exitcode}) "
                "without finishing the file; pages committed so far are kept and the next "
                "run resumes after them"
            ) from None

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        if self._process.pid is not None:
            self._process.join(timeout=10)
        self._pipe.close()
        self._sending.close()
