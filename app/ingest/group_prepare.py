"""A group's deliveries prepared in its one transaction (app/ingest/group_commit.py, and the
push queue's accept groups, app/ingest/accept_group.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.core.errors import AppError
from app.ingest.webhook import Plan
from app.senders import service as senders

#: Up to the ingest, in the group's session at the group's instant: a lookup's reply, or the
#: delivery's plan; raises its refusal (an AppError) before writing anything.
Prepare = Callable[[Session, datetime], Plan | dict[str, Any]]


def prepare_plans(session: Session, prepares: Sequence[Prepare], tokens: Sequence[str],
                  now: datetime, outcomes: dict[int, Any], *, lookups: bool) -> dict[int, Plan]:
    """Each delivery's plan, by index. The /dvcqg sessions ``tokens`` name are looked up in one
    query first. A refusal becomes the delivery's outcome and takes back what the others'
    checks wrote (a session's last use), which are then checked again. A lookup's reply is its
    outcome when ``lookups``; otherwise None (it is answered on the inline path)."""
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
            else:
                outcomes[index] = planned if lookups else None
        else:
            return plans
