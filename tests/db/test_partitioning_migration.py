"""Migration 0004: partitions `dossier` and `dossier_event` on PostgreSQL, converts them back on
downgrade with every row, key and foreign key; does nothing on SQLite."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.db import migrate
from app.db.partitions import tables as partitioning
from app.db.partitions.autogen import layout_table
from app.db.partitions.catalog import Month, add_months, months_between
from app.db.partitions.convert import conversion_plan
from app.db.partitions.specs import EVENTS
from app.db.session import make_engine
from app.ingest.service import ingest_records
from app.models import Base
from app.rates.rollups import service as rollups
from tests.db.partitioning_support import (
    CODES,
    DOSSIERS_BY_MONTH,
    columns,
    layout,
    partition,
    partitions,
    rows_by_partition,
    seed,
    snapshot,
)
from tests.ingest.payloads import NOW, as_records, dossier

# What revisions after 0004 add to the models: absent from a database taken back to 0003.
LATER_TABLES = frozenset({"dashboard_session", "webhook_delivery",  # 0006
                          "agency_signer",  # 0009
                          "sender", "sender_session", "dossier_anomaly",  # 0005
                          "scan_watermark",  # 0010
                          "procedure_process", "dossier_step_state",  # 0016
                          "rate_rollup_deferral",  # 0017
                          "reference_version",  # 0018
                          "push_queue"})  # 0019
LATER_COLUMNS = frozenset({("quarantine", "named_agency"), ("quarantine", "sender_agency"),
                           ("ingest_run", "agency_code"),  # 0006
                           ("notice", "symbol"),  # 0009
                           ("dossier", "result_by_post"), ("dossier", "snapshot_at"),
                           ("ingest_run", "sender_id"),  # 0005
                           ("ingest_run", "summary_key"), ("raw_record", "archived_in")}  # 0007
                          | {("procedure", c) for c in (  # 0008
                              "processing_time_phrase", "processing_time_exceptions",
                              "processing_time_readings", "cutoff_phrase", "implementing_agency",
                              "service_level")}
                          | {("notice", "responsible_agency"), ("notice", "forwarding_agency")})
LATER_INDEXES = frozenset({"ix_raw_record_unarchived"})  # 0007, over raw_record.id


def _before_later_revisions(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    """include_object for comparing a 0003 database with the models."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    if table is not None and table.name in LATER_TABLES:
        return False
    if type_ == "column" and (obj.table.name, name) in LATER_COLUMNS:
        return False
    if type_ == "index" and name in LATER_INDEXES:
        return False
    columns = getattr(obj, "columns", None)  # an index or a key over one of those columns
    return not (type_ in ("index", "foreign_key_constraint") and columns is not None and any(
        (c.table.name, c.name) in LATER_COLUMNS for c in columns))


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _alembic_check(engine: Engine) -> None:
    """`alembic check`: raises if autogenerate finds a difference from the models."""
    command.check(migrate.alembic_config(_url(engine)))


def _foreign_keys_to_dossier(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """(table, columns, ON DELETE) of the foreign keys aimed at dossier.id, by target table."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for table in inspect(engine).get_table_names():
        if layout_table(table):  # a partition repeats its parent's keys
            continue
        for fk in inspect(engine).get_foreign_keys(table):
            if fk["referred_table"] in ("dossier", "dossier_key"):
                found.setdefault(fk["referred_table"], []).append((
                    table, tuple(fk["constrained_columns"]), tuple(fk["referred_columns"]),
                    fk["options"].get("ondelete"),
                ))
    return {k: sorted(v) for k, v in found.items()}


def _model_foreign_keys_to_dossier() -> list[tuple[Any, ...]]:
    return sorted(
        (fk.parent.name, tuple(fk.column_keys), tuple(e.column.name for e in fk.elements),
         fk.ondelete)
        for table in Base.metadata.tables.values()
        for fk in table.foreign_key_constraints
        if fk.referred_table.name == "dossier"
    )


def _our_functions(engine: Engine) -> int:
    with engine.connect() as conn:
        query = text(
            "SELECT count(*) FROM pg_proc WHERE proname LIKE 'dossier\\_key\\_on\\_%' "
            "OR proname = 'dossier_replay_move'"
        )
        return int(conn.execute(query).scalar_one())


def test_postgresql_at_head_is_partitioned_and_alembic_check_is_clean(pg_engine: Engine) -> None:
    assert layout(pg_engine) == {"dossier": True, "dossier_event": True}
    current = Month.of(utcnow())
    months = months_between(current, add_months(current, partitioning.DEFAULT_MONTHS_AHEAD))
    for table in ("dossier", "dossier_event"):
        expected = {m.partition_name(table) for m in months} | {f"{table}_default"}
        assert partitions(pg_engine, table) == expected
    _alembic_check(pg_engine)
    # The foreign keys the check leaves out kept the models' columns and ON DELETE rules.
    model = _model_foreign_keys_to_dossier()
    assert len(model) == 6  # dossier_step_state (0016) is the sixth
    assert _foreign_keys_to_dossier(pg_engine) == {"dossier_key": model}
    assert _our_functions(pg_engine) == 5




def test_downgrade_and_upgrade_keep_every_row(pg_engine: Engine) -> None:
    url = _url(pg_engine)
    seed(pg_engine)  # 2025 rows in a database migrated today: they wait in DEFAULT
    assert rows_by_partition(pg_engine, "dossier") == {"default": 3}
    partition(pg_engine, NOW, months_ahead=0)  # their months are created and filled
    assert rows_by_partition(pg_engine, "dossier") == DOSSIERS_BY_MONTH

    migrate.downgrade(url, "0003")

    kept = columns(pg_engine)
    before = snapshot(pg_engine)
    assert layout(pg_engine) == {"dossier": False, "dossier_event": False}
    with pg_engine.connect() as conn:
        assert not partitioning.regclass_exists(conn, "dossier_key")
        triggers = conn.execute(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'dossier'::regclass "
            "AND NOT tgisinternal ORDER BY 1"
        )).scalars().all()
    assert triggers == [f"trg_rate_rollup_{op}" for op in ("delete", "insert", "update")]
    assert _our_functions(pg_engine) == 0
    plain = inspect(pg_engine)
    assert plain.get_pk_constraint("dossier")["constrained_columns"] == ["id"]
    assert plain.get_pk_constraint("dossier_event")["constrained_columns"] == ["id"]
    model = [fk for fk in _model_foreign_keys_to_dossier() if fk[0] not in LATER_TABLES]
    assert _foreign_keys_to_dossier(pg_engine) == {"dossier": model}
    with pg_engine.connect() as conn:  # as 0003 left it: the models' schema but later additions
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _before_later_revisions}
        )
        assert compare_metadata(context, Base.metadata) == []
    with pg_engine.begin() as conn:  # the plain table works: sequence, unique code
        conn.execute(text(
            "INSERT INTO dossier (code, procedure_id, agency_id, status, received_at, "
            "due_is_legal, paused_working_minutes, appointment_mismatch, legal_basis, "
            "late_without_apology, escalated, created_at, updated_at) "
            "SELECT 'H21.65-250912-0004', procedure_id, agency_id, 4, received_at, false, 0, "
            "false, legal_basis, false, false, created_at, updated_at FROM dossier LIMIT 1"
        ))
    with pytest.raises(IntegrityError, match="uq_dossier_code"), pg_engine.begin() as conn:
        conn.execute(
            text("UPDATE dossier SET code = :taken WHERE code = :c"),
            {"taken": CODES[1], "c": CODES[0]},
        )
    with Session(pg_engine) as session:
        assert rollups.verify(session) == []
    after_insert = snapshot(pg_engine)
    assert len(after_insert["dossier"]) == len(before["dossier"]) + 1

    migrate.upgrade(url)

    assert layout(pg_engine) == {"dossier": True, "dossier_event": True}
    assert snapshot(pg_engine, kept) == after_insert
    assert "default" not in rows_by_partition(pg_engine, "dossier")
    today = Month.of(utcnow()).partition_name("dossier")
    assert {"dossier_p2025_06", today} <= partitions(pg_engine, "dossier")
    with Session(pg_engine) as session:
        assert rollups.verify(session) == []
        ingest_records(session, "test", as_records([dossier("H21.65-250912-0005")]), NOW)
        session.commit()
    _alembic_check(pg_engine)


def test_upgrade_finishes_what_the_events_only_command_did(pg_engine: Engine) -> None:
    """A database whose events the earlier `tthc db partition` partitioned, at revision 0003."""
    engine = pg_engine
    seed(engine)
    migrate.downgrade(_url(engine), "0003")
    with engine.begin() as conn:
        for statement in conversion_plan(conn, EVENTS, NOW, 2).statements:
            conn.execute(text(statement))
    assert layout(engine) == {"dossier": False, "dossier_event": True}
    kept = columns(engine)
    before = snapshot(engine)

    migrate.upgrade(_url(engine))

    assert layout(engine) == {"dossier": True, "dossier_event": True}
    assert snapshot(engine, kept) == before
    events = partitions(engine, "dossier_event")
    assert {"dossier_event_p2025_06", "dossier_event_p2025_11"} <= events
    assert {"dossier_p2025_06", "dossier_p2025_09"} <= partitions(engine, "dossier")
    _alembic_check(engine)


def test_sqlite_keeps_the_plain_layout(backend: str, fresh_database_url: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's side of migration 0004")
    engine = make_engine(fresh_database_url)
    try:
        assert migrate.current_revisions(engine) == migrate.head_revisions(fresh_database_url)
        assert "dossier_key" not in inspect(engine).get_table_names()
        migrate.downgrade(fresh_database_url, "0003")
        migrate.upgrade(fresh_database_url)
        assert migrate.is_current(engine)
        _alembic_check(engine)
        seed(engine)
        assert len(snapshot(engine)["dossier"]) == 3
    finally:
        engine.dispose()
