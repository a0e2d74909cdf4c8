"""Group commit for push deliveries: concurrent requests of one server process share one
transaction, and their records one set-based ingest.

A one-door system sends one record per request, and a one-record ingest pays ~20 statements, a
commit and their Python for that one record: about five times the cost per record of a page of
eight (docs/scaling.md, the receiver). Requests of one process that arrive while a group is
being written wait for the next group; one writer at a time takes everything pending (up to
`MAX_GROUP`) and applies it in one transaction: each delivery's refusals first (session,
envelope: nothing written), then every accepted delivery's records through
`ingest_deliveries`, then each delivery's own row of the minute, sender and replay ledger, then
one commit. Each request then gets ITS OWN outcome, after the commit, exactly as alone: its
counts and refusals, its run id, or its refusal (401, 400, 409...). Nothing is acknowledged
before it is committed.

A group that fails as a whole (a database error, a replayed webhook copy whose writes could not
be taken back alone) is rolled back and its deliveries are applied one by one, each in its own
transaction by the one-delivery path (`run_plan`): one bad delivery cannot fail the others, and
each gets the answer it would have had alone. A group of one takes that path directly.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from app.core.clock import utcnow
from app.core.errors import AppError
from app.deadlines.store import context_cache
from app.ingest import accept_group
from app.ingest.group_prepare import Prepare, prepare_plans
from app.ingest.service import Delivered, IngestCounts, ingest_deliveries
from app.ingest.webhook import complete, run_plan

if TYPE_CHECKING:
    from app.ingest.queue_processor import QueueProcessor

log = logging.getLogger(__name__)

#: Deliveries applied together at most: enough to share the statements, few enough that a
#: group's transaction (and the rate-rollup row locks it holds) stays short.
MAX_GROUP: Final = 16
#: The transaction-level advisory lock that orders the groups of every process on PostgreSQL.
GROUP_LOCK: Final = 0x7474_6863_7075_7368  # "tthcpush"
#: ... and the deadline context's version (app/deadlines/store/context_cache.py), in one statement
GROUP_LOCK_SQL: Final = ("SELECT pg_advisory_xact_lock(:key), "
                         "(SELECT version FROM reference_version WHERE id = 1)")
#: How long a writer waits for a group to gather (see `GroupWriter._gather`).
GATHER_SECONDS: Final = 0.01

Reply = dict[str, Any]
Outcome = Reply | BaseException
Scope = Callable[[], AbstractContextManager[Session]]
T = TypeVar("T")
#: a group's prepares and /dvcqg session tokens -> each delivery's outcome, in order
Apply = Callable[[Sequence[Prepare], Sequence[str]], Sequence[T | BaseException]]


@dataclass(frozen=True, slots=True)
class _Waiting:
    prepare: Prepare
    reply: asyncio.Future[Any]
    session_token: str = ""


def alone(scope: Scope, prepare: Prepare) -> Outcome:
    """One delivery in its own transaction: the path of a group of one, and the fallback."""
    now = utcnow()
    try:
        with scope() as session:
            return run_plan(session, prepare(session, now), now)
    except Exception as exc:  # the request raises it: its handlers answer
        return exc


def apply_group(
    scope: Scope, prepares: Sequence[Prepare], session_tokens: Sequence[str] = ()
) -> list[Outcome]:
    """Each delivery's outcome, the group applied in one transaction, or one by one if that
    failed. ``session_tokens``: the /dvcqg sessions the deliveries name, if known beforehand
    ("" for none), looked up in one query for the whole group."""
    if len(prepares) == 1:
        return [alone(scope, prepares[0])]
    try:
        with scope() as session:
            return _together(session, prepares, utcnow(), session_tokens)
    except Exception as exc:
        level = logging.INFO if isinstance(exc, AppError) else logging.WARNING
        log.log(level, "a group of deliveries failed as a whole; applying them one by one",
                extra={"error_type": type(exc).__name__, "deliveries": len(prepares)})
        return [alone(scope, prepare) for prepare in prepares]


def _together(
    session: Session, prepares: Sequence[Prepare], now: datetime, tokens: Sequence[str] = ()
) -> list[Outcome]:
    outcomes: dict[int, Outcome] = {}
    plans = prepare_plans(session, prepares, tokens, now, outcomes, lookups=True)
    if plans:
        _one_group_at_a_time(session)
        counts: list[IngestCounts] = []
        for run in _one_step_per_dossier([plan.delivered for plan in plans.values()]):
            counts += _ingest_run(session, run, now)
        # a replayed copy raises: the whole group is applied one by one
        replies = complete(session, list(plans.values()), counts, now)
        outcomes.update(zip(plans, replies, strict=True))
    return [outcomes[index] for index in range(len(prepares))]


def _one_step_per_dossier(deliveries: Sequence[Delivered]) -> list[list[Delivered]]:
    """The deliveries in order, cut into runs that name each dossier once: a set-based page
    applies all its snapshots before all its steps, so a dossier sent twice in one run would
    skip the states in between (replies, step-reading anomalies, the due kept while paused)
    that it passes through when its deliveries arrive one by one. A record without a dossier
    code shares its run with nothing."""
    runs: list[list[Delivered]] = []
    named: set[str] | None = None  # the current run's dossiers; None: it takes no more
    for delivered in deliveries:
        codes = {str(record.payload.get("MaHoSo") or "") for record in delivered.records}
        coded = "" not in codes
        if named is None or not coded or not named.isdisjoint(codes):
            runs.append([])
            named = set()
        runs[-1].append(delivered)
        named = named | codes if coded else None
    return runs


def _ingest_run(session: Session, run: list[Delivered], now: datetime) -> list[IngestCounts]:
    """Without the savepoint the one-delivery path retries a lost insert race in
    (`ingest_merging_concurrent`): two round trips per group for a race the groups' advisory
    lock leaves to concurrent file imports and pulls; when one happens the group fails as a
    whole and its deliveries are applied one by one, each with that retry."""
    return ingest_deliveries(session, run, now)


def _one_group_at_a_time(session: Session) -> None:
    """On PostgreSQL, wait for the group another server process (or replica) is writing. Two
    groups naming dossiers of one agency and month both update its rate-rollup rows, so the
    second waits on the first's row locks anyway, but in the middle of its transaction,
    holding its own: measured with two workers, half the writers' time went to such waits
    (`Lock/transactionid` on the dossier INSERT). Waiting before the first write costs
    nothing held; meanwhile the next group gathers."""
    if session.get_bind().dialect.name == "postgresql":
        # the deadline context's version rides along: while the calendar and office hours are
        # unchanged the group reads neither (app/deadlines/store/context_cache.py)
        row = session.execute(text(GROUP_LOCK_SQL), {"key": GROUP_LOCK}).one()
        context_cache.note(session, row[1])


class GroupWriter(Generic[T]):
    """One per server process: hands what concurrent requests deliver to one writer, which
    applies them in groups (`apply`: by default `apply_group` in ``scope``; the push queue's
    accepts use `accept_group.accept_many`) and gives each request its own outcome."""

    def __init__(self, scope: Scope, max_group: int = MAX_GROUP,
                 before: Callable[[], None] | None = None, *,
                 apply: Apply[T] | None = None, gather_seconds: float = GATHER_SECONDS) -> None:
        self.apply: Apply[Any] = apply if apply is not None else partial(apply_group, scope)
        self.max_group = max_group
        self.gather_seconds = gather_seconds
        #: run before each group (in the thread pool): the queued deliveries ahead of it
        self.before = before
        self.waiting: list[_Waiting] = []
        self.writer: asyncio.Task[None] | None = None
        #: the last group's size, and how many deliveries arrived while it was written
        self.answered = self.waited = 0

    async def deliver(self, prepare: Prepare, session_token: str = "") -> T:
        """The delivery's outcome once its group is committed; raises its refusal.
        ``session_token``: the /dvcqg session it names, if any (looked up with the group's)."""
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.append(_Waiting(prepare, reply, session_token))
        if self.writer is None:
            # a fresh context: the writer outlives this request and writes later groups, whose
            # logs must not carry this request's id (request_id_var)
            self.writer = asyncio.create_task(self._write(), context=contextvars.Context())
        outcome: T = await reply
        return outcome

    async def _gather(self) -> None:
        """Let the requests already read join the group, and wait a moment (`gather_seconds`
        at most) for the senders the last group answered: they send their next delivery
        meanwhile. Expected are those plus the ones that waited while it was written: the
        senders active lately. Without the wait, eight senders settle into groups of 3 and 5
        (what arrived while the other group was written); waiting only for as many as the
        last groups held, they settle into two alternating groups of 4, each paying a
        group's statements (measured: ~35 % more server CPU per delivery than groups of 8,
        docs/scaling.md, the receiver)."""
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        until = loop.time() + self.gather_seconds
        expected = min(self.max_group, max(1, self.answered + self.waited))
        while len(self.waiting) < expected and loop.time() < until:
            await asyncio.sleep(self.gather_seconds / 10)

    async def _write(self) -> None:
        try:
            while True:
                await self._gather()
                if not self.waiting:
                    break
                group = self.waiting[: self.max_group]
                del self.waiting[: self.max_group]
                try:
                    if self.before is not None:
                        await run_in_threadpool(self.before)
                    outcomes = await run_in_threadpool(
                        self.apply, [w.prepare for w in group], [w.session_token for w in group])
                except BaseException as exc:  # cancelled, or a bug: no request waits forever
                    _settle(group, [exc] * len(group))
                    raise
                self.answered, self.waited = len(group), len(self.waiting)
                _settle(group, outcomes)
        finally:
            # here, not in a done-callback: a request arriving before the callback ran would
            # find a writer that no longer writes, and wait forever
            self.writer = None


def _settle(group: Sequence[_Waiting], outcomes: Sequence[Any]) -> None:
    for waiting, outcome in zip(group, outcomes, strict=True):
        if waiting.reply.done():  # the client went away
            continue
        if isinstance(outcome, BaseException):
            waiting.reply.set_exception(outcome)
        else:
            waiting.reply.set_result(outcome)


async def deliver(request: Request, prepare: Prepare, session_token: str = "") -> Reply:
    """A push route's delivery: accepted and queued when it can be (PostgreSQL,
    app/ingest/push_queue.py), else through its process's group writer; ``session_token``:
    the /dvcqg session it names, if any."""
    queue: QueueProcessor | None = getattr(request.app.state, "push_queue", None)
    if queue is not None:
        accepting: GroupWriter[Reply | None] | None = getattr(request.app.state, "accepting",
                                                               None)
        if accepting is None:
            accepting = request.app.state.accepting = GroupWriter(
                queue.scope, accept_group.MAX_GROUP, apply=partial(accept_group.accept_many, queue),
                gather_seconds=accept_group.GATHER_SECONDS)
        reply = await accepting.deliver(prepare, session_token)
        if reply is not None:
            return reply
    writer: GroupWriter[Reply] | None = getattr(request.app.state, "group_writer", None)
    if writer is None:
        writer = GroupWriter(request.app.state.write_scope,
                             request.app.state.settings.push_group_max,
                             queue.drain_ahead if queue is not None else None)
        request.app.state.group_writer = writer
    return await writer.deliver(prepare, session_token)
