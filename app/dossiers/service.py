"""Dossier views: current deadline state, explanation, work lists and detail."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.agencies import repository as agency_repository
from app.core.errors import Forbidden, NotFound
from app.deadlines import DeadlineResult, Explanation, explain_result, working_clock
from app.deadlines.step_types import StepTimeline
from app.deadlines.store import repository as clock_repository
from app.deadlines.store.step_sync import timeline_for_state
from app.deadlines.store.sync import DeadlineContext, evaluate_dossier, load_context
from app.dossiers import lists, repository
from app.models import Agency, Dossier, DossierApplicant, DossierEvent, Procedure
from app.quality import service as quality

WORKING_HOUR_US = 3_600_000_000


@dataclass(frozen=True)
class DossierState:
    dossier: Dossier
    procedure: Procedure | None
    events: Sequence[DossierEvent]
    result: DeadlineResult
    anomalies: Sequence[quality.Anomaly] = ()


def _check_scope(dossier: Dossier, agency_ids: Collection[int] | None) -> None:
    if agency_ids is not None and dossier.agency_id not in agency_ids:
        # 404 rather than 403 would hide existence; we say 403 so supervisors know it exists
        # elsewhere but cannot be read by them.
        raise Forbidden(f"dossier {dossier.code} belongs to another agency")


def state_of(
    session: Session,
    code: str,
    as_of: datetime,
    agency_ids: Collection[int] | None = None,
    context: DeadlineContext | None = None,
) -> DossierState:
    dossier = clock_repository.get_by_code(session, code)
    if dossier is None:
        raise NotFound(f"no dossier with code {code!r}")
    _check_scope(dossier, agency_ids)
    context = context or load_context(session)
    procedure = clock_repository.procedures_by_id(session, [dossier.procedure_id]).get(
        dossier.procedure_id
    )
    events = clock_repository.events_for(session, [dossier.id])
    result = evaluate_dossier(dossier, procedure, events, context, as_of)
    return DossierState(dossier=dossier, procedure=procedure, events=events, result=result,
                        anomalies=quality.of_dossier(session, dossier.id))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def state_summary(state: DossierState) -> dict[str, Any]:
    """The JSON object of `tthc dossier show`."""
    d, r = state.dossier, state.result
    return {
        "code": d.code,
        "status": d.status,
        "channel": d.channel,
        "result_by_post": d.result_by_post,
        "procedure_code": state.procedure.code if state.procedure else None,
        "received_at": _iso(d.received_at),
        "clock_started_at": _iso(r.clock_started_at),
        "due_at": _iso(r.due_at),
        "due_basis": r.due_basis,
        "portal_due_at": _iso(d.portal_due_at),
        "classification": r.classification,
        "paused": r.paused,
        "working_hours_left": float(r.working_hours_left)
        if r.working_hours_left is not None
        else None,
        "appointment_mismatch": r.appointment_mismatch,
        "appointment_difference_hours": float(r.appointment_difference_hours)
        if r.appointment_difference_hours is not None
        else None,
        "finished_at": _iso(r.finished_at),
        "returned_at": _iso(d.returned_at),
        "reappointed_due_at": _iso(d.reappointed_due_at),
        "late_without_apology": d.late_without_apology,
        "escalated": d.escalated,
        "as_of": _iso(r.as_of),
        "anomalies": [a.to_dict() for a in state.anomalies],
    }


def explain_state(state: DossierState, context: DeadlineContext) -> Explanation:
    cutoff = state.procedure.cutoff if state.procedure else None
    return explain_result(
        state.result, context.calendar, context.schedule_for(state.dossier.agency_id), cutoff
    )


@dataclass(frozen=True)
class DossierView:
    """One dossier as the API's detail and the dashboard's page show it."""

    state: DossierState
    explanation: Explanation
    agency: Agency
    applicant: DossierApplicant | None  # only when asked for (personal data)
    steps: StepTimeline  # DEADLINES.md §8: who held it, who made it late


def detail(
    session: Session,
    code: str,
    as_of: datetime,
    agency_ids: Collection[int] | None,
    *,
    with_applicant: bool,
) -> DossierView:
    """The dossier's state as of `as_of` with its explained deadline; refuses a dossier of
    another agency than `agency_ids` (None = every agency)."""
    context = load_context(session)
    state = state_of(session, code, as_of, agency_ids, context)
    dossier = state.dossier
    return DossierView(
        state=state,
        explanation=explain_state(state, context),
        agency=agency_repository.agency_of(session, dossier.agency_id),
        applicant=repository.applicant_of(session, dossier.id) if with_applicant else None,
        steps=timeline_for_state(session, dossier, state.events, state.result, context),
    )


@dataclass(frozen=True)
class WorkListItem:
    row: lists.ListRow
    working_hours_late: Decimal  # > 0 overdue by; < 0 left before the due


def _due_soon_until(context: DeadlineContext, as_of: datetime) -> datetime:
    default_clock = working_clock(context.calendar, context.schedule_for(None))
    return default_clock.advance(as_of, int(context.due_soon_hours * WORKING_HOUR_US))


def work_list_total(
    session: Session, kind: lists.ListKind, as_of: datetime, filters: lists.ListFilters
) -> int:
    """How many dossiers the whole work list holds, over all its pages."""
    until = _due_soon_until(load_context(session), as_of)
    return lists.count_dossiers(session, kind, as_of, until, filters)


def work_list(
    session: Session,
    kind: lists.ListKind,
    as_of: datetime,
    filters: lists.ListFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[WorkListItem], str | None]:
    context = load_context(session)
    due_soon_until = _due_soon_until(context, as_of)
    rows, next_cursor = lists.list_dossiers(
        session, kind, as_of, due_soon_until, filters, cursor, limit
    )
    items = []
    for row in rows:
        due = row.dossier.due_at
        assert due is not None  # the list query only returns dossiers with a due
        clock = working_clock(context.calendar, context.schedule_for(row.dossier.agency_id))
        late_us = clock.working_between(due, as_of)
        items.append(WorkListItem(row=row, working_hours_late=Decimal(late_us) / WORKING_HOUR_US))
    return items, next_cursor
