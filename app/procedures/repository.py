"""All SQL of the procedure catalogue."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Dossier, Procedure

_CHUNK = 500


def chunks(items: Sequence[str] | Sequence[int]) -> Iterator[Sequence[object]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def by_code(session: Session, codes: Sequence[str]) -> dict[str, Procedure]:
    found: dict[str, Procedure] = {}
    for part in chunks(codes):
        for proc in session.scalars(select(Procedure).where(Procedure.code.in_(part))):
            found[proc.code] = proc
    return found


def list_procedures(session: Session, missing_only: bool) -> list[Procedure]:
    stmt = select(Procedure).order_by(Procedure.code)
    if missing_only:
        stmt = stmt.where(Procedure.in_catalogue.is_(False))
    return list(session.scalars(stmt))


def dossier_counts(session: Session, procedure_ids: Sequence[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for part in chunks(procedure_ids):
        rows = session.execute(
            select(Dossier.procedure_id, func.count())
            .where(Dossier.procedure_id.in_(part))
            .group_by(Dossier.procedure_id)
        )
        counts.update({proc_id: int(n) for proc_id, n in rows})
    return counts


def add(session: Session, procedures: Sequence[Procedure]) -> None:
    session.add_all(list(procedures))
    session.flush()


def one_by_code(session: Session, code: str) -> Procedure | None:
    return session.scalars(select(Procedure).where(Procedure.code == code)).one_or_none()


def dossier_count(session: Session, procedure_id: int,
                  agency_ids: Collection[int] | None) -> int:
    """Dossiers of a procedure, within ``agency_ids`` when given (a supervisor's subtree)."""
    stmt = select(func.count()).select_from(Dossier).where(Dossier.procedure_id == procedure_id)
    if agency_ids is not None:
        stmt = stmt.where(Dossier.agency_id.in_(list(agency_ids)))
    return int(session.scalar(stmt) or 0)
