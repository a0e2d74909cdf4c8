"""All SQL of internal processes (procedure_process)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agency, Procedure, ProcedureProcess


def _match(procedure_id: int, agency_id: int | None) -> Any:
    by_agency = (ProcedureProcess.agency_id.is_(None) if agency_id is None
                 else ProcedureProcess.agency_id == agency_id)
    return (ProcedureProcess.procedure_id == procedure_id) & by_agency


def put(session: Session, procedure_id: int, agency_id: int | None,
        steps: list[dict[str, Any]], source: str, now: datetime) -> None:
    row = session.scalars(select(ProcedureProcess).where(_match(procedure_id, agency_id))).first()
    if row is None:
        session.add(ProcedureProcess(procedure_id=procedure_id, agency_id=agency_id, steps=steps,
                                     source=source, updated_at=now))
    elif row.steps != steps:
        row.steps, row.source, row.updated_at = steps, source, now
    session.flush()


def delete(session: Session, procedure_id: int, agency_id: int | None) -> None:
    session.execute(sql_delete(ProcedureProcess).where(_match(procedure_id, agency_id)))


def procedure(session: Session, code: str) -> Procedure | None:
    return session.scalars(select(Procedure).where(Procedure.code == code)).one_or_none()


def agency_id(session: Session, code: str) -> int | None:
    return session.scalar(select(Agency.id).where(Agency.code == code))


def of_procedure(session: Session, procedure_id: int) -> list[tuple[ProcedureProcess, str | None]]:
    rows = session.execute(
        select(ProcedureProcess, Agency.code)
        .outerjoin(Agency, Agency.id == ProcedureProcess.agency_id)
        .where(ProcedureProcess.procedure_id == procedure_id)
        .order_by(ProcedureProcess.agency_id.is_not(None), Agency.code)
    )
    return [(row, code) for row, code in rows]
