"""HTTP: the procedure catalogue, including procedures missing from it."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.api.deps import SessionDep
from app.auth.deps import require_roles
from app.procedures import service
from app.procedures.schemas import ProcedureOut

router = APIRouter(
    prefix="/api/v1/procedures",
    tags=["procedures"],
    dependencies=[Depends(require_roles("viewer"))],
)


@router.get("", response_model=list[ProcedureOut], summary="Procedures (missing=true: seen on "
            "dossiers but absent from the catalogue)")
def list_procedures(session: SessionDep, missing: bool = False) -> list[ProcedureOut]:
    return [ProcedureOut.of(v) for v in service.list_procedures(session, missing=missing)]


@router.get("/{procedure_code}", response_model=ProcedureOut,
            summary="One procedure: its processing time with the phrase it was read from, "
                    "exceptions, cut-off, or the readings listed back")
def get_procedure(procedure_code: str, session: SessionDep) -> ProcedureOut:
    return ProcedureOut.of(service.get_procedure(session, procedure_code))
