"""The deadline engine's `now`-free work on a file import's new dossiers, done by the
read-ahead worker (`app.ingest.read_ahead`) instead of the writer.

Every new dossier's clock columns are computed when it is inserted (`initial_clock_values`):
a fifth of the importing process's time (docs/scaling.md). For a record whose dossier code
appears once in its page, the dossier the writer will create, if it is new, is the record
itself with its embedded steps applied (`advance`, as the upsert applies them): the worker
can build it, read its steps and compute the `now`-free part of its clock
(`app.deadlines.store.ahead`) with the catalogue, office hours and calendar the writer read
when the run started (`ClockSnapshot`). The worker only guesses; the writer decides
(`BatchUpserter`): it uses a record's `ClockAhead` only when the dossier turned out new and
its code alone in the page, the procedure's rule and the agency's office hours it uses now
equal those the worker used, the page's calendar has the worker's overrides, and `now` is at
or after every instant the worker read. Otherwise it computes the clock as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.deadlines.calendar import CalendarOverride
from app.deadlines.calendar.civil import CivilServiceCalendar
from app.deadlines.hours import OfficeHoursSchedule
from app.deadlines.rules import ProcedureRule
from app.deadlines.store import repository as repo
from app.deadlines.store.ahead import (
    AheadItem,
    ClockAhead,
    clocks_ahead,
    now_in_range,
    usable,
)
from app.deadlines.store.loaders import load_calendar, load_office_hours
from app.deadlines.store.sync import DeadlineContext, procedure_rule
from app.ingest.advance import advance, step_order
from app.ingest.hashing import progress_hash
from app.ingest.intake import Failure, Parsed
from app.ingest.new_rows import NewDossier
from app.models import Procedure
from connectors import DossierRecord, ProgressRecord


@dataclass(frozen=True, slots=True)
class ClockSnapshot:
    """The catalogue's rules, office hours and calendar as the run found them."""

    rules: dict[str, ProcedureRule]  # by procedure code (catalogue procedures)
    hours: dict[str, OfficeHoursSchedule]  # by agency code and name, agencies with their own
    default_hours: OfficeHoursSchedule
    overrides: tuple[CalendarOverride, ...]


def load_snapshot(session: Session) -> ClockSnapshot:
    schedules = load_office_hours(session)
    hours: dict[str, OfficeHoursSchedule] = {}
    for agency in repo.agencies_by_id(session, [i for i in schedules if i is not None]):
        hours[agency.code] = schedules[agency.id]
        hours.setdefault(agency.name, schedules[agency.id])
    return ClockSnapshot(
        rules={p.code: procedure_rule(p) for p in repo.all_procedures(session)},
        hours=hours, default_hours=schedules[None],
        overrides=load_calendar(session).overrides,
    )


@dataclass(frozen=True, slots=True)
class ClocksAhead:
    """A page's clocks computed ahead by the read-ahead worker (`app.ingest.clock_ahead`),
    by dossier code, and the calendar overrides they were computed with."""

    overrides: tuple[CalendarOverride, ...]
    by_code: dict[str, ClockAhead]


@dataclass(slots=True)
class _NewState:
    """A new dossier as `BatchUpserter._create_dossier` and its steps leave it."""

    code: str
    status: int
    received_at: datetime
    finished_at: datetime | None
    returned_at: datetime | None
    newest_progress_at: datetime | None
    portal_due_at: datetime | None


def _new_state(record: DossierRecord, received: datetime) -> tuple[_NewState, list[ProgressRecord]]:
    state = _NewState(record.code, record.status, received, record.finished_at,
                      record.returned_at, record.newest_progress_at, record.portal_due_at)
    steps: list[ProgressRecord] = []
    seen: set[str] = set()
    for step in sorted(record.progress_in_order, key=step_order):  # as `_queue_steps`
        dedup = progress_hash(step)
        if dedup not in seen:
            seen.add(dedup)
            steps.append(step)
            advance(state, step)
    return state, steps


def page_clocks(
    parsed: Sequence[Parsed], snapshot: ClockSnapshot, calendar: CivilServiceCalendar,
    horizon: datetime,
) -> list[ClockAhead | None]:
    """Each parsed record's `ClockAhead` when it may be a new dossier alone in its page."""
    codes = Counter(r.code if isinstance(r, DossierRecord) else r.dossier_code
                    for r in parsed if not isinstance(r, Failure))
    items: list[AheadItem] = []
    positions: list[int] = []
    for position, record in enumerate(parsed):
        if not isinstance(record, DossierRecord) or codes[record.code] != 1:
            continue
        # without either instant the writer receives it at its own `now`
        received = record.received_at or record.submitted_at
        rule = snapshot.rules.get(record.procedure_code)
        if received is None or rule is None:
            continue
        state, steps = _new_state(record, received)
        items.append((state, rule, snapshot.hours.get(record.agency, snapshot.default_hours),
                      steps))
        positions.append(position)
    out: list[ClockAhead | None] = [None] * len(parsed)
    for position, clock in zip(positions, clocks_ahead(items, calendar, horizon), strict=True):
        out[position] = clock
    return out


def verified_clocks(
    ahead: ClocksAhead | None, new_dossiers: Sequence[NewDossier], alone: set[str],
    context: DeadlineContext, procedures: dict[int, Procedure], now: datetime,
) -> dict[str, ClockAhead]:
    """The writer's check: of ``new_dossiers`` (each new, not stored: the upsert created it),
    those whose clock the worker computed as the writer would compute it now. The code is
    ``alone`` in the page (so the dossier is the worker's record with its own steps), the
    procedure's rule, the agency's office hours and the calendar are those in force now, and
    every instant the worker read is at or before ``now``."""
    if (ahead is None or not ahead.by_code or not now_in_range(now)
            or ahead.overrides != context.calendar.overrides):
        return {}
    rules: dict[tuple[int, int], bool] = {}  # (procedure id, id of the worker's rule)
    hours: dict[tuple[int, int], bool] = {}  # (agency id, id of the worker's hours)
    out: dict[str, ClockAhead] = {}
    for d in new_dossiers:
        clock = ahead.by_code.get(d.code)
        if (clock is None or d.code not in alone or clock.received_at != d.received_at
                or not usable(clock, now)):
            continue
        rule_key, hours_key = (d.procedure_id, id(clock.rule)), (d.agency_id, id(clock.hours))
        if rule_key not in rules:
            rules[rule_key] = procedure_rule(procedures.get(d.procedure_id)) == clock.rule
        if hours_key not in hours:
            hours[hours_key] = context.schedule_for(d.agency_id) == clock.hours
        if rules[rule_key] and hours[hours_key]:
            out[d.code] = clock
    return out
