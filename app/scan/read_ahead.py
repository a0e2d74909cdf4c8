"""A full scan on two cores (SQLite): a worker process reads the next batch of open dossiers
and works out their clocks and open steps while this process writes the current one.

A first full scan's Python work splits in two. Reading a batch, the deadline engine and the
step engine need the database only to read; the clock UPDATE, the rate rollup, the facts,
the messages and the drafts write. Here the first part runs in a worker process (spawned: it
shares no connection, lock or thread with this one), one batch ahead, and each batch arrives
with its results (`BatchAhead`); this process keeps the writes and everything that reads what
they wrote.

Why the worker reads what this process would read: SQLite has one writer at a time. The scan
takes the write lock before the worker starts (`repository.hold_write_lock`) and keeps it until
its transaction ends, so no other connection commits meanwhile, and the worker's one read
transaction, begun after, sees the database as the scan found it; and only a transaction that
has changed no row yet reads ahead (the worker sees committed rows only). The worker reads
open dossiers past the first batches, their progress records, procedures, agencies and
internal processes; the scan writes clock columns and flags of batches already handed to it,
step states, facts, messages, notices and the rate rollup, none of which the worker reads. The
worker's step engine sees each row before the scan moves its clock columns, the scan's own
after. They agree: of the columns a scan moves the step engine reads only the status, and only
to ask whether it is a finished one (a sender's made-up finish step), which an open dossier's
stored status never is; one whose records settle it as finished has a finish in its result,
and neither engine looks for its open step. PostgreSQL has no such lock
(other writers commit at any time, and a batch read ahead could be written back stale), so the
scan there reads each batch itself, as before; so does a SQLite database not in WAL mode, where
a reader would hold up the writer.

The worker is an optimisation only: if it cannot start, stops, fails, falls silent for
`SILENT_SECONDS`, or costs this process more than it saves (`PAYS_OFF`), the scan carries on in
this process from the batch after the last one it was given, and the stored result is the same.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from sqlalchemy.orm import Session

from app.core.gc_pause import cyclic_gc_paused
from app.core.pickling import pickle_by_constructor
from app.db.session import changed_rows_uncommitted, make_engine, make_session_factory
from app.deadlines import DeadlineResult, ProcessingTime
from app.deadlines.calendar import CalendarOverride
from app.deadlines.calendar.civil import CivilServiceCalendar
from app.deadlines.events import ClockEvent
from app.deadlines.hours import OfficeHoursSchedule
from app.deadlines.result import PauseSpan
from app.deadlines.step_types import StepSpan
from app.deadlines.store import repository as clock_repository
from app.deadlines.store.open_rows import OpenDossier
from app.deadlines.store.step_sync import load_step_context
from app.deadlines.store.steps import StepFlag, StepReading
from app.deadlines.store.sync import DeadlineContext, evaluate_stored, events_of
from app.scan import repository
from app.scan.repository import TransitionFact
from app.scan.steps import StepFindings, step_findings

log = logging.getLogger(__name__)

#: the first batches this process reads and computes itself while the worker starts (a
#: spawned interpreter importing the service: ~1.3 s on the bench's machine, about six
#: batches of the scan's own work); the worker begins after them
IN_PROCESS_BATCHES = 5
#: a full scan of at least this many batches reads ahead
MIN_BATCHES = 2 * IN_PROCESS_BATCHES
#: the scan stops reading ahead once what the worker's batches cost it here (waiting on the
#: pipe, unpickling) exceeds this many times what the worker spent computing them (reading,
#: both engines), judged from this many of its batches on. Measured (docs/scaling.md, round
#: 10): a first scan ~0.3; a scan with many steps 0.63-0.73, where reading ahead still won
#: (28.4 s against 39.4); a second full scan that writes little 1.03-1.13, slower reading ahead
PAYS_OFF = 0.9
JUDGED_AFTER = 3
#: a worker that sends nothing for this long is given up (the scan holds the write lock)
SILENT_SECONDS = 120.0

# thousands of each cross the pipe per batch (app.core.pickling)
pickle_by_constructor(OpenDossier, DeadlineResult, PauseSpan, ProcessingTime, StepReading,
                      StepFlag, ClockEvent, StepSpan, TransitionFact)


@dataclass(frozen=True, slots=True)
class BatchAhead:
    """A batch's clocks and open steps as the worker computed them, for its rows in order."""

    evaluated: list[tuple[DeadlineResult, StepReading]]
    steps: StepFindings | None  # None: a scan without steps


@dataclass(frozen=True, slots=True)
class ContextSpec:
    """What the worker rebuilds this scan's deadline context from (a calendar holds a lock,
    which does not pickle)."""

    overrides: tuple[CalendarOverride, ...]
    official: tuple[CalendarOverride, ...]
    schedules: dict[int | None, OfficeHoursSchedule]
    due_soon_hours: Decimal
    mismatch_hours: Decimal

    @classmethod
    def of(cls, context: DeadlineContext) -> ContextSpec:
        return cls(context.calendar.overrides, context.calendar.official,
                   dict(context.schedules), context.due_soon_hours, context.mismatch_hours)

    def context(self) -> DeadlineContext:
        return DeadlineContext(CivilServiceCalendar(self.overrides, official=self.official),
                               self.schedules, self.due_soon_hours, self.mismatch_hours)


def wanted(session: Session, count_open: Callable[[], int], batch_size: int,
           asked: bool | None) -> bool:
    """Whether a full scan reads ahead: asked to (True), or not told (None) and `MIN_BATCHES`
    batches of open dossiers or more; and only where another process reads the database as
    this session sees it: a SQLite file in WAL mode (not PostgreSQL, not a database in memory)
    whose transaction has changed nothing yet (the session flushed first)."""
    if asked is False:
        return False
    url = session.get_bind().engine.url
    database = url.database or ""
    if (url.get_backend_name() != "sqlite" or database in ("", ":memory:")
            or "mode=memory" in database or url.query.get("mode") == "memory"):
        return False
    session.flush()
    if changed_rows_uncommitted(session) or not repository.in_wal_mode(session):
        return False
    return asked is True or count_open() >= MIN_BATCHES * batch_size


def _work(url: str, spec: ContextSpec, now: datetime, batch_size: int, after: int,
          with_steps: bool, out: Connection) -> None:
    """The worker: each batch with what it computed, then "end"; or why it stopped."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine, writer=False)() as session, cyclic_gc_paused():
            context = spec.context()
            steps = load_step_context(session, context, None) if with_steps else None
            batches = clock_repository.open_dossier_rows(session, None, batch_size, after=after)
            while True:
                # wall time, not the scan's `now`: what computing a batch took here
                start = time.perf_counter()
                batch = next(batches, None)
                if batch is None:
                    break
                events = events_of(session, batch)
                evaluated = evaluate_stored(session, batch, events, context, now)
                findings = None if steps is None else step_findings(
                    batch, [result for result, _ in evaluated], events, now, steps)
                spent = time.perf_counter() - start
                out.send_bytes(pickle.dumps(
                    ("batch", batch, BatchAhead(evaluated, findings), spent),
                    pickle.HIGHEST_PROTOCOL))
                session.expunge_all()  # its events are not needed again
        out.send_bytes(pickle.dumps(("end",)))
    except BaseException as exc:  # told to the scan, which carries on by itself
        # its kind only: a database error's text may quote a row (an applicant's name)
        out.send_bytes(pickle.dumps(("failed", type(exc).__name__)))
    finally:
        engine.dispose()
        out.close()


class ScanReadAhead:
    """The worker of one full scan: iterate `batches`, and `close` it in every case (or use
    ``with``)."""

    def __init__(self, session: Session, context: DeadlineContext, now: datetime,
                 batch_size: int, *, with_steps: bool) -> None:
        self._session, self._batch_size = session, batch_size
        self._context, self._now, self._with_steps = context, now, with_steps
        self._process: BaseProcess | None = None
        self._pipe: Connection | None = None
        self._done = False  # the worker sent every batch after its start

    def __enter__(self) -> ScanReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def batches(self) -> Iterator[tuple[list[OpenDossier], BatchAhead | None]]:
        """The scan's batches in id order, each with its results computed ahead, or None for
        those this process reads and computes itself: the first `IN_PROCESS_BATCHES`, while
        the worker starts, and any after the worker stopped."""
        repository.hold_write_lock(self._session)
        position = IN_PROCESS_BATCHES * self._batch_size
        boundary = clock_repository.open_id_at(self._session, position)
        if boundary is not None:
            boundary = self._start(boundary)
        last_id = 0
        for rows in clock_repository.open_dossier_rows(self._session, None, self._batch_size):
            yield rows, None
            last_id = rows[-1].id
            if boundary is not None and last_id >= boundary:
                break
        if boundary is None:
            return
        for rows, ahead in self._from_worker():
            last_id = rows[-1].id
            yield rows, ahead
        if self._done:
            return
        for rows in clock_repository.open_dossier_rows(self._session, None, self._batch_size,
                                                       after=last_id):
            yield rows, None

    def _start(self, after: int) -> int | None:
        """Start the worker on the batches after `after`; `after`, or None if it cannot start
        (the scan then reads every batch itself)."""
        url = self._session.get_bind().engine.url.render_as_string(hide_password=False)
        process = multiprocessing.get_context("spawn")
        self._pipe, sending = process.Pipe(duplex=False)
        try:
            self._process = process.Process(
                target=_work, args=(url, ContextSpec.of(self._context), self._now,
                                    self._batch_size, after, self._with_steps, sending),
                name="tthc-scan-ahead", daemon=True)
            self._process.start()
        except Exception as exc:
            log.warning("the scan's read-ahead worker did not start (%s); the scan goes on "
                        "without it", type(exc).__name__)
            self.close()
            return None
        finally:
            sending.close()  # the worker's end: once it exits, reading here sees end-of-file
        return after

    def _from_worker(self) -> Iterator[tuple[list[OpenDossier], BatchAhead]]:
        """The worker's batches, until its "end" (`_done`), until it fails, or until it costs
        this process more than it saves (`PAYS_OFF`)."""
        assert self._pipe is not None and self._process is not None
        # wall time of this process, not the scan's `now`: what each batch cost here
        cost = computed = 0.0
        received = 0
        while True:
            before = time.perf_counter()
            try:
                if not self._pipe.poll(SILENT_SECONDS):
                    raise TimeoutError
                message = pickle.loads(self._pipe.recv_bytes())  # noqa: S301 - our worker's
            except (EOFError, TimeoutError) as stop:
                self._process.join(timeout=1 if isinstance(stop, EOFError) else 0)
                message = ("failed", f"it stopped, exit code {self._process.exitcode}"
                           if isinstance(stop, EOFError) else f"silent {SILENT_SECONDS:.0f} s")
            if message[0] == "end":
                self._done = True
                return
            if message[0] != "batch":
                log.warning("the scan's read-ahead worker failed (%s); the scan goes on "
                            "without it", message[1])
                self.close()
                return
            if received:  # the first batch's wait is the worker's start-up, not its pace
                cost += time.perf_counter() - before
                computed += message[3]
            yield message[1], message[2]
            received += 1
            if received > JUDGED_AFTER and cost > PAYS_OFF * computed:
                log.info("reading ahead cost the scan %.2f s for %.2f s of the worker's work "
                         "(a scan that writes little); it goes on by itself", cost, computed)
                self.close()
                return

    def close(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            if self._process.pid is not None:  # started
                self._process.join(timeout=10)
            self._process = None
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
