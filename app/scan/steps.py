"""The scan's steps (DEADLINES.md §8): an open step that is due soon or overdue is a fact like a
dossier's, recorded once (kind "step_due_soon:<n>" / "step_overdue:<n>", n its position), so a
department sees its late hand-overs before the dossier itself is late; an overdue step queues a
notification naming the unit. The open step found is kept in dossier_step_state, which is how an
incremental scan finds dossiers whose step may have moved although their own due is far.

The apology the scan drafts names the step that ate the time, and for another agency's step is
issued by that agency and forwarded by the one-stop agency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, delete, select
from sqlalchemy.orm import Session

from app.db.bulk import insert_tuples, update_many
from app.deadlines import DeadlineResult
from app.deadlines.explain_text import hours_text
from app.deadlines.open_steps import without_records
from app.deadlines.status import CLOSED
from app.deadlines.step_types import StepSpan
from app.deadlines.steps import worst_step
from app.deadlines.store.open_rows import OpenDossier
from app.deadlines.store.step_sync import StepContext, open_steps_without_records, timeline_of
from app.delivery.payloads import PayloadShape
from app.delivery.service import ShapedMessage
from app.models import Dossier, DossierEvent, DossierStepState
from app.scan import repository
from app.scan.notify import CHANNEL, iso
from app.scan.repository import TransitionFact

WATCHED = frozenset({"due_soon", "overdue"})


@dataclass(frozen=True)
class Blame:
    """What an apology says about who made the dossier late."""

    reason: str  # appended to the drafted reason
    responsible_agency: str | None  # another agency: it issues the apology
    forwarding_agency: str | None  # the one-stop agency that forwards it


State = tuple[int, str, str, datetime | None, str]


def _state(step: StepSpan | None) -> State | None:
    if step is None or step.due_at is None:
        return None
    return (step.position, step.unit, step.agency, step.due_at, step.classification)


@dataclass
class StepFindings:
    """What a batch's open steps show: the facts to record (with the dossiers'), the open step
    of each dossier with a fact (for its message), and each dossier's open-step state to keep
    (None: it has none)."""

    facts: list[TransitionFact]
    opened: dict[int, StepSpan]
    states: dict[int, State | None]


def step_findings(
    batch: Sequence[OpenDossier],
    results: Sequence[DeadlineResult],
    events: Mapping[int, Sequence[DossierEvent]],
    now: datetime,
    context: StepContext,
) -> StepFindings:
    """Each open dossier's open step (the engine's light path) and the state to keep of it; a
    step due soon or overdue becomes a fact, recorded by the scan with the dossiers' own. No
    database: the scan's read-ahead worker computes this too."""
    findings = StepFindings([], {}, {})
    ids = [dossier.id for dossier in batch]  # each read once (an ORM attribute)
    # most open dossiers have no step reported yet: their open steps are found together
    plain = [n for n, (dossier_id, result) in enumerate(zip(ids, results, strict=True))
             if not events.get(dossier_id) and without_records(result)]
    found = dict(zip(plain, open_steps_without_records(
        [batch[n] for n in plain], [results[n] for n in plain], context), strict=True))
    for n, (dossier, dossier_id, result) in enumerate(zip(batch, ids, results, strict=True)):
        step = None
        if n in found:
            step = found[n]
        elif result.finished_at is None and result.classification != "excluded":
            step = timeline_of(dossier, events.get(dossier_id, ()), result, context,
                               open_only=True).open_step
        findings.states[dossier_id] = _state(step)
        if step is None or step.classification not in WATCHED or step.due_at is None:
            continue
        findings.opened[dossier_id] = step
        kind = "step_due_soon" if step.classification == "due_soon" else "step_overdue"
        at = now if kind == "step_due_soon" else step.due_at
        findings.facts.append(TransitionFact(dossier_id, f"{kind}:{step.position}", at))
    return findings


def is_step_kind(kind: str) -> bool:
    return kind.startswith(repository.STEP_KIND_PREFIXES)


def count_kind(kind: str) -> str:
    """The ScanCounts field of a step fact's kind ("step_overdue:3" -> "step_overdue")."""
    return kind.split(":", 1)[0]


STEP_OVERDUE: Final = PayloadShape(CHANNEL, (
    "event", "dossier_code", "step", "step_position", "unit", "agency", "inter_agency",
    "step_due_at", "dossier_due_at"))


def overdue_message(dossier: OpenDossier, step: StepSpan) -> ShapedMessage:
    # facts only: the unit and agency, never the applicant
    return ShapedMessage(
        f"step_overdue:{dossier.code}:{step.position}", "step_overdue", STEP_OVERDUE,
        ("step_overdue", dossier.code, step.name, step.position, step.unit, step.agency,
         step.inter_agency, iso(step.due_at), iso(dossier.due_at)),
    )


def keep_states(session: Session, wanted: Mapping[int, State | None], now: datetime) -> None:
    """Write only what changed, in bulk: a scan that finds the same open steps writes nothing."""
    s = DossierStepState
    stored = {row[0]: tuple(row[1:]) for row in session.execute(
        select(s.dossier_id, s.position, s.unit, s.agency, s.due_at, s.classification)
        .where(s.dossier_id.in_(list(wanted))))}
    gone = [i for i, state in wanted.items() if state is None and i in stored]
    if gone:
        session.execute(delete(s).where(s.dossier_id.in_(gone)))
    new: list[tuple[Any, ...]] = []
    changed: list[dict[str, Any]] = []
    for dossier_id, state in wanted.items():
        if state is None or stored.get(dossier_id) == state:
            continue
        position, unit, agency, due_at, classification = state
        if dossier_id in stored:
            changed.append({"position": position, "unit": unit[:255], "agency": agency[:255],
                            "due_at": due_at, "classification": classification,
                            "updated_at": now, "dossier_id": dossier_id})
        else:
            new.append((dossier_id, position, unit[:255], agency[:255], due_at, classification,
                        now))
    # sent to the driver with each column converted once per value: SQLAlchemy's executemany
    # builds a parameter dict per row (a first scan writes every open dossier's state)
    insert_tuples(session, DossierStepState, _STATE_COLUMNS, new)
    update_many(session, DossierStepState, ("dossier_id",), changed)


_STATE_COLUMNS = ("dossier_id", "position", "unit", "agency", "due_at", "classification",
                  "updated_at")


def may_have_moved(horizon: datetime) -> ColumnElement[bool]:
    """Open dossiers whose open step, as last found, falls due before `horizon` and is not yet
    overdue: the incremental scan looks at them whatever their own due."""
    return Dossier.id.in_(select(DossierStepState.dossier_id).where(and_(
        DossierStepState.due_at <= horizon, DossierStepState.classification != "overdue")))


def forget_closed(session: Session) -> None:
    """Drop the open-step state of dossiers closed since (a full scan's housekeeping)."""
    closed = select(Dossier.id).where(Dossier.status.in_(sorted(CLOSED)))
    session.execute(delete(DossierStepState).where(DossierStepState.dossier_id.in_(closed)))


def blame(
    dossier: OpenDossier, events: Sequence[DossierEvent], result: DeadlineResult,
    context: StepContext,
) -> Blame | None:
    """For an apology drafted before the due: the step that overran most so far, if any."""
    timeline = timeline_of(dossier, events, result, context)
    step = worst_step(timeline.all_steps)
    if step is None:
        return None
    named = f"«{step.name}» — {step.unit}" if step.name else step.unit
    text = (f"Bước xử lý chậm: {named} (vượt {hours_text(step.overrun_working_hours)} giờ làm "
            f"việc so với thời gian quy trình nội bộ cho phép).")
    if step.inter_agency:
        home = context.agency_names.get(dossier.agency_id, "")
        text += f" Cơ quan chậm giải quyết: {step.agency}; {home} chuyển phiếu xin lỗi."
        return Blame(text, step.agency, home or None)
    return Blame(text, None, None)
