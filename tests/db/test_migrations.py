"""The migrations are the schema: they go up, down and up again, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app.db import migrate
from app.db.partitions.autogen import include_object_for
from app.db.session import make_engine
from app.models import Base


def test_upgrade_downgrade_upgrade_matches_models(fresh_database_url: str) -> None:
    migrate.downgrade(fresh_database_url, "base")
    engine = make_engine(fresh_database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(fresh_database_url)
        assert migrate.is_current(engine)
        with engine.connect() as conn:
            # as env.py compares: PostgreSQL's partitioned layout (migration 0004) is no difference
            opts = {"compare_type": True, "include_object": include_object_for(conn)}
            context = MigrationContext.configure(conn, opts=opts)
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        tables = set(inspect(engine).get_table_names())
        assert {"dossier", "dossier_event", "raw_record", "quarantine", "notice"} <= tables
    finally:
        engine.dispose()


def test_single_migration_head(fresh_database_url: str) -> None:
    assert len(migrate.head_revisions(fresh_database_url)) == 1
