"""Internal processes: imported with the catalogue, edited per province (a dossier's is found by
the clock wing, `app.deadlines.store.processes`).

A dossier's process is the one approved by the nearest agency up its tree (its own agency, then
the parents: a province's process covers its communes), else the catalogue's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.core.errors import BadRequest, NotFound
from app.deadlines import ProcessingTime
from app.deadlines.step_types import ProcessStep
from app.deadlines.store.processes import steps_from_json
from app.models import Procedure
from app.procedures import process_repository as repo
from app.procedures.catalogue import RowRefused, cell_text
from app.procedures.process import over_legal_time, read_steps_value, step_of_row, steps_json

CATALOGUE_SOURCE = "catalogue"


@dataclass
class StepCollector:
    """Steps met while reading catalogue rows: a JSON row's ``steps``, or CSV/XLSX rows of one
    step each (the procedure's code on each row; the other columns may be left empty)."""

    by_code: dict[str, list[ProcessStep]] = field(default_factory=dict)
    #: (row, code, column, reason) of step data that could not be read
    refused: list[tuple[int, str | None, str, str]] = field(default_factory=list)

    def take(self, number: int, raw: dict[str, Any]) -> bool:
        """Collect the row's steps; True when the row is only a step (no procedure columns)."""
        code = cell_text(raw.get("MaTTHC"))
        step_only = bool(code) and not cell_text(raw.get("TenTTHC"))
        try:
            listed = read_steps_value(raw.get("steps"))
            one = step_of_row(raw)
        except RowRefused as exc:
            self.refused.append((number, code or None, exc.column, exc.reason))
            return step_only
        if not code or (not listed and one is None):
            return False
        if listed:
            self.by_code[code] = list(listed)  # a JSON row lists the whole process
        if one is not None:
            self.by_code.setdefault(code, []).append(one)
        return step_only and one is not None


def store_catalogue_processes(
    session: Session, collected: Mapping[str, Sequence[ProcessStep]],
    procedures: Mapping[str, Procedure], now: datetime,
) -> list[tuple[str, str]]:
    """Store the catalogue's process of each procedure (replacing it); returns (code, warning)
    for processes whose allotments exceed the legal time."""
    warnings: list[tuple[str, str]] = []
    for code, steps in collected.items():
        procedure = procedures.get(code)
        if procedure is None:
            continue
        repo.put(session, procedure.id, None, steps_json(steps), CATALOGUE_SOURCE, now)
        warning = over_legal_time(steps, rule_time(procedure))
        if warning:
            warnings.append((code, warning))
    return warnings


def rule_time(procedure: Procedure) -> ProcessingTime | None:
    if procedure.processing_time is None or not procedure.processing_unit:
        return None
    return ProcessingTime(procedure.processing_time, procedure.processing_unit)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ProcessView:
    procedure_code: str
    agency_code: str | None
    steps: tuple[ProcessStep, ...]
    source: str
    warning: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"procedure_code": self.procedure_code, "agency_code": self.agency_code,
                "steps": steps_json(self.steps), "source": self.source,
                "warning": self.warning}


def set_process(
    session: Session, procedure_code: str, agency_code: str | None, steps_value: Any,
    now: datetime, actor: str,
) -> ProcessView:
    """A province's (or the catalogue's, `agency_code` None) process, replacing the old one; an
    empty list removes that agency's own process."""
    procedure = repo.procedure(session, procedure_code)
    if procedure is None:
        raise NotFound(f"no procedure {procedure_code!r}")
    agency_id = None
    if agency_code is not None:
        agency_id = repo.agency_id(session, agency_code)
        if agency_id is None:
            raise NotFound(f"no agency {agency_code!r}")
    try:
        steps = read_steps_value(steps_value)
    except RowRefused as exc:
        raise BadRequest(exc.reason) from None
    if not steps:
        repo.delete(session, procedure.id, agency_id)
    else:
        repo.put(session, procedure.id, agency_id, steps_json(steps), actor, now)
    return ProcessView(procedure_code, agency_code, steps, actor,
                       over_legal_time(steps, rule_time(procedure)))


def get_processes(session: Session, procedure_code: str) -> list[ProcessView]:
    procedure = repo.procedure(session, procedure_code)
    if procedure is None:
        raise NotFound(f"no procedure {procedure_code!r}")
    return [
        ProcessView(procedure_code, agency_code, steps_from_json(row.steps), row.source,
                    over_legal_time(steps_from_json(row.steps), rule_time(procedure)))
        for row, agency_code in repo.of_procedure(session, procedure.id)
    ]

