"""Two drafters at once on PostgreSQL: register numbers stay gapless and unique, and a dossier
never gets two notices. (SQLite serialises writers, so there is no race to test there.)"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.session import make_engine, make_session_factory, session_scope
from app.deadlines.store.sync import load_context, refresh_deadlines
from app.models import Dossier, Notice
from app.notices.drafting import insert_draft
from app.scan.service import run_scan
from tests.scan.scenario import ONE_DAY_BEFORE, add_dossier, make_case

PER_THREAD = 15


def _together(*workers: Callable[[], None]) -> None:
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


def test_two_concurrent_drafters_number_without_gaps(backend: str, fresh_database_url: str) -> None:
    if backend != "postgresql":
        pytest.skip("a real writer race needs PostgreSQL")
    engine = make_engine(fresh_database_url, pool_size=4)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        case = make_case(session)
        codes = [f"RACE-{i:03d}" for i in range(2 * PER_THREAD)]
        for code in codes:
            add_dossier(session, case, code)
        refresh_deadlines(session, session.scalars(select(Dossier)).all(), ONE_DAY_BEFORE)

    def drafter(mine: list[str]) -> Callable[[], None]:
        def work() -> None:
            for code in mine:
                with session_scope(factory) as session:  # one commit per notice
                    dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
                    context = load_context(session)
                    insert_draft(session, dossier, None, ONE_DAY_BEFORE, actor="t", context=context)

        return work

    _together(drafter(codes[0::2]), drafter(codes[1::2]))
    # Then two whole scans at once over new dossiers: each gets exactly one notice.
    with session_scope(factory) as session:
        for i in range(PER_THREAD):
            add_dossier(session, case, f"SCAN-{i:03d}")

    def scanner() -> None:
        with session_scope(factory) as session:
            run_scan(session, ONE_DAY_BEFORE)

    _together(scanner, scanner)
    with Session(engine) as session:
        notices = session.scalars(select(Notice).order_by(Notice.number)).all()
    engine.dispose()
    assert [n.number for n in notices] == list(range(1, 3 * PER_THREAD + 1))
    assert len({n.dossier_id for n in notices}) == len(notices)
