"""Accepting push deliveries together: the requests a server process has read while it was
accepting others share one thread hop, one connection and one transaction.

A one-door system sends one record per request. Accepted alone (app/ingest/push_queue.py),
each delivery paid its own hop to the thread pool, pool check-out, BEGIN, session look-up and
COMMIT around its one accept statement: measured on the receiver bench, that was about as much
of the server's CPU as the statement's own work (docs/scaling.md, the receiver, round 8). Here
one writer per process takes every delivery waiting (without waiting for more: a lone
delivery is accepted at once, as before; groups form only when requests arrive faster than
they are accepted) and, in one transaction: looks up the /dvcqg sessions the group names in one
query, prepares each delivery (its refusals as alone), locks the rows of the minute and senders
the group will update in id order (the processor's order: the two never wait on each other in
a cycle), then runs each delivery's accept statement, in the order the requests arrived, and
commits. Each request then gets its own reply.

A group that fails as a whole (a replayed signed copy, whose writes must be taken back; a
database error) is rolled back and each of its deliveries accepted alone, exactly as without
the group: one bad delivery cannot fail the others, each gets the answer it would have had.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.core.clock import utcnow
from app.core.errors import AppError
from app.ingest import push_queue
from app.ingest import queue_repository as repo
from app.ingest.receptions import minute_key
from app.ingest.webhook import Plan
from app.senders import service as senders

if TYPE_CHECKING:
    from app.ingest.group_commit import Prepare
    from app.ingest.queue_processor import QueueProcessor

log = logging.getLogger(__name__)

#: Deliveries accepted in one transaction at most: the rows of the minute it locks are held
#: until its commit, a few milliseconds per delivery.
MAX_GROUP: Final = 32
Reply = dict[str, Any]
#: a reply; None: the delivery takes the inline path; an exception: its refusal
Outcome = Reply | None | BaseException


@dataclass(frozen=True, slots=True)
class _Waiting:
    prepare: Prepare
    outcome: asyncio.Future[Reply | None]
    session_token: str


class AcceptGroup:
    """One per server process: the accepts of concurrent requests, taken together."""

    def __init__(self, queue: QueueProcessor, max_group: int = MAX_GROUP) -> None:
        self.queue = queue
        self.max_group = max_group
        self.waiting: list[_Waiting] = []
        self.writer: asyncio.Task[None] | None = None

    async def accept(self, prepare: Prepare, session_token: str = "") -> Reply | None:
        """The delivery's reply once accepted and committed; None when it takes the inline
        path; raises its refusal."""
        outcome: asyncio.Future[Reply | None] = asyncio.get_running_loop().create_future()
        self.waiting.append(_Waiting(prepare, outcome, session_token))
        if self.writer is None:
            # a fresh context: the writer outlives this request (its logs must not carry
            # this request's id)
            self.writer = asyncio.create_task(self._write(), context=contextvars.Context())
        return await outcome

    async def _write(self) -> None:
        try:
            while self.waiting:
                group = self.waiting[: self.max_group]
                del self.waiting[: self.max_group]
                try:
                    outcomes = await run_in_threadpool(
                        accept_many, self.queue, [w.prepare for w in group],
                        [w.session_token for w in group])
                except BaseException as exc:  # cancelled, or a bug: no request waits forever
                    _settle(group, [exc] * len(group))
                    raise
                _settle(group, outcomes)
        finally:
            self.writer = None


def _settle(group: Sequence[_Waiting], outcomes: Sequence[Outcome]) -> None:
    for waiting, outcome in zip(group, outcomes, strict=True):
        if waiting.outcome.done():  # the client went away
            continue
        if isinstance(outcome, BaseException):
            waiting.outcome.set_exception(outcome)
        else:
            waiting.outcome.set_result(outcome)


def _alone(queue: QueueProcessor, prepare: Prepare) -> Outcome:
    try:
        return queue.accept(prepare)
    except Exception as exc:  # the request raises it: its handlers answer
        return exc


def accept_many(queue: QueueProcessor, prepares: Sequence[Prepare],
                session_tokens: Sequence[str]) -> list[Outcome]:
    """Each delivery's outcome: accepted together in one transaction, or each alone if the
    group failed as a whole (a lone delivery takes that path directly)."""
    if len(prepares) == 1:
        return [_alone(queue, prepares[0])]
    try:
        with queue.scope() as session:
            outcomes = _together(session, prepares, session_tokens, utcnow())
    except Exception as exc:
        level = logging.INFO if isinstance(exc, AppError) else logging.WARNING
        log.log(level, "a group of accepts failed as a whole; accepting them one by one",
                extra={"error_type": type(exc).__name__, "deliveries": len(prepares)})
        return [_alone(queue, prepare) for prepare in prepares]
    if any(isinstance(outcome, dict) for outcome in outcomes):
        queue.wake()
    return outcomes


def _prepared(session: Session, prepares: Sequence[Prepare], tokens: Sequence[str],
              now: datetime, outcomes: dict[int, Outcome]) -> dict[int, Plan]:
    """Each delivery's plan; a refusal is its outcome, and takes back what the others'
    checks wrote (a session's last use), which are then checked again."""
    while True:
        senders.look_up_sessions(
            session, [t for index, t in enumerate(tokens) if index not in outcomes])
        plans: dict[int, Plan] = {}
        for index, prepare in enumerate(prepares):
            if index in outcomes:
                continue
            try:
                planned = prepare(session, now)
            except AppError as exc:
                outcomes[index] = exc
                session.rollback()
                break
            if isinstance(planned, Plan):
                plans[index] = planned
            else:  # a lookup: answered on the inline path, after the queue ahead of it
                outcomes[index] = None
        else:
            return plans


def _together(session: Session, prepares: Sequence[Prepare], tokens: Sequence[str],
              now: datetime) -> list[Outcome]:
    outcomes: dict[int, Outcome] = {}
    plans = _prepared(session, prepares, tokens, now, outcomes)
    keys = {minute_key(plan.delivered.source, plan.sender, now) for plan in plans.values()}
    if len(keys) > 1:  # with one row of the minute, nothing the processor takes is held
        repo.lock_for_accept(session, sorted(keys), sorted(
            {p.delivered.sender_id for p in plans.values() if p.delivered.sender_id is not None}))
    # in the order they arrived, as alone: a sender's snapshot before its next step (they
    # count in different rows of the minute, so no order of rows can be kept here; two groups
    # inserting two new rows in opposite orders would deadlock, PostgreSQL would end one, and
    # its deliveries would be accepted one by one)
    for index in sorted(plans):
        # a replayed signed copy raises: the group is taken back and accepted one by one
        outcomes[index] = push_queue.accept(session, plans[index], now)
    return [outcomes[index] for index in range(len(prepares))]
