"""SQL for agencies and their hierarchy (commune -> district -> province)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import Agency


def find(session: Session, code_or_name: str) -> Agency | None:
    wanted = code_or_name.strip()
    return session.scalars(
        select(Agency).where(or_(Agency.code == wanted, Agency.name == wanted)).order_by(Agency.id)
    ).first()


def subtree_ids(session: Session, agency_id: int) -> set[int]:
    """The agency and every agency below it. Agencies number in the thousands at most, so one
    query for the whole parent map beats a recursive CTE that SQLite and PostgreSQL spell alike
    but plan differently."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for child_id, parent_id in session.execute(select(Agency.id, Agency.parent_id)):
        children[parent_id].append(child_id)
    found = {agency_id}
    stack = [agency_id]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def by_code(session: Session, code: str) -> Agency | None:
    return session.scalars(select(Agency).where(Agency.code == code)).first()


def list_all(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))
