"""A partitioned `dossier` behaves as the plain one: a code is unique, a delete cascades to the
children, a corrected receipt keeps everything, and the rate rollup stays exact. The behaviours
run on both backends (SQLite: the plain layout they must match); partition checks on PostgreSQL.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from app.db.session import make_engine
from app.models import (
    Agency,
    Dossier,
    DossierApplicant,
    DossierEvent,
    DossierTransition,
    Notice,
    Procedure,
    RateRollup,
)
from app.rates.rollups import service as rollups
from app.rates.rollups.months import month_index
from tests.db.partitioning_support import partition
from tests.factories import T0, add_event, local, make_agency, make_dossier, make_procedure
from tests.rates.rollups import test_equality as rollup_equality

JUNE, AUGUST = local(2025, 6, 10, 8), local(2025, 8, 20, 9)


@pytest.fixture
def engine_2025(backend: str, fresh_database_url: str) -> Iterator[Engine]:
    """A fresh database; on PostgreSQL with monthly partitions from December 2024 to April
    2026, around the instants these tests (and tests/rates/rollups) use."""
    engine = make_engine(fresh_database_url)
    if backend == "postgresql":
        partition(engine, local(2024, 12, 1), months_ahead=16)
    yield engine
    engine.dispose()


def _refs(session: Session) -> tuple[Agency, Procedure]:
    agency = session.scalars(select(Agency)).first() or make_agency(session, "H21.65")
    procedure = session.scalars(select(Procedure)).first() or make_procedure(session, "P1")
    return agency, procedure


def _dossier_with_children(session: Session, code: str, received: datetime) -> Dossier:
    agency, procedure = _refs(session)
    d = make_dossier(session, code, agency, procedure, received)  # with its applicant
    add_event(session, d, received, 2, "Tiếp nhận")
    add_event(session, d, local(2025, 9, 1), 4, "Thụ lý")
    session.add(DossierTransition(dossier_id=d.id, kind="became_overdue", at=T0, recorded_at=T0))
    session.flush()
    return d


def _add_notice(session: Session, d: Dossier) -> None:
    session.add(Notice(
        dossier_id=d.id, issuing_agency_id=d.agency_id, year=2025, number=d.id, status="draft",
        legal_basis=d.legal_basis, reason="Quá hạn", original_due_at=T0, new_due_at=T0,
        created_at=T0, updated_at=T0,
    ))
    session.flush()


def _children(session: Session, dossier_id: int) -> tuple[int, ...]:
    def count(model: Any) -> int:
        stmt = select(func.count()).select_from(model).where(model.dossier_id == dossier_id)
        return int(session.scalar(stmt) or 0)

    return tuple(count(m) for m in (DossierEvent, DossierApplicant, DossierTransition, Notice))


def _partition_of(session: Session, dossier_id: int) -> str:
    stmt = text("SELECT tableoid::regclass::text FROM dossier WHERE id = :i")
    return str(session.execute(stmt, {"i": dossier_id}).scalar_one())


def _keys(session: Session) -> list[tuple[int, str]]:
    return [tuple(r) for r in session.execute(text("SELECT id, code FROM dossier_key ORDER BY id"))]  # type: ignore[misc]


def test_a_code_stays_unique_across_months(engine_2025: Engine, backend: str) -> None:
    with Session(engine_2025) as session:
        first = _dossier_with_children(session, "D-1", JUNE)
        session.commit()
        agency, procedure = _refs(session)
        # The same code in another month: another partition, and still refused.
        with pytest.raises(IntegrityError):
            make_dossier(session, "D-1", agency, procedure, AUGUST)
        session.rollback()
        row = {"procedure_id": procedure.id, "agency_id": agency.id, "status": 2,
               "received_at": AUGUST, "legal_basis": "118/2025/NĐ-CP", "created_at": T0,
               "updated_at": T0}
        with pytest.raises(IntegrityError):  # twice in one statement
            session.execute(insert(Dossier), [{**row, "code": "D-2"}, {**row, "code": "D-2"}])
        session.rollback()

        second = make_dossier(session, "D-3", agency, procedure, AUGUST)
        session.commit()
        second.code = "D-4"  # a corrected code follows into the key table
        session.commit()
        second.code = "D-1"
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        assert session.scalars(select(Dossier.code).order_by(Dossier.id)).all() == ["D-1", "D-4"]
        if backend != "postgresql":
            return
        assert _keys(session) == [(first.id, "D-1"), (second.id, "D-4")]
        # An id is unique across partitions too, and it cannot change.
        with pytest.raises(IntegrityError, match="pk_dossier_key"):
            session.execute(insert(Dossier), [{**row, "id": first.id, "code": "D-5"}])
        session.rollback()
        with pytest.raises(DBAPIError, match="cannot change"):
            session.execute(update(Dossier).where(Dossier.id == second.id).values(id=999))
        session.rollback()


def test_deleting_a_dossier_deletes_its_children_or_is_refused_as_before(
    engine_2025: Engine, backend: str
) -> None:
    with Session(engine_2025) as session:
        doomed = _dossier_with_children(session, "D-1", JUNE)
        kept = _dossier_with_children(session, "D-2", AUGUST)
        _add_notice(session, kept)
        session.commit()
        assert _children(session, doomed.id) == (2, 1, 1, 0)

        session.execute(delete(Dossier).where(Dossier.id == doomed.id))
        session.commit()
        assert _children(session, doomed.id) == (0, 0, 0, 0)
        assert rollups.verify(session) == []

        # A notice still points at it (no ON DELETE): refused, nothing lost.
        refusal = "fk_notice_dossier_id_dossier" if backend == "postgresql" else "FOREIGN KEY"
        with pytest.raises(IntegrityError, match=refusal):
            session.execute(delete(Dossier).where(Dossier.id == kept.id))
        session.rollback()
        assert _children(session, kept.id) == (2, 1, 1, 1)
        if backend == "postgresql":
            assert _keys(session) == [(kept.id, "D-2")]


def test_a_corrected_receipt_moves_the_row_and_keeps_everything(
    engine_2025: Engine, backend: str
) -> None:
    with Session(engine_2025) as session:
        d = _dossier_with_children(session, "D-1", JUNE)
        _add_notice(session, d)
        session.commit()
        if backend == "postgresql":
            assert _partition_of(session, d.id) == "dossier_p2025_06"

        d.received_at = AUGUST
        session.commit()

        assert _children(session, d.id) == (2, 1, 1, 1)
        assert session.scalars(select(Dossier.received_at)).one() == AUGUST
        assert rollups.verify(session) == []
        moved = select(RateRollup.rm).where(RateRollup.n > 0)
        assert session.scalars(moved).all() == [month_index(AUGUST)]
        if backend == "postgresql":
            assert _partition_of(session, d.id) == "dossier_p2025_08"
            assert _keys(session) == [(d.id, "D-1")]


def test_without_the_replay_a_move_would_escape_the_rollup(
    engine_2025: Engine, backend: str
) -> None:
    """Why the move trigger exists: PostgreSQL runs a cross-partition UPDATE as DELETE + INSERT
    and skips the rollup's row-level UPDATE trigger."""
    if backend != "postgresql":
        pytest.skip("a PostgreSQL partitioning mechanism")
    with Session(engine_2025) as session:
        d = _dossier_with_children(session, "D-1", JUNE)
        session.commit()
        session.execute(text("ALTER TABLE dossier DISABLE TRIGGER trg_dossier_moved"))
        d.received_at = AUGUST
        session.flush()
        assert _partition_of(session, d.id) == "dossier_p2025_08"
        assert rollups.verify(session) != []
        session.rollback()


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_equals_naive_counts_with_rows_moving_between_months(
    engine_2025: Engine, backend: str, seed: int
) -> None:
    """tests/rates/rollups' scenario (inserts, updates of every watched column including the
    receipt, deletes) on monthly partitions, so that corrected receipts move rows between them."""
    with engine_2025.connect() as conn:
        transaction = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        rollup_equality.test_rollup_equals_naive_counts_through_inserts_updates_and_deletes(
            session, seed
        )
        if backend == "postgresql":
            used = conn.execute(text("SELECT count(DISTINCT tableoid) FROM dossier")).scalar()
            assert used is not None and used > 12  # the rows really are spread over months
        session.close()
        transaction.rollback()


def test_a_month_bounded_query_reads_one_partition(engine_2025: Engine, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL partition pruning")
    rng = random.Random(3)
    with Session(engine_2025) as session:
        agency, procedure = _refs(session)
        for i in range(40):
            received = local(2025, rng.randrange(1, 13), rng.randrange(1, 28), 9)
            make_dossier(session, f"E-{i}", agency, procedure, received)
        session.commit()
        # The rates' "received in the period" condition, as app/rates/repository.py builds it.
        start, end = local(2025, 6, 1), local(2025, 7, 1)
        query = select(func.count()).select_from(Dossier).where(
            Dossier.received_at >= start, Dossier.received_at < end
        )
        compiled = query.compile(engine_2025, compile_kwargs={"literal_binds": True})
        plan = "\n".join(session.execute(text(f"EXPLAIN {compiled}")).scalars())
    scanned = set(re.findall(r"dossier_(?:p\d{4}_\d{2}|default)", plan))
    assert scanned == {"dossier_p2025_06"}, plan
