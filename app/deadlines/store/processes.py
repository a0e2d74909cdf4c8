"""Internal processes as the step engine reads them (DEADLINES.md §8): every stored process of
some procedures, and the agency tree to find the nearest one for a dossier — its own agency's,
then its parents' (a province's process covers its communes), else the catalogue's."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deadlines.step_types import ProcessStep
from app.models import Agency, ProcedureProcess

_CHUNK = 500


def steps_from_json(stored: Sequence[dict[str, Any]] | None) -> tuple[ProcessStep, ...]:
    """Stored steps back (checked when stored, so read as they are)."""
    return tuple(
        ProcessStep(
            name=str(s["name"]), units=tuple(s.get("units") or ()),
            working_hours=None if s.get("working_hours") is None
            else Decimal(str(s["working_hours"])),
            online_working_hours=None if s.get("online_working_hours") is None
            else Decimal(str(s["online_working_hours"])),
            agency=s.get("agency") or None,
        )
        for s in stored or ()
    )


@dataclass(frozen=True)
class ProcessFinder:
    """Every process of some procedures, with the agency tree to find the nearest one."""

    rows: Mapping[tuple[int, int | None], tuple[ProcessStep, ...]]
    parents: Mapping[int, int | None]

    def for_dossier(self, procedure_id: int, agency_id: int) -> tuple[ProcessStep, ...]:
        seen: set[int] = set()
        current: int | None = agency_id
        while current is not None and current not in seen:
            seen.add(current)
            found = self.rows.get((procedure_id, current))
            if found is not None:
                return found
            current = self.parents.get(current)
        return self.rows.get((procedure_id, None), ())


def for_procedures(
    session: Session, procedure_ids: Collection[int] | None
) -> list[ProcedureProcess]:
    if procedure_ids is None:
        return list(session.scalars(select(ProcedureProcess)))
    ids = sorted(procedure_ids)
    out: list[ProcedureProcess] = []
    for start in range(0, len(ids), _CHUNK):
        out.extend(session.scalars(select(ProcedureProcess).where(
            ProcedureProcess.procedure_id.in_(ids[start:start + _CHUNK]))))
    return out


def finder(session: Session, procedure_ids: Collection[int] | None) -> ProcessFinder:
    """Processes of these procedures (None: of every procedure, for a whole scan)."""
    rows = {(r.procedure_id, r.agency_id): steps_from_json(r.steps)
            for r in for_procedures(session, procedure_ids)}
    parents = agency_parents(session) if any(a for _, a in rows) else {}
    return ProcessFinder(rows, parents)


def agency_parents(session: Session) -> dict[int, int | None]:
    return {i: p for i, p in session.execute(select(Agency.id, Agency.parent_id))}


def agency_names(session: Session) -> dict[str, str]:
    """Every agency's name and code -> its name (a PhongBanXuLy naming another agency)."""
    out: dict[str, str] = {}
    for code, name in session.execute(select(Agency.code, Agency.name)):
        out[code] = name
        out[name] = name
    return out


def agency_ids_names(session: Session) -> list[tuple[int, str]]:
    return [(i, n) for i, n in session.execute(select(Agency.id, Agency.name))]
