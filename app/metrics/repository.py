"""Aggregate counts for the metrics endpoint: no row-level data, no personal data."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Dossier, JobRun, Notice, OutboxMessage, QuarantineEntry


def dossiers_by_classification(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Dossier.classification, func.count()).group_by(Dossier.classification)
    )
    return {cls or "unclassified": n for cls, n in rows}


def open_quarantine(session: Session) -> int:
    query = (
        select(func.count()).select_from(QuarantineEntry).where(QuarantineEntry.status == "open")
    )
    return session.scalar(query) or 0


def outbox_by_status(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
            OutboxMessage.channel, OutboxMessage.status
        )
    )
    return {(channel, status): n for channel, status, n in rows}


def notices_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Notice.status, func.count()).group_by(Notice.status))
    return {status: n for status, n in rows}


def last_runs(session: Session) -> list[JobRun]:
    newest = (
        select(JobRun.job, func.max(JobRun.id).label("id"))
        .where(JobRun.finished_at.is_not(None))
        .group_by(JobRun.job)
        .subquery()
    )
    return list(session.scalars(select(JobRun).join(newest, JobRun.id == newest.c.id)))


def flagged(session: Session) -> dict[str, int]:
    late = select(func.count()).select_from(Dossier).where(Dossier.late_without_apology)
    escalated = select(func.count()).select_from(Dossier).where(Dossier.escalated)
    return {
        "late_without_apology": session.scalar(late) or 0,
        "escalated": session.scalar(escalated) or 0,
    }
