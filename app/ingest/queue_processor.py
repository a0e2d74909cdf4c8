"""The push queue's processor: one per server process (app/ingest/push_queue.py).

A thread, started with the application (its lifespan) or by the first delivery queued, that
processes the queue whenever a delivery of this process was queued (an in-process event) and
every `push_queue_poll_seconds` otherwise: deliveries queued by other processes or replicas,
or left by a process that stopped before processing them. Its batches take the groups'
advisory lock, so however many processes run one of them writes dossiers at a time; a
process's requests never wait for it. On shutdown it processes what is queued, for
`STOP_SECONDS` at most: what is left is taken by the next start (or another process).

It also serves the requests: `accept` (in the thread pool) and, before an inline group,
`drain_ahead`, which processes the queue rows committed before the group.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Final

from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.ingest import push_queue
from app.ingest.webhook import Plan

log = logging.getLogger(__name__)
STOP_SECONDS: Final = 20.0
#: How long a woken processor waits for more deliveries before it drains (see `_run`): the
#: bench's 8 senders, 2 workers, at load 3–6, ratio (mean of 2–4 runs) 3.0 at 0.05 s, 2.6 at
#: 0.2, 2.5 at 0.5 and 1.0 (docs/scaling.md, round 7): fewer, larger batches leave more of
#: the cores to the accepting requests (a batch costs ~17 ms of Python besides its records'
#: work, measured in round 11). 0.4 s since round 11, whose pause detection (`QUIET_SECONDS`)
#: processes at once what a pause of the senders leaves: 813–833 against 789–810 deliveries/s
#: at 0.2, with ~5 % less server CPU per delivery (three alternated pairs).
GATHER_SECONDS: Final = 0.4
#: ... unless no delivery was queued by this process for this long (see `_gather`)
QUIET_SECONDS: Final = 0.05
Reply = dict[str, Any]
Prepare = Callable[[Session, Any], Plan | Reply]


class QueueProcessor:
    def __init__(self, scope: Callable[[], AbstractContextManager[Session]],
                 poll_seconds: float = 1.0, batch: int = push_queue.BATCH,
                 gather_seconds: float = GATHER_SECONDS) -> None:
        self.scope = scope
        self.poll_seconds = poll_seconds
        self.gather_seconds = gather_seconds
        self.batch = batch
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        #: batches processed by this process, and the deliveries in them
        self.batches = self.processed = 0

    # -- requests --------------------------------------------------------------------------

    def accept(self, prepare: Prepare) -> Reply | None:
        """A push delivery stored and queued, answered; None when it takes the inline path
        (a lookup, a refused record, a step of an unknown dossier: nothing kept). Raises the
        delivery's refusal as the inline path would."""
        now = utcnow()
        with self.scope() as session:
            planned = prepare(session, now)
            reply = push_queue.accept(session, planned, now) if isinstance(planned, Plan) else None
            if reply is None:
                session.rollback()  # a session's last use, noted by `prepare`, is the group's
        if reply is not None:
            self.wake()
        return reply

    def drain_ahead(self) -> None:
        """Process the deliveries queued before now (an inline group's, or a lookup's, turn):
        a sender's later delivery, or its TraCuuHoSo, sees its earlier ones applied."""
        newest = push_queue.newest_id(self.scope)
        if newest is not None:
            sizes: list[int] = []
            push_queue.drain(self.scope, newest, self.batch, sizes)
            self._count(sizes)

    # -- the thread ------------------------------------------------------------------------

    def start(self) -> None:
        with self._starting:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._run, name="push-queue",
                                                daemon=True)
                self._thread.start()

    def wake(self) -> None:
        self.start()
        self._wake.set()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Process what is queued (``timeout`` seconds at most), then end the thread."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("the push queue was not empty at shutdown; the next start takes "
                            "the rest")

    def _run(self) -> None:
        while True:
            woken = self._wake.wait(self.poll_seconds)
            # read before the drain: a stop asked during it gets one more, whole drain
            last = self._stopping.is_set()
            quiet = woken and not last and self._gather()
            self._wake.clear()
            try:
                sizes: list[int] = []
                # the poll looks before it drains: an idle process takes no lock
                if woken or push_queue.newest_id(self.scope) is not None:
                    self._drain(sizes, gather=0.0 if last or quiet else self.gather_seconds)
                self._count(sizes)
            except Exception as exc:  # the database away: the rows wait for the next turn
                log.error("processing the push queue failed; retrying",
                          extra={"error_type": type(exc).__name__})
                self._stopping.wait(self.poll_seconds)
            if last:
                return

    def _gather(self) -> bool:
        """Let the batch gather (every batch pays ~15 statements, and the senders whose
        deliveries were just answered send their next ones meanwhile) for `gather_seconds`,
        or until this process queued nothing for `QUIET_SECONDS`: True then. The senders
        have paused (the end of a burst, a quiet hour): what they sent is processed at once
        rather than after the whole gathering time."""
        until = time.monotonic() + self.gather_seconds
        while not self._stopping.is_set():
            left = until - time.monotonic()
            if left <= 0:
                return False
            self._wake.clear()
            if not self._wake.wait(min(left, QUIET_SECONDS)):
                return left > QUIET_SECONDS
        return False

    def _drain(self, sizes: list[int], gather: float) -> None:
        """Drain, letting the first batch gather from its OLDEST delivery's acceptance: with
        two server processes, the other's processor may just have taken what was queued, and
        what arrived since would otherwise make a small batch (measured on the receiver bench
        with two workers: mean batches of ~30, each ~25 ms of fixed CPU)."""
        try:
            push_queue.drain(self.scope, batch=self.batch, sizes=sizes, gather=gather)
        except push_queue.Gathering as more:
            self._stopping.wait(more.seconds)
            push_queue.drain(self.scope, batch=self.batch, sizes=sizes)

    def _count(self, sizes: list[int]) -> None:
        with self._starting:
            self.batches += len(sizes)
            self.processed += sum(sizes)
