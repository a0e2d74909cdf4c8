"""All SQL of the auth package: tokens, dashboard sessions and the agency tree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.models import Agency, ApiToken, DashboardSessionRow


def add_token(session: Session, token: ApiToken) -> ApiToken:
    session.add(token)
    session.flush()
    return token


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))


def token_by_id(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def tokens_by_prefix(session: Session, prefix: str) -> Sequence[ApiToken]:
    return session.scalars(
        select(ApiToken).where(ApiToken.prefix.startswith(prefix, autoescape=True))
    ).all()


def all_tokens(session: Session) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).order_by(ApiToken.id)).all()


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def agency_codes(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Agency.id, Agency.code).where(Agency.id.in_(ids)))
    return {row.id: row.code for row in rows}


# -- dashboard sessions ------------------------------------------------------------------------


def add_session(session: Session, row: DashboardSessionRow) -> DashboardSessionRow:
    session.add(row)
    session.flush()
    return row


def session_by_hash(session: Session, secret_hash: str) -> DashboardSessionRow | None:
    return session.scalar(
        select(DashboardSessionRow).where(DashboardSessionRow.secret_hash == secret_hash)
    )


def end_session(session: Session, session_id: int, now: datetime, reason: str) -> None:
    session.execute(
        update(DashboardSessionRow)
        .where(DashboardSessionRow.id == session_id, DashboardSessionRow.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )


def end_sessions_of_token(session: Session, token_id: int, now: datetime, reason: str) -> int:
    result = session.execute(
        update(DashboardSessionRow)
        .where(DashboardSessionRow.token_id == token_id, DashboardSessionRow.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def delete_sessions_before(session: Session, cutoff: datetime) -> int:
    """Sessions that expired before ``cutoff`` (ended ones included): nothing can use them."""
    result = session.execute(
        delete(DashboardSessionRow).where(DashboardSessionRow.expires_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
