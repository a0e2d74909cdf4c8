"""Step 3 of ingestion: typed records -> agency, procedure, dossier, applicant, event rows.

Ordering rules (PORTAL.md, "Progress record"):

* A snapshot is dated by its own instants (receipt, submission, finish, return, refusal,
  supplement rounds, embedded progress), never by when it arrived. One at least as recent as
  the last applied snapshot describes the dossier (appointment, channel, names...): of two
  equally dated, the later delivery wins, so a re-appointment is taken.
* Its status, finish and return apply only when it is at least as recent as everything stored
  (steps included), ties going to the later status in progression order: status never rolls
  back.
* A step at least as recent as the stored state (same instant: a later status in progression)
  sets the status; steps of one instant apply in progression order whatever order they came
  in. What the steps mean for the finish is settled afterwards by the deadline bridge
  (`app.deadlines.store.steps`), which also writes the finish and return instants.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.core.clock import to_local
from app.db.pg_copy import is_postgresql
from app.deadlines.status import under_decree_118
from app.deadlines.store.ahead import finish_ahead
from app.deadlines.store.sync import (
    DeadlineContext,
    Readings,
    initial_clock_values,
)
from app.ingest import repository as repo
from app.ingest.advance import advance, step_order, stored_as_of
from app.ingest.clock_ahead import ClocksAhead, verified_clocks
from app.ingest.hashing import progress_hash
from app.ingest.new_rows import NewDossier
from app.ingest.reference_rows import ReferenceRows
from app.models import Dossier, DossierApplicant
from connectors import DataFlag, DossierRecord, ProgressRecord, progression_rank
from connectors.portal.fields import format_portal_date

Outcome = Literal["stored", "updated", "unchanged"]
AnyDossier = Dossier | NewDossier

OLD_BASIS: Final = "61/2018/NĐ-CP"
NEW_BASIS: Final = "118/2025/NĐ-CP"
#: What progress steps move on a stored dossier (`advance`, `_touch`), in UPDATE order
STEP_COLUMNS: Final = ("status", "newest_progress_at", "updated_at")
_STEP_SET: Final = frozenset(STEP_COLUMNS)
#: new dossiers from which one grouped statement counts them into the rollup (SQLite)
BULK_ROLLUP_ROWS: Final = 100
#: How a page of at least `BULK_ROLLUP_ROWS` new dossiers is inserted: ``(session, insert,
#: ids_of)`` runs ``insert`` and returns its result. None: the insert alone, the rate rollup's
#: row trigger counting each dossier. The `tthc ingest` commands (app/cli.py) put the rollup's
#: grouped count here (`rates.rollups.service.insert_counted_in_bulk`, SQLite's gain), which
#: this package may not import (the layers, tests/structure/test_layers.py); the server's
#: SQLite pages are a delivery's few, and on PostgreSQL the count is the insert's own trigger
#: once per statement. The stored rows are the same either way.
bulk_insert: Callable[..., Any] | None = None


def legal_basis(received_at: datetime) -> str:
    """The decree a dossier is judged by: its receipt date in local time decides."""
    return NEW_BASIS if under_decree_118(to_local(received_at).date()) else OLD_BASIS


def _set(obj: Any, attr: str, value: Any) -> bool:
    if getattr(obj, attr) == value:
        return False
    setattr(obj, attr, value)
    return True


@dataclass(slots=True)
class _PendingEvent:
    dossier: AnyDossier
    step: ProgressRecord
    dedup: str


class BatchUpserter:
    """Upserts one page of valid records with a fixed number of queries."""

    def __init__(self, session: Session, now: datetime, ahead: ClocksAhead | None = None) -> None:
        self.session = session
        self.now = now
        self.ahead = ahead
        #: codes named by exactly one record of the page (dossier or step)
        self.alone: set[str] = set()
        self.refs = ReferenceRows(session, now)
        self.dossiers: dict[str, AnyDossier] = {}
        self.applicants: dict[int, DossierApplicant] = {}
        self.known_events: set[str] = set()
        self.events: list[_PendingEvent] = []
        self.new_dossiers: list[NewDossier] = []
        self.new_applicants: dict[str, dict[str, Any]] = {}
        self.touched: dict[str, Dossier] = {}
        #: (dossier code, flag): what the records got wrong, recorded once the rows have ids
        self.flags: list[tuple[str, DataFlag]] = []
        #: each new dossier's step reading, by code (the ingest records its flags)
        self.readings: Readings = {}

    def load(
        self, dossiers: Sequence[tuple[DossierRecord, str | None]], steps: Sequence[ProgressRecord]
    ) -> None:
        codes = sorted({r.code for r, _ in dossiers} | {s.dossier_code for s in steps})
        if self.ahead is not None:
            named = Counter([r.code for r, _ in dossiers] + [s.dossier_code for s in steps])
            self.alone = {code for code, n in named.items() if n == 1}
        self.dossiers = dict(repo.dossiers_by_code(self.session, codes))
        self.refs.load(dossiers)
        # the dedup hash contains the dossier code, so the hashes alone identify the steps
        ids = sorted(d.id for d in self.dossiers.values())
        self.known_events = {h for _, h in repo.event_hashes(self.session, ids)}
        with_people = sorted({self.dossiers[r.code].id for r, _ in dossiers
                              if r.code in self.dossiers})
        self.applicants = repo.applicants_by_dossier(self.session, with_people)

    # -- applying ------------------------------------------------------------------------------

    def apply_dossier(self, record: DossierRecord, raw_id: int) -> Outcome:
        self.flags.extend((record.code, flag) for flag in record.flags)
        dossier = self.dossiers.get(record.code)
        if dossier is None:
            dossier = self._create_dossier(record, raw_id)
            self._queue_steps(dossier, record.progress_in_order)
            return "stored"
        own = record.own_as_of
        changed = False
        if dossier.snapshot_at is None or (own is not None and own >= dossier.snapshot_at):
            changed = self._describe(dossier, record, raw_id, own)
            changed = self._apply_applicant(dossier, record) or changed
        if own is not None and (own, progression_rank(record.status)) >= (
            stored_as_of(dossier), progression_rank(dossier.status)
        ):
            for attr in ("status", "finished_at", "returned_at"):
                changed = _set(dossier, attr, getattr(record, attr)) or changed
        changed = self._queue_steps(dossier, record.progress_in_order) or changed
        if changed:
            self._touch(dossier)
        return "updated" if changed else "unchanged"

    def apply_progress(self, step: ProgressRecord) -> Outcome | None:
        """None when the dossier is unknown (the caller quarantines the step)."""
        dossier = self.dossiers.get(step.dossier_code)
        if dossier is None:
            return None
        if not self._queue_steps(dossier, (step,)):
            return "unchanged"
        self._touch(dossier)
        return "stored"

    def _create_dossier(self, record: DossierRecord, raw_id: int) -> NewDossier:
        received = record.received_at or record.submitted_at or self.now
        dossier = NewDossier(
            code=record.code, **self._descriptive(record, received), status=record.status,
            finished_at=record.finished_at, returned_at=record.returned_at,
            newest_progress_at=record.newest_progress_at, snapshot_at=record.own_as_of,
            raw_record_id=raw_id, created_at=self.now, updated_at=self.now,
        )
        self.dossiers[record.code] = dossier
        self.new_dossiers.append(dossier)
        self.new_applicants[record.code] = self._applicant_values(record)
        return dossier

    def _descriptive(self, r: DossierRecord, received: datetime) -> dict[str, Any]:
        agency = self.refs.agency(r.agency)
        assert agency is not None  # created in load()
        return {
            "procedure_id": self.refs.procedures[r.procedure_code].id, "agency_id": agency.id,
            "channel": r.channel, "result_by_post": r.result_by_post,
            "applicant_type": r.applicant_type, "summary": r.summary,
            "receipt_number": r.receipt_number, "received_at": received,
            "portal_due_at": r.portal_due_at, "legal_basis": legal_basis(received),
            "note": r.note,
        }

    def _describe(
        self, d: AnyDossier, r: DossierRecord, raw_id: int, own: datetime | None
    ) -> bool:
        values = self._descriptive(r, r.received_at or d.received_at)
        # What a snapshot leaves empty is not known to be empty: it keeps what an earlier one
        # said. The appointment is the exception: "no appointment" is an answer.
        keep = ("channel", "applicant_type", "summary", "receipt_number", "note")
        changed = False
        for attr, value in values.items():
            if value is None and attr in keep:
                continue
            changed = _set(d, attr, value) or changed
        if own is not None and (d.snapshot_at is None or own > d.snapshot_at):
            d.snapshot_at = own
        # the raw row only follows a real change, so re-sending identical data is a no-op
        if changed or d.raw_record_id is None:
            d.raw_record_id = raw_id
        return changed

    @staticmethod
    def _applicant_values(r: DossierRecord) -> dict[str, Any]:
        ids = [{"kind": i.kind, "number": i.number} for i in r.id_numbers] or None
        return {"name": r.applicant_name, "phone": r.phone, "email": r.email, "fax": r.fax,
                "id_numbers": ids}

    def _apply_applicant(self, d: AnyDossier, r: DossierRecord) -> bool:
        # A source that omits personal data does not erase what another source gave.
        values = {k: v for k, v in self._applicant_values(r).items() if v is not None}
        if not values:
            return False
        pending = self.new_applicants.get(d.code)
        if pending is not None:  # created earlier in this batch, not inserted yet
            before = dict(pending)
            pending.update(values)
            return pending != before
        applicant = self.applicants.get(d.id)
        if applicant is None:
            applicant = DossierApplicant(dossier_id=d.id)
            self.session.add(applicant)
            self.applicants[d.id] = applicant
        changed = False
        for attr, value in values.items():
            changed = _set(applicant, attr, value) or changed
        return changed

    def _queue_steps(self, d: AnyDossier, steps: Sequence[ProgressRecord]) -> bool:
        added = False
        for step in sorted(steps, key=step_order):
            dedup = progress_hash(step)
            if dedup in self.known_events:
                continue
            self.known_events.add(dedup)
            self.events.append(_PendingEvent(d, step, dedup))
            self.flags.extend(
                (d.code, DataFlag(f.code, f"{f.field} {format_portal_date(step.at)}", f.value))
                for f in step.flags
            )
            contradicted = advance(d, step)
            if contradicted is not None:
                self.flags.append((d.code, contradicted))
            added = True
        return added

    def _touch(self, d: AnyDossier) -> None:
        d.updated_at = self.now
        if isinstance(d, Dossier):  # a new one gets its clock state when it is inserted
            self.touched[d.code] = d

    # -- writing -------------------------------------------------------------------------------

    def finish(self, context: DeadlineContext) -> list[Dossier]:
        """Insert new dossiers (with their clock columns), applicants and events; return the
        stored dossiers that changed, whose deadlines the caller refreshes."""
        self._insert_new_dossiers(context)
        repo.insert_events(self.session, [
            {
                "dossier_id": e.dossier.id, "dedup_hash": e.dedup, "at": e.step.at,
                "status": e.step.status, "content": e.step.content or None,
                "department": e.step.department, "officer": e.step.officer,
                "officer_title": e.step.officer_title, "step_started_at": e.step.step_started_at,
                "step_due_at": e.step.step_due_at, "recorded_at": self.now,
            }
            for e in self.events
        ])
        repo.insert_applicants(self.session, [
            {"dossier_id": self.dossiers[code].id, **values}
            for code, values in self.new_applicants.items()
            if any(v is not None for v in values.values())
        ])
        self.session.flush()
        return list(self.touched.values())

    def write_step_moves(self) -> None:
        """On PostgreSQL, the stored dossiers that only steps moved are written as ONE
        UPDATE: the unit of work sent one per dossier, each probing every monthly partition
        (~0.2 ms of PostgreSQL per step on the receiver bench, docs/scaling.md, round 9).
        The objects then hold those values as committed, as after their own flush. The
        caller calls it before its first query once the records are applied (that query's
        autoflush would send them one by one)."""
        if not self.touched or not is_postgresql(self.session):
            return
        moved = [d for d in self.touched.values()
                 if (changed := inspect(d).committed_state.keys()) and changed <= _STEP_SET]
        repo.update_dossier_columns(self.session, moved, STEP_COLUMNS)
        for dossier in moved:
            for column in STEP_COLUMNS:
                set_committed_value(dossier, column, getattr(dossier, column))

    def _insert_new_dossiers(self, context: DeadlineContext) -> None:
        if not self.new_dossiers:
            return
        steps: dict[str, list[ProgressRecord]] = {d.code: [] for d in self.new_dossiers}
        for event in self.events:
            if isinstance(event.dossier, NewDossier):
                steps[event.dossier.code].append(event.step)
        procedures = {p.id: p for p in self.refs.procedures.values()}
        ahead = verified_clocks(self.ahead, self.new_dossiers, self.alone, context,
                                procedures, self.now)
        rest = [d for d in self.new_dossiers if d.code not in ahead]
        clocks = dict(zip([d.code for d in rest], initial_clock_values(
            [(d, procedures.get(d.procedure_id), steps[d.code]) for d in rest],
            context, self.now, self.readings,
        ), strict=True))
        pairs = [(d, ahead[d.code]) for d in self.new_dossiers if d.code in ahead]
        clocks.update(zip([d.code for d, _ in pairs], finish_ahead(pairs, context, self.now),
                          strict=True))
        for d, clock in pairs:
            self.readings[d.code] = clock.reading
        rows = [d.row(clocks[d.code]) for d in self.new_dossiers]
        # stored dossiers' pending changes go first, as the unit of work did
        self.session.flush()
        # many (a file import's page), on SQLite: counted into the rate rollup by one grouped
        # upsert rather than by the row trigger; a few (a delivery) keep the trigger
        ids: dict[str, int] = bulk_insert(
            self.session, lambda: repo.insert_dossiers(self.session, rows),
            lambda inserted: list(inserted.values()),
        ) if bulk_insert is not None and len(rows) >= BULK_ROLLUP_ROWS else \
            repo.insert_dossiers(self.session, rows)
        for d in self.new_dossiers:
            d.id = ids[d.code]
