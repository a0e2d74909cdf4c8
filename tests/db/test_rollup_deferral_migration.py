"""Migration 0017 guards the rate rollup's UPDATE trigger with the deferral table and gives it
back exactly as 0002 wrote it on the way down; both ways the trigger keeps counting."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from app.db import migrate
from app.db.session import make_engine
from app.models import RateRollup
from tests.factories import make_agency, make_dossier, make_procedure

GUARD = "rate_rollup_deferral"


def trigger_definition(engine: Engine, event: str = "update") -> str:
    """The rollup's trigger on ``event`` (insert, update) as the database holds it: its
    function on PostgreSQL, the trigger on SQLite."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            sql = f"SELECT pg_get_functiondef('rate_rollup_on_{event}'::regproc)"
        else:
            sql = f"SELECT sql FROM sqlite_master WHERE name = 'trg_rate_rollup_{event}'"
        return str(conn.execute(text(sql)).scalar_one())


def _counts_an_update(engine: Engine) -> bool:
    """A dossier's due moved into another month moves it to another rollup row (rolled back)."""
    with Session(engine) as session:
        agency = make_agency(session, "MIG17")
        dossier = make_dossier(session, "MIG17-1", agency, make_procedure(session, "MIG17"),
                               datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
        dossier.due_at = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
        session.flush()
        months = session.scalars(select(RateRollup.dm).where(
            RateRollup.agency_id == agency.id, RateRollup.n > 0)).all()
        session.rollback()
    return list(months) == [2026 * 12 + 4]


def test_0017_guards_the_trigger_and_gives_it_back(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    try:
        guarded = trigger_definition(engine)
        assert GUARD in guarded and _counts_an_update(engine)
        migrate.downgrade(fresh_database_url, "0016")
        plain = trigger_definition(engine)
        assert GUARD not in plain and GUARD not in inspect(engine).get_table_names()
        assert _counts_an_update(engine)
        migrate.upgrade(fresh_database_url)
        assert trigger_definition(engine) == guarded and _counts_an_update(engine)
    finally:
        engine.dispose()
