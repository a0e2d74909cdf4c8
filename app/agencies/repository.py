"""SQL for agencies and their hierarchy (commune -> district -> province)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import Agency, AgencySigner


def find_all(session: Session, code_or_name: str) -> Sequence[Agency]:
    """Agencies whose code or name is this (a name can be shared; a code cannot)."""
    wanted = code_or_name.strip()
    return session.scalars(
        select(Agency).where(or_(Agency.code == wanted, Agency.name == wanted)).order_by(Agency.id)
    ).all()


def signer_of(session: Session, agency_id: int) -> AgencySigner | None:
    return session.get(AgencySigner, agency_id)


def find(session: Session, code_or_name: str) -> Agency | None:
    matches = find_all(session, code_or_name)
    return matches[0] if matches else None


def subtree_ids(session: Session, agency_id: int) -> frozenset[int]:
    """The agency and all its descendants, by a recursive CTE (same SQL on SQLite and
    PostgreSQL; it runs on every authenticated request, so it reads only the subtree).
    UNION rather than UNION ALL: a cycle in parent_id must not loop forever."""
    tree = select(Agency.id).where(Agency.id == agency_id).cte("subtree", recursive=True)
    tree = tree.union(select(Agency.id).where(Agency.parent_id == tree.c.id))
    return frozenset(session.scalars(select(tree.c.id)).all())


def by_code(session: Session, code: str) -> Agency | None:
    return session.scalars(select(Agency).where(Agency.code == code)).first()


def list_all(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def agency_of(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    assert agency is not None  # foreign key
    return agency
