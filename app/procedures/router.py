"""HTTP: the procedure catalogue, including procedures missing from it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from app.api.deps import SessionDep
from app.auth.deps import Principal, require_roles
from app.core.clock import utcnow
from app.procedures import process_service, service
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


Admin = Annotated[Principal, Depends(require_roles("admin"))]
AgencyCode = Annotated[str | None, Query(
    description="agency code whose own process this is (a province covers its communes); "
                "none: the catalogue's")]


@router.get("/{procedure_code}/steps", summary="The internal processes of a procedure: the "
            "catalogue's and each agency's own (DEADLINES.md §8)")
def get_steps(procedure_code: str, session: SessionDep) -> list[dict[str, Any]]:
    return [v.to_dict() for v in process_service.get_processes(session, procedure_code)]


@router.put("/{procedure_code}/steps", summary="Set the catalogue's or one agency's internal "
            "process (an empty list removes the agency's own); warns past the legal time")
def put_steps(
    procedure_code: str, steps: Annotated[list[dict[str, Any]], Body()], session: SessionDep,
    principal: Admin, agency: AgencyCode = None,
) -> dict[str, Any]:
    return process_service.set_process(session, procedure_code, agency, steps, utcnow(),
                                       actor=principal.name).to_dict()
