"""The scan's drafts are numbered and inserted together (`drafting.insert_drafts`): the same
notices, numbers and events as drafting them one at a time, and a lost race still costs only
the dossier another drafter took."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deadlines.store.sync import load_context, refresh_deadlines
from app.models import Dossier, Notice, NoticeEvent
from app.notices import drafting
from app.notices import service as notices
from app.scan.drafts import SCAN_ACTOR
from app.scan.service import run_scan
from tests.scan.scenario import ONE_DAY_BEFORE, Case, add_dossier, make_case

COLUMNS = ("dossier_id", "issuing_agency_id", "year", "number", "symbol", "status", "reason",
           "original_due_at", "new_due_at", "approved_by")


def _world(session: Session) -> tuple[list[Dossier], dict[int, Case]]:
    """Two agencies in turn, the second approving automatically and with notices numbered
    before (its register goes on from 07)."""
    first, second = make_case(session), make_case(session, "-B", auto_approve=True)
    earlier = add_dossier(session, second, "EARLIER")
    run_scan(session, ONE_DAY_BEFORE)
    session.scalars(select(Notice).where(Notice.dossier_id == earlier.id)).one().number = 6
    dossiers = [add_dossier(session, first if i % 3 else second, f"D-{i}") for i in range(7)]
    session.flush()
    return dossiers, {first.agency.id: first, second.agency.id: second}


def _stored(session: Session, dossiers: list[Dossier]) -> list[tuple[Any, ...]]:
    """The notices of `dossiers` in insertion order, and their events in order."""
    ids = [d.id for d in dossiers]
    notices = session.scalars(
        select(Notice).where(Notice.dossier_id.in_(ids)).order_by(Notice.id)).all()
    # ids as positions: PostgreSQL's sequences do not roll back with the savepoint
    position = {d.id: i for i, d in enumerate(dossiers)}
    agencies = {a: i for i, a in enumerate(sorted({d.agency_id for d in dossiers}))}
    rows: list[tuple[Any, ...]] = [
        (position[n.dossier_id], agencies[n.issuing_agency_id],
         *(getattr(n, c) for c in COLUMNS[2:]))
        for n in notices
    ]
    by_id = {n.id: position[n.dossier_id] for n in notices}
    events = session.execute(select(NoticeEvent.notice_id, NoticeEvent.action, NoticeEvent.actor)
                             .where(NoticeEvent.notice_id.in_(list(by_id)))
                             .order_by(NoticeEvent.id))
    return rows + [(by_id[n], action, actor) for n, action, actor in events]


Drafter = Callable[[Session, list[Dossier], dict[int, Case]], None]


def _drafts_by(session: Session, draft: Drafter) -> list[tuple[Any, ...]]:
    nested = session.begin_nested()
    dossiers, cases = _world(session)
    draft(session, dossiers, cases)
    stored = _stored(session, dossiers)
    nested.rollback()
    return stored


def _by_scan(session: Session, dossiers: list[Dossier], cases: dict[int, Case]) -> None:
    assert run_scan(session, ONE_DAY_BEFORE).drafted == len(dossiers)


def _alone(session: Session, dossiers: list[Dossier], cases: dict[int, Case]) -> None:
    """What the scan did before: insert_draft, then the approval when the agency says so."""
    context = load_context(session)
    refresh_deadlines(session, dossiers, ONE_DAY_BEFORE, context)  # their dues, as the scan
    for dossier in dossiers:
        case = cases[dossier.agency_id]
        notice = drafting.insert_draft(session, dossier, case.procedure, ONE_DAY_BEFORE,
                                       actor=SCAN_ACTOR, context=context)
        assert notice is not None
        if case.agency.auto_approve_notices:
            notices.approve(session, notice.id, ONE_DAY_BEFORE, actor=notices.AUTO_ACTOR)


def test_the_scans_drafts_equal_drafting_one_at_a_time(db_session: Session) -> None:
    scanned, drafted_alone = _drafts_by(db_session, _by_scan), _drafts_by(db_session, _alone)
    assert scanned == drafted_alone
    numbers = sorted(row[3] for row in scanned if len(row) == len(COLUMNS))
    assert numbers == [1, 2, 3, 4, 7, 8, 9]  # the second agency's register goes on from 07
    assert sum(1 for row in scanned if row[1:] == ("approved", notices.AUTO_ACTOR)) == 3


def test_a_dossier_drafted_meanwhile_costs_only_itself(db_session: Session) -> None:
    dossiers, cases = _world(db_session)
    context = load_context(db_session)
    refresh_deadlines(db_session, dossiers, ONE_DAY_BEFORE, context)
    procedure = next(iter(cases.values())).procedure
    taken = drafting.insert_draft(db_session, dossiers[1], procedure, ONE_DAY_BEFORE,
                                  actor="someone", context=context)
    assert taken is not None
    drafted = drafting.insert_drafts(
        db_session, [(d, procedure, None) for d in dossiers], ONE_DAY_BEFORE,
        actor=SCAN_ACTOR, context=context)
    assert drafted[1] is None and all(n is not None for i, n in enumerate(drafted) if i != 1)
    first = [n.number for i, n in enumerate(drafted) if n is not None and i % 3]
    assert first == [2, 3, 4]  # after the one taken meanwhile, no gap, no duplicate
