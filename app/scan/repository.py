"""SQL of the scan: transitions recorded once, and the rows a batch needs besides dossiers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db.bulk import insert_new_keys
from app.models import Agency, DossierTransition, ScanWatermark

TRANSITION_KINDS = frozenset(
    {"became_due_soon", "became_overdue", "late_without_apology", "escalated"}
)
#: a step's facts are kinds "<prefix>:<step position>" (app/scan/steps.py)
STEP_KIND_PREFIXES = ("step_due_soon:", "step_overdue:")

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
    unknown = {k for k in unknown if not k.startswith(STEP_KIND_PREFIXES)}
    if unknown:
        raise ValueError(f"unknown transition kinds {sorted(unknown)}")
    return insert_new_keys(
        session, DossierTransition, ("dossier_id", "kind", "at", "recorded_at"),
        [(f.dossier_id, f.kind, f.at, now) for f in facts], ("dossier_id", "kind"),
    )


def recorded_kinds(session: Session, dossier_ids: Sequence[int]) -> set[tuple[int, str]]:
    """(dossier_id, kind) already recorded for these dossiers: a repeat scan skips them
    instead of sending thousands of no-op inserts."""
    if not dossier_ids:
        return set()
    # each id once: a batch's facts name most overdue dossiers two or three times
    rows = session.execute(
        select(DossierTransition.dossier_id, DossierTransition.kind).where(
            DossierTransition.dossier_id.in_(list(dict.fromkeys(dossier_ids)))
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


WATERMARK = "scan"


def watermark(session: Session) -> ScanWatermark | None:
    return session.get(ScanWatermark, WATERMARK)


def move_watermark(session: Session, now: datetime, *, full: bool) -> None:
    """After a scan as of `now` (flushes; the scan's own commit makes it count)."""
    row = session.get(ScanWatermark, WATERMARK)
    if row is None:
        session.add(ScanWatermark(name=WATERMARK, scanned_at=now, full_scan_at=now))
    else:
        row.scanned_at = now
        if full:
            row.full_scan_at = now
    session.flush()


def hold_write_lock(session: Session) -> None:
    """Take SQLite's write lock now, for the rest of the transaction, without changing a row:
    a write statement takes it when it starts, whether or not it matches anything (a table
    only a scan's transaction writes)."""
    session.execute(text("DELETE FROM rate_rollup_deferral WHERE 0 = 1"))


def in_wal_mode(session: Session) -> bool:
    """Whether the SQLite database journals ahead (readers and the writer do not wait on
    each other)."""
    return str(session.execute(text("PRAGMA journal_mode")).scalar()).lower() == "wal"
