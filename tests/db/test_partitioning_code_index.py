"""Every partition of `dossier` carries its own unique index on `code` (PostgreSQL only).

`dossier_key` keeps codes unique across months; the local unique index tells the planner "one row
per code" without statistics. Without it, a table never analysed (autovacuum off, or behind a
bulk import) is estimated at 0.5 % of the rows per value, so ingest's page look-up `code IN (500
codes)` was planned as a sequential scan of every partition.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.db import migrate
from app.db.partitions import tables as partitioning
from app.db.partitions.catalog import Month
from app.db.partitions.specs import DOSSIERS
from app.models import Dossier
from tests.db.partitioning_support import partition, partitions, rows_by_partition, seed
from tests.factories import make_agency, make_dossier, make_procedure
from tests.ingest.payloads import NOW

CODE_INDEXES = text(
    "SELECT c.relname, i.indexrelid::regclass::text, i.indisunique "
    "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'code' "
    "WHERE (c.oid = 'dossier'::regclass OR c.oid IN "
    "       (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'dossier'::regclass)) "
    "AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum AND i.indpred IS NULL"
)


def _code_indexes(engine: Engine) -> dict[str, list[tuple[str, bool]]]:
    """The single-column indexes on `code` of `dossier` and of each partition: (name, unique)."""
    found: dict[str, list[tuple[str, bool]]] = {}
    with engine.connect() as conn:
        for table, index, unique in conn.execute(CODE_INDEXES):
            found.setdefault(table, []).append((index, unique))
    return found


def _alembic_check(engine: Engine) -> None:
    """`alembic check`: raises if autogenerate finds a difference from the models."""
    command.check(migrate.alembic_config(engine.url.render_as_string(hide_password=False)))


def _assert_one_unique_code_index_per_partition(engine: Engine) -> None:
    expected = {p: [(DOSSIERS.local_index_name(p, "code"), True)]
                for p in partitions(engine, "dossier")}
    assert _code_indexes(engine) == expected  # and none on the parent


def test_every_partition_made_by_any_path_has_its_unique_code_index(pg_engine: Engine) -> None:
    _assert_one_unique_code_index_per_partition(pg_engine)  # migration 0004: months and DEFAULT
    assert "dossier_default" in partitions(pg_engine, "dossier")

    seed(pg_engine)  # 2025 rows in a database migrated today: they wait in DEFAULT
    assert rows_by_partition(pg_engine, "dossier") == {"default": 3}
    done = partition(pg_engine, NOW, months_ahead=0)  # DEFAULT split: built detached, attached
    assert "dossier_p2025_06" in done.plans[1].partitions
    assert any("ATTACH PARTITION dossier_p2025_06" in s for s in done.plans[1].statements)
    assert "default" not in rows_by_partition(pg_engine, "dossier")
    _assert_one_unique_code_index_per_partition(pg_engine)

    later = utcnow() + timedelta(days=200)
    with pg_engine.begin() as conn:  # the daily job's path
        created = partitioning.add_future_months(conn, later, months_ahead=1)
    assert Month.of(later).partition_name("dossier") in created
    _assert_one_unique_code_index_per_partition(pg_engine)

    again = partition(pg_engine, later, months_ahead=1)  # nothing left to do: no statements
    assert [p.statements for p in again.plans] == [[], []]
    _alembic_check(pg_engine)  # the local indexes are the partitions', left out with them


def test_conversion_builds_them_and_the_downgrade_restores_uq_dossier_code(
    plain_pg_engine: Engine,
) -> None:
    engine = plain_pg_engine
    seed(engine)
    partition(engine, NOW, months_ahead=1)
    _assert_one_unique_code_index_per_partition(engine)

    with engine.begin() as conn:  # migration 0004's downgrade
        partitioning.unpartition_tables(conn)
    assert _code_indexes(engine) == {"dossier": [("uq_dossier_code", True)]}


def test_a_layout_partitioned_before_gets_them_on_the_next_run(pg_engine: Engine) -> None:
    """The layout the first 0004 left: a plain `ix_dossier_code` on the parent, cloned."""
    with pg_engine.begin() as conn:
        for name in partitions(pg_engine, "dossier"):
            conn.execute(text(f"DROP INDEX {DOSSIERS.local_index_name(name, 'code')}"))
        conn.execute(text("CREATE INDEX ix_dossier_code ON dossier (code)"))
    assert not any(unique for found in _code_indexes(pg_engine).values() for _, unique in found)
    _alembic_check(pg_engine)  # that layout was clean, and stays so until the next run

    with pg_engine.begin() as conn:
        planned = partitioning.plan_partitioning(conn, utcnow(), partitioning.DEFAULT_MONTHS_AHEAD)
    assert planned[1].statements[0] == "DROP INDEX ix_dossier_code"
    partition(pg_engine, utcnow(), partitioning.DEFAULT_MONTHS_AHEAD)
    _assert_one_unique_code_index_per_partition(pg_engine)
    _alembic_check(pg_engine)


# Dossiers about as wide as real ones (the bench's: ~27 a page); in DEFAULT enough that reading
# the partition costs the planner more than 500 index probes, this month's partition a few.
BIG, SMALL, SUMMARY = 50_000, 5_000, 250
PLAN_ROWS = re.compile(r" on (dossier_\w+) \w+\s+\(cost=[\d.]+ rows=(\d+)")


def _never_analysed_rows(engine: Engine) -> str:
    """BIG dossiers in DEFAULT and SMALL in this month's partition, with autovacuum off on both
    (as on these machines, or behind a bulk import); returns this month's partition."""
    now = utcnow()
    current = Month.of(now).partition_name("dossier")
    with Session(engine) as session:
        agency, procedure = make_agency(session, "H21.65"), make_procedure(session, "P1")
        session.commit()
        for table in (current, DOSSIERS.default_partition):
            session.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
        session.execute(
            text(
                "INSERT INTO dossier (code, procedure_id, agency_id, status, received_at, "
                "summary, due_is_legal, paused_working_minutes, appointment_mismatch, "
                "legal_basis, late_without_apology, escalated, created_at, updated_at) "
                "SELECT 'C-' || g, :p, :a, 2, CASE WHEN g <= :small THEN :now ELSE :old END, "
                "repeat('x', :summary), false, 0, false, '118/2025/NĐ-CP', false, false, "
                ":now, :now FROM generate_series(1, :n) g"
            ),
            {"p": procedure.id, "a": agency.id, "now": now, "old": datetime(2020, 1, 1, tzinfo=UTC),
             "small": SMALL, "n": SMALL + BIG, "summary": SUMMARY},
        )
        session.commit()
        analysed = session.execute(text(
            "SELECT count(*) FROM pg_stats WHERE tablename LIKE 'dossier%'"
        )).scalar_one()
    assert analysed == 0  # the case in point: no statistics at all
    return current


def test_a_page_of_500_codes_probes_the_indexes_without_statistics(pg_engine: Engine) -> None:
    current = _never_analysed_rows(pg_engine)
    assert rows_by_partition(pg_engine, "dossier") == {
        current.removeprefix("dossier_p"): SMALL, "default": BIG,
    }
    # ingest's dossiers_by_code, for the codes of new dossiers: they match nothing
    query = select(Dossier).where(Dossier.code.in_([f"N-{i}" for i in range(500)]))
    compiled = query.compile(pg_engine, compile_kwargs={"literal_binds": True})
    with pg_engine.connect() as conn:
        plan = "\n".join(conn.execute(text(f"EXPLAIN {compiled}")).scalars())
    estimated = {table: int(rows) for table, rows in PLAN_ROWS.findall(plan)}
    # One row per code at most, where the default selectivity estimated every row.
    assert estimated[current] <= 500 and estimated[DOSSIERS.default_partition] <= 500, plan
    default = DOSSIERS.default_partition
    assert f"Seq Scan on {default}" not in plan, plan
    assert f"Index Scan on {DOSSIERS.local_index_name(default, 'code')}" in plan, plan


def test_a_duplicate_code_in_the_same_month_is_a_unique_violation(pg_engine: Engine) -> None:
    """Refused by the month's own index before `dossier_key`'s statement trigger runs: the
    same IntegrityError (SQLSTATE 23505) as on the plain table, which the webhook's merge of
    concurrent deliveries retries on; nothing stored."""
    now = utcnow()
    with Session(pg_engine) as session:
        agency, procedure = make_agency(session, "H21.65"), make_procedure(session, "P1")
        first = make_dossier(session, "D-1", agency, procedure, now)
        session.commit()
        with pytest.raises(IntegrityError) as refused:
            make_dossier(session, "D-1", agency, procedure, now)
        session.rollback()
        month = Month.of(now).partition_name("dossier")
        assert refused.value.orig is not None
        assert getattr(refused.value.orig, "sqlstate", None) == "23505"
        diag = getattr(refused.value.orig, "diag", None)
        assert diag is not None
        assert diag.constraint_name == DOSSIERS.local_index_name(month, "code")
        assert session.scalars(select(Dossier.id)).all() == [first.id]
        keys = session.execute(text("SELECT id, code FROM dossier_key")).all()
        assert [tuple(k) for k in keys] == [(first.id, "D-1")]

