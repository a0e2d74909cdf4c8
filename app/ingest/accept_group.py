"""Accepting push deliveries together: the requests a server process has read while it was
accepting others share one thread hop, one connection and one transaction.

A one-door system sends one record per request. Accepted alone (app/ingest/push_queue.py),
each delivery paid its own hop to the thread pool, pool check-out, BEGIN, session look-up and
COMMIT around its one accept statement: measured on the receiver bench, that was about as much
of the server's CPU as the statement's own work (docs/scaling.md, the receiver, round 8). Here
one writer per process (app/ingest/group_commit.py's `GroupWriter`, with `accept_many`) takes
every delivery waiting (`GATHER_SECONDS`: without waiting for more) and, in one transaction:
looks up the /dvcqg sessions the group names in one query, prepares each delivery (its
refusals as alone), adds the rows of the minute it names that are not there yet (in key
order), then runs each delivery's accept statement, in the order the requests arrived, all in
one pipeline (`queue_repository.accept_many`), and commits. Each request then gets its own reply.

A group that fails as a whole (a replayed signed copy, whose writes must be taken back; a
database error) is rolled back and each of its deliveries accepted alone, exactly as without
the group: one bad delivery cannot fail the others, each gets the answer it would have had.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.core.errors import AppError
from app.ingest import push_queue
from app.ingest import queue_repository as repo
from app.ingest.group_prepare import Prepare, prepare_plans
from app.ingest.receptions import minute_key

if TYPE_CHECKING:
    from app.ingest.queue_processor import QueueProcessor

log = logging.getLogger(__name__)

#: Deliveries accepted in one transaction at most: the rows it inserts (raw payloads, new rows
#: of the minute, ledger entries) are held until its commit, a few milliseconds per delivery.
MAX_GROUP: Final = 32
#: How long the writer waits for the senders it answered last to send again (the groups'
#: `GroupWriter._gather`): not at all. A group takes the requests read while the one before it
#: was written. Waiting 5 ms made larger groups, but since an accept no longer updates its row
#: of the minute and its statements are planned once, a group's own cost is small, and the
#: wait was latency every sender paid: without it the receiver bench's deliveries/s rose by
#: 9-20 % in five alternated pairs, its CPU per delivery unchanged (docs/scaling.md, the
#: receiver, round 10).
GATHER_SECONDS: Final = 0.0
Reply = dict[str, Any]
#: a reply; None: the delivery takes the inline path; an exception: its refusal
Outcome = Reply | None | BaseException


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


def _together(session: Session, prepares: Sequence[Prepare], tokens: Sequence[str],
              now: datetime) -> list[Outcome]:
    outcomes: dict[int, Outcome] = {}
    plans = prepare_plans(session, prepares, tokens, now, outcomes, lookups=False)
    # in the order they arrived, as alone: a sender's snapshot before its next step (the new
    # rows of the minute they name are added first, in key order, `repo.accept_many`)
    sent: dict[int, dict[str, Any]] = {}
    for index in sorted(plans):
        plan = plans[index]
        values = push_queue.accept_params(
            plan, now, minute_key(plan.delivered.source, plan.sender, now))
        if values is None:  # refused by the parser: the inline path answers
            outcomes[index] = None
        else:
            sent[index] = values
    answers = repo.accept_many(session, list(sent.values()))
    for index, got in zip(sent, answers, strict=True):
        # a replayed signed copy raises: the group is taken back and accepted one by one
        outcomes[index] = push_queue.accepted(session, plans[index], got)
    return [outcomes[index] for index in range(len(prepares))]
