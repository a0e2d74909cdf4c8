"""SQL of the scan: transitions recorded once, and the rows a batch needs besides dossiers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import Agency, DossierTransition

TRANSITION_KINDS = frozenset(
    {"became_due_soon", "became_overdue", "late_without_apology", "escalated"}
)

# Rows per INSERT: 4 parameters each stays far below SQLite's 32,766 and PostgreSQL's 65,535.
CHUNK = 1000


@dataclass(frozen=True, slots=True)
class TransitionFact:
    dossier_id: int
    kind: str
    at: datetime


def record_transitions(
    session: Session, facts: Sequence[TransitionFact], now: datetime
) -> set[tuple[int, str]]:
    """Insert the facts not recorded yet; returns the (dossier_id, kind) pairs that were new.

    INSERT ... ON CONFLICT DO NOTHING RETURNING is spelled the same by SQLite (3.35+) and
    PostgreSQL, and stays correct when two scans race: the loser inserts nothing.
    """
    if not facts:
        return set()
    unknown = {f.kind for f in facts} - TRANSITION_KINDS
    if unknown:
        raise ValueError(f"unknown transition kinds {sorted(unknown)}")
    new: set[tuple[int, str]] = set()
    for start in range(0, len(facts), CHUNK):
        new |= _insert_chunk(session, facts[start : start + CHUNK], now)
    return new


def _insert_chunk(
    session: Session, facts: Sequence[TransitionFact], now: datetime
) -> set[tuple[int, str]]:
    rows = [
        {"dossier_id": f.dossier_id, "kind": f.kind, "at": f.at, "recorded_at": now} for f in facts
    ]
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(DossierTransition)
    elif dialect == "sqlite":
        statement = sqlite.insert(DossierTransition)
    else:  # pragma: no cover - the product supports these two backends
        raise RuntimeError(f"unsupported database {dialect}")
    # executemany (Core): one compiled statement for every chunk; a multi-row VALUES clause
    # was compiled afresh for each chunk size and crowded out the statement cache
    returning = statement.on_conflict_do_nothing(index_elements=["dossier_id", "kind"]).returning(
        DossierTransition.dossier_id, DossierTransition.kind
    )
    session.flush()
    inserted = session.connection().execute(returning, rows).all()
    return {(dossier_id, kind) for dossier_id, kind in inserted}


def recorded_kinds(session: Session, dossier_ids: Sequence[int]) -> set[tuple[int, str]]:
    """(dossier_id, kind) already recorded for these dossiers: a repeat scan skips them
    instead of sending thousands of no-op inserts."""
    if not dossier_ids:
        return set()
    rows = session.execute(
        select(DossierTransition.dossier_id, DossierTransition.kind).where(
            DossierTransition.dossier_id.in_(list(dossier_ids))
        )
    ).all()
    return {(dossier_id, kind) for dossier_id, kind in rows}


def transitions_of(session: Session, dossier_id: int) -> Sequence[DossierTransition]:
    return session.scalars(
        select(DossierTransition)
        .where(DossierTransition.dossier_id == dossier_id)
        .order_by(DossierTransition.id)
    ).all()


def agencies_by_id(session: Session, ids: Iterable[int]) -> dict[int, Agency]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(wanted)))}
