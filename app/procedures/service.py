"""Procedure catalogue: import (update in place) and lists, including missing procedures.

After an import, open dossiers of every procedure whose rule changed get new due times; closed
ones keep the rule they were judged by (``recompute_open_dossiers``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.deadlines.parsing import Reading
from app.deadlines.store.sync import recompute_open_dossiers
from app.models import Procedure
from app.procedures import repository as repo
from app.procedures.catalogue import CatalogueRow, RowRefused, check_row
from app.procedures.process_service import StepCollector, store_catalogue_processes

_RULE_FIELDS = ("processing_time", "processing_unit", "cutoff", "restart_on_supplement")


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    code: str | None
    column: str
    text: str | None
    reason: str
    #: a text listed back: every reading it allows, for the admin to choose from
    readings: tuple[Reading, ...] = ()


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: stored without a legal due time (``parse_error``): their dossiers fall back to the portal
    #: appointment until an admin gives ``processing_time`` / ``processing_unit``
    listed_back: list[RowProblem] = field(default_factory=list)
    #: not stored at all (no code, bad cutoff, ...)
    refused: list[RowProblem] = field(default_factory=list)
    recomputed_dossiers: int = 0
    #: imported all the same: internal processes whose allotments exceed the legal time
    warnings: list[RowProblem] = field(default_factory=list)


def reading_json(reading: Reading) -> dict[str, Any]:
    return {"value": format(reading.time.value.normalize(), "f"), "unit": reading.time.unit,
            "cutoff": reading.cutoff.strftime("%H:%M") if reading.cutoff else None,
            "label": reading.label(), "phrase": reading.phrase}


def _values(row: CatalogueRow) -> dict[str, Any]:
    processing = row.processing_time
    values = {
        "name": row.name,
        "field_code": row.field_code,
        "field_name": row.field_name,
        "processing_time_text": row.text,
        "processing_time": processing.value.quantize(Decimal("0.001")) if processing else None,
        "processing_unit": processing.unit if processing else None,
        "processing_time_phrase": row.phrase,
        "processing_time_exceptions": list(row.exceptions) or None,
        "processing_time_readings": [reading_json(r) for r in row.readings] or None,
        "cutoff": row.cutoff,
        "cutoff_phrase": row.cutoff_phrase,
        "restart_on_supplement": row.restart_on_supplement,
        "parse_error": row.parse_error,
        "implementing_agency": row.agency,
        "service_level": row.service_level,
        "in_catalogue": True,
    }
    if row.field_code is None:  # the national export has no field codes: keep the portal's
        del values["field_code"]
    return values


def import_catalogue(
    session: Session, rows: Iterable[tuple[int, dict[str, Any]]], now: datetime
) -> ImportReport:
    """Create or update procedures from raw catalogue rows; flushes only."""
    report = ImportReport()
    checked: dict[str, CatalogueRow] = {}
    steps = StepCollector()
    for number, raw in rows:
        if steps.take(number, raw):
            continue  # a CSV/XLSX row of one internal step
        try:
            row = check_row(number, raw)
        except RowRefused as exc:
            code = raw.get("MaTTHC")
            report.refused.append(RowProblem(number, str(code) if code else None, exc.column,
                                             None, exc.reason))
            continue
        if row.parse_error is not None:
            report.listed_back.append(RowProblem(number, row.code, "ThoiHanGiaiQuyet", row.text,
                                                 row.parse_error, row.readings))
        checked[row.code] = row  # a later row of the same code wins, as in a re-import
    existing = repo.by_code(session, sorted(checked))
    created: list[Procedure] = []
    rule_changed: list[int] = []
    for code, row in checked.items():
        values = _values(row)
        proc = existing.get(code)
        if proc is None:
            created.append(Procedure(code=code, created_at=now, updated_at=now, **values))
            continue
        changed = [k for k, v in values.items() if getattr(proc, k) != v]
        if not changed:
            report.unchanged += 1
            continue
        for key in changed:
            setattr(proc, key, values[key])
        proc.updated_at = now
        report.updated += 1
        if any(k in _RULE_FIELDS for k in changed):
            rule_changed.append(proc.id)
    report.created = len(created)
    repo.add(session, created)
    report.refused.extend(RowProblem(n, c, col, None, why) for n, c, col, why in steps.refused)
    stored = {**existing, **{p.code: p for p in created}}
    for code, warning in store_catalogue_processes(session, steps.by_code, stored, now):
        report.warnings.append(RowProblem(0, code, "steps", None, warning))
    if rule_changed:
        report.recomputed_dossiers = recompute_open_dossiers(session, now, rule_changed)
    return report


@dataclass(frozen=True, slots=True)
class ProcedureView:
    procedure: Procedure
    dossiers: int


def list_procedures(session: Session, *, missing: bool = False) -> list[ProcedureView]:
    """All procedures, or (``missing``) those seen on dossiers but not in the catalogue."""
    procedures = repo.list_procedures(session, missing)
    counts = repo.dossier_counts(session, [p.id for p in procedures])
    return [ProcedureView(p, counts.get(p.id, 0)) for p in procedures]


def get_procedure(session: Session, code: str,
                  agency_ids: Collection[int] | None = None) -> ProcedureView:
    """One procedure with its dossier count (within ``agency_ids`` when given)."""
    procedure = repo.one_by_code(session, code)
    if procedure is None:
        raise NotFound(f"no procedure {code!r} in the catalogue or on any dossier")
    return ProcedureView(procedure, repo.dossier_count(session, procedure.id, agency_ids))
