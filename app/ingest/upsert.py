"""Step 3 of ingestion: typed records -> agency, procedure, dossier, applicant, event rows.

Ordering rules (PORTAL.md, "Progress record"):

* A dossier's stored state stands *as of* the newest of its progress instant, receipt, finish and
  return; a dossier record stands as of the same instants of its own. A record older than the
  stored state is a **stale copy**: its new progress steps are added, nothing else changes, so
  status, finished_at and returned_at never roll back.
* A progress step strictly newer than the stored state sets the status (and finished_at /
  returned_at when it finishes or returns the dossier). A record's own embedded steps are never
  newer than the record, so its TrangThaiHoSo stands for the record's moment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

from sqlalchemy.orm import Session

from app.core.clock import to_local
from app.dossiers.deadline_sync import DeadlineContext, initial_clock_values
from app.ingest import repository as repo
from app.ingest.hashing import content_hash, progress_hash
from app.ingest.new_rows import NewDossier
from app.models import Agency, Dossier, DossierApplicant, Procedure
from connectors import DossierRecord, ProgressRecord

Outcome = Literal["stored", "updated", "unchanged"]
AnyDossier = Dossier | NewDossier

NEW_DECREE_FROM: Final = date(2025, 7, 1)
OLD_BASIS: Final = "61/2018/NĐ-CP"
NEW_BASIS: Final = "118/2025/NĐ-CP"
FINISHED, RETURNED = 9, 10
_CODE_LIKE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")


def legal_basis(received_at: datetime) -> str:
    """The decree a dossier is judged by: its receipt date in local time decides."""
    return OLD_BASIS if to_local(received_at).date() < NEW_DECREE_FROM else NEW_BASIS


# How far along a dossier is, for two copies that stand as of the same instant: steps such as
# "finished" (9) and "returned" (10) often share one timestamp, and a copy cut after the 9 must
# not undo the 10.
_STAGE: Final = {1: 0, 2: 1, 4: 2, 5: 3, 6: 3, 9: 4, 10: 5, 3: 6, 7: 6, 8: 6}


def _stage(status: int) -> int:
    return _STAGE.get(status, 0)


def _as_of(*instants: datetime | None) -> datetime:
    return max(i for i in instants if i is not None)


def _stored_as_of(d: AnyDossier) -> datetime:
    return _as_of(d.newest_progress_at, d.received_at, d.finished_at, d.returned_at)


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

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.dossiers: dict[str, AnyDossier] = {}
        self.agencies_by_code: dict[str, Agency] = {}
        self.agencies_by_name: dict[str, Agency] = {}
        self.procedures: dict[str, Procedure] = {}
        self.applicants: dict[int, DossierApplicant] = {}
        self.known_events: set[str] = set()
        self.events: list[_PendingEvent] = []
        self.new_dossiers: list[NewDossier] = []
        self.new_applicants: dict[str, dict[str, Any]] = {}
        self.touched: dict[str, Dossier] = {}

    # -- loading -------------------------------------------------------------------------------

    def load(
        self, dossiers: Sequence[tuple[DossierRecord, str | None]], steps: Sequence[ProgressRecord]
    ) -> None:
        codes = sorted({r.code for r, _ in dossiers} | {s.dossier_code for s in steps})
        self.dossiers = dict(repo.dossiers_by_code(self.session, codes))
        keys = sorted({r.agency for r, _ in dossiers} | {m for _, m in dossiers if m})
        for agency in repo.agencies_matching(self.session, keys):
            self.agencies_by_code[agency.code] = agency
            self.agencies_by_name.setdefault(agency.name, agency)
        self.procedures = repo.procedures_by_code(
            self.session, sorted({r.procedure_code for r, _ in dossiers})
        )
        self._create_reference_rows(dossiers)
        # the dedup hash contains the dossier code, so the hashes alone identify the steps
        ids = sorted(d.id for d in self.dossiers.values())
        self.known_events = {h for _, h in repo.event_hashes(self.session, ids)}
        with_people = sorted({self.dossiers[r.code].id for r, _ in dossiers
                              if r.code in self.dossiers})
        self.applicants = repo.applicants_by_dossier(self.session, with_people)

    def _create_reference_rows(self, dossiers: Sequence[tuple[DossierRecord, str | None]]) -> None:
        created: list[Any] = []
        for record, madonvi in dossiers:
            if self._agency(record.agency) is None:
                created.append(self._new_agency(record.agency, madonvi))
            if record.procedure_code not in self.procedures:
                proc = Procedure(
                    code=record.procedure_code, name=record.procedure_name,
                    field_code=record.field_code, field_name=record.field_name,
                    in_catalogue=False, restart_on_supplement=False,
                    created_at=self.now, updated_at=self.now,
                )
                self.procedures[proc.code] = proc
                created.append(proc)
        if created:
            repo.add_all(self.session, created)

    def _agency(self, key: str) -> Agency | None:
        return self.agencies_by_code.get(key) or self.agencies_by_name.get(key)

    def _new_agency(self, key: str, madonvi: str | None) -> Agency:
        # DonViXuLy is a code or a name. A name gets the envelope's madonvi as its code when that
        # code is still free, else a stable code derived from the name.
        if _CODE_LIKE.fullmatch(key):
            code = key
        elif madonvi and madonvi not in self.agencies_by_code:
            code = madonvi
        else:
            code = "auto-" + content_hash(key)[:16]
        agency = Agency(code=code, name=key, auto_created=True, auto_approve_notices=False,
                        created_at=self.now, updated_at=self.now)
        self.agencies_by_code[code] = agency
        self.agencies_by_name.setdefault(key, agency)
        return agency

    # -- applying ------------------------------------------------------------------------------

    def apply_dossier(self, record: DossierRecord, raw_id: int) -> Outcome:
        dossier = self.dossiers.get(record.code)
        if dossier is None:
            dossier = self._create_dossier(record, raw_id)
            self._queue_steps(dossier, record.progress_in_order)
            return "stored"
        record_as_of = _as_of(record.newest_progress_at, record.received_at,
                              record.finished_at, record.returned_at)
        changed = False
        stored_as_of = _stored_as_of(dossier)
        if record_as_of > stored_as_of or (
            record_as_of == stored_as_of and _stage(record.status) >= _stage(dossier.status)
        ):
            changed = self._apply_fields(dossier, record, raw_id)
            changed = self._apply_applicant(dossier, record) or changed
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
        dossier = NewDossier(
            code=record.code, **self._field_values(record, None), raw_record_id=raw_id,
            created_at=self.now, updated_at=self.now,
        )
        self.dossiers[record.code] = dossier
        self.new_dossiers.append(dossier)
        self.new_applicants[record.code] = self._applicant_values(record)
        return dossier

    def _apply_fields(self, d: AnyDossier, r: DossierRecord, raw_id: int) -> bool:
        changed = False
        for attr, value in self._field_values(r, d.newest_progress_at).items():
            changed = _set(d, attr, value) or changed
        # the raw row only follows a real change, so re-sending identical data is a no-op
        if changed or d.raw_record_id is None:
            d.raw_record_id = raw_id
        return changed

    def _field_values(self, r: DossierRecord, newest_stored: datetime | None) -> dict[str, Any]:
        agency = self._agency(r.agency)
        assert agency is not None  # created in load()
        newest = max((i for i in (newest_stored, r.newest_progress_at) if i), default=None)
        return {
            "procedure_id": self.procedures[r.procedure_code].id,
            "agency_id": agency.id, "channel": r.channel, "applicant_type": r.applicant_type,
            "summary": r.summary, "receipt_number": r.receipt_number, "status": r.status,
            "received_at": r.received_at, "portal_due_at": r.portal_due_at,
            "finished_at": r.finished_at, "returned_at": r.returned_at,
            "legal_basis": legal_basis(r.received_at), "newest_progress_at": newest,
            "note": r.note,
        }

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
        for step in sorted(steps, key=lambda s: (s.at, s.status, s.content)):
            dedup = progress_hash(step)
            if dedup in self.known_events:
                continue
            self.known_events.add(dedup)
            self.events.append(_PendingEvent(d, step, dedup))
            self._advance(d, step)
            added = True
        return added

    def _advance(self, d: AnyDossier, step: ProgressRecord) -> None:
        if step.at > _stored_as_of(d):
            d.status = step.status
            if step.status == FINISHED and d.finished_at is None:
                d.finished_at = step.at
            if step.status == RETURNED and d.returned_at is None:
                d.returned_at = step.at
        if d.newest_progress_at is None or step.at > d.newest_progress_at:
            d.newest_progress_at = step.at

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

    def _insert_new_dossiers(self, context: DeadlineContext) -> None:
        if not self.new_dossiers:
            return
        steps: dict[str, list[ProgressRecord]] = {d.code: [] for d in self.new_dossiers}
        for event in self.events:  # queue order is the events' insertion (id) order
            if isinstance(event.dossier, NewDossier):
                steps[event.dossier.code].append(event.step)
        procedures = {p.id: p for p in self.procedures.values()}
        clocks = initial_clock_values(
            [(d, procedures.get(d.procedure_id), steps[d.code]) for d in self.new_dossiers],
            context, self.now,
        )
        rows = [d.row(clock) for d, clock in zip(self.new_dossiers, clocks, strict=True)]
        # stored dossiers' pending changes go first, as the unit of work did
        self.session.flush()
        ids = repo.insert_dossiers(self.session, rows)
        for d in self.new_dossiers:
            d.id = ids[d.code]
