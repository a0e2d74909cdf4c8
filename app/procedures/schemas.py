"""API shapes of the procedure catalogue."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from app.procedures.service import ProcedureView


class ProcedureOut(BaseModel):
    code: str
    name: str
    field_code: str | None
    field_name: str | None
    processing_time_text: str | None
    processing_time: Decimal | None
    processing_unit: str | None
    cutoff: str | None
    restart_on_supplement: bool
    parse_error: str | None
    in_catalogue: bool
    dossiers: int

    @classmethod
    def of(cls, view: ProcedureView) -> ProcedureOut:
        p = view.procedure
        return cls(
            code=p.code, name=p.name, field_code=p.field_code, field_name=p.field_name,
            processing_time_text=p.processing_time_text,
            # normalize() alone turns 20 into 2E+1, which JSON would carry as "2E+1".
            processing_time=Decimal(format(p.processing_time.normalize(), "f"))
            if p.processing_time is not None else None,
            processing_unit=p.processing_unit,
            cutoff=p.cutoff.strftime("%H:%M") if p.cutoff else None,
            restart_on_supplement=p.restart_on_supplement, parse_error=p.parse_error,
            in_catalogue=p.in_catalogue, dossiers=view.dossiers,
        )
