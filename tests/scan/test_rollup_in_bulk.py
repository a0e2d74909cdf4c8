"""The scan counts its clock UPDATE into the rate rollup with grouped statements (migration
0017) instead of the row trigger: the rollup must still equal a recount from scratch, and the
trigger must still count every other write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.db.session import make_engine
from app.models import Dossier, RateRollup, RateRollupDeferral
from app.rates.rollups import repository as rollup_rows
from app.rates.rollups import service as rollups
from app.scan.service import run_scan
from tests.factories import local
from tests.scan.scenario import AFTER_DUE, RECEIVED, add_dossier, make_case


def _world(session: Session) -> list[Dossier]:
    """Open dossiers whose first scan moves them between rollup rows: received in several
    months (one a second before a local month starts), due in this month or the last, one
    already carrying a due, one paused by nothing but a finished neighbour in its row."""
    case = make_case(session)
    other = make_case(session, "-2")
    received = [RECEIVED, RECEIVED - timedelta(days=20), local(2026, 3, 1, 0, 0) - timedelta(
        seconds=1), RECEIVED - timedelta(days=40), RECEIVED + timedelta(days=5)]
    dossiers = [
        add_dossier(session, case if i % 2 else other, f"BULK-{i:03d}", received_at=at)
        for i, at in enumerate(received * 3)
    ]
    dossiers[0].due_at = RECEIVED + timedelta(days=60)  # a stored due the scan replaces
    add_dossier(session, case, "BULK-DONE", finished_at=RECEIVED + timedelta(days=1), status=10)
    session.flush()
    return dossiers


def _deferrals(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(RateRollupDeferral)) or 0)


def test_a_scan_leaves_the_rollup_equal_to_a_recount(db_session: Session) -> None:
    _world(db_session)
    before = rollup_rows.stored_rows(db_session)
    assert rollups.verify(db_session) == []
    counts = run_scan(db_session, AFTER_DUE)
    assert counts.became_overdue >= 5 and counts.late_without_apology >= 5
    assert rollups.verify(db_session) == []
    after = rollup_rows.stored_rows(db_session)
    assert after != before  # the scan's writes did reach the rollup (dues, flags)
    assert db_session.scalar(select(func.sum(RateRollup.lwa))) == counts.late_without_apology
    assert db_session.scalar(select(func.sum(RateRollup.n))) == 16
    assert _deferrals(db_session) == 0
    run_scan(db_session, AFTER_DUE + timedelta(days=3))  # a later scan changes little
    assert rollups.verify(db_session) == []


def test_the_trigger_still_counts_writes_outside_the_scan(db_session: Session) -> None:
    dossiers = _world(db_session)
    run_scan(db_session, AFTER_DUE)
    before = rollup_rows.stored_rows(db_session)
    moved = dossiers[3]
    moved.due_at = local(2026, 7, 1, 9, 0)  # into another month: another rollup row
    moved.late_without_apology = False
    db_session.flush()
    db_session.execute(update(Dossier).where(Dossier.id == dossiers[4].id).values(status=10,
                       finished_at=AFTER_DUE))
    assert rollup_rows.stored_rows(db_session) != before
    assert rollups.verify(db_session) == []


def test_an_error_inside_the_bulk_count_leaves_the_trigger_on(db_session: Session) -> None:
    dossiers = _world(db_session)
    with pytest.raises(RuntimeError), rollups.counted_in_bulk(db_session, [dossiers[1].id]):
        assert _deferrals(db_session) == 1
        raise RuntimeError("the clock UPDATE failed")
    assert _deferrals(db_session) == 0
    assert rollups.verify(db_session) == []
    dossiers[1].due_at = AFTER_DUE
    db_session.flush()
    assert rollups.verify(db_session) == []


def test_inside_the_bulk_count_the_trigger_is_skipped(db_session: Session) -> None:
    """The deferral is what makes the grouped count exact: were the trigger to count the same
    UPDATE too, the rows would be counted twice."""
    dossiers = _world(db_session)
    ids = [d.id for d in dossiers]
    with rollups.counted_in_bulk(db_session, ids):
        counted_out = rollup_rows.stored_rows(db_session)
        db_session.execute(update(Dossier).where(Dossier.id.in_(ids)).values(due_at=AFTER_DUE))
        assert rollup_rows.stored_rows(db_session) == counted_out
    assert rollups.verify(db_session) == []


def test_on_postgresql_the_counted_rows_wait_for_the_count(
    backend: str, fresh_database_url: str
) -> None:
    """A dossier counted out as read must not change under another transaction before it is
    counted back in: on PostgreSQL that writer waits for the block's transaction (on the
    dossier's row lock, taken first so that it does not instead wait on the rollup rows counted
    out while holding the dossier the scan's UPDATE then waits for: a deadlock)."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    engine = make_engine(fresh_database_url)
    try:
        with Session(engine) as setup:
            dossiers = _world(setup)
            ids = [d.id for d in dossiers]
            setup.commit()
        with Session(engine) as scan:
            with rollups.counted_in_bulk(scan, ids[:3]):
                with engine.connect() as other:
                    other.execute(text("SET lock_timeout = '200ms'"))
                    with pytest.raises(OperationalError, match="lock timeout"):
                        other.execute(update(Dossier).where(Dossier.id == ids[1])
                                      .values(due_at=AFTER_DUE))
                    other.rollback()
                    # a column the rollup does not watch: only the dossier's own row lock
                    # (not the rollup rows counted out) can make this writer wait
                    other.execute(text("SET lock_timeout = '200ms'"))
                    with pytest.raises(OperationalError, match="lock timeout"):
                        other.execute(update(Dossier).where(Dossier.id == ids[2])
                                      .values(escalated=True))
                    other.rollback()
                    other.execute(update(Dossier).where(Dossier.id == ids[5])  # not counted: free
                                  .values(due_at=AFTER_DUE))
                    other.commit()
                scan.execute(update(Dossier).where(Dossier.id.in_(ids[:3]))
                             .values(due_at=AFTER_DUE))
            scan.commit()
        with Session(engine) as check:
            assert rollups.verify(check) == []
    finally:
        engine.dispose()
