"""All SQL of the auth package: tokens and the agency tree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.models import Agency, ApiToken


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


def agency_by_code_or_name(session: Session, value: str) -> Sequence[Agency]:
    return session.scalars(
        select(Agency).where(or_(Agency.code == value, Agency.name == value)).order_by(Agency.id)
    ).all()


def agency_codes(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Agency.id, Agency.code).where(Agency.id.in_(ids)))
    return {row.id: row.code for row in rows}


def agency_subtree_ids(session: Session, root_id: int) -> frozenset[int]:
    """The agency and all its descendants, by a recursive CTE (same SQL on SQLite and
    PostgreSQL). UNION rather than UNION ALL: a cycle in parent_id must not loop forever."""
    tree = select(Agency.id).where(Agency.id == root_id).cte("subtree", recursive=True)
    tree = tree.union(select(Agency.id).where(Agency.parent_id == tree.c.id))
    return frozenset(session.scalars(select(tree.c.id)).all())
