"""An import analyses the tables it filled that were never analysed (PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.db.statistics import analyse_filled_tables


def _reltuples(session: Session, table: str) -> float:
    return float(session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}))


def test_filled_never_analysed_tables_are_analysed_once(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            if session.get_bind().dialect.name != "postgresql":
                assert analyse_filled_tables(session) == []
                return
            session.execute(text("CREATE TABLE big_one (code text)"))
            session.execute(text("CREATE TABLE small_one (code text)"))
            session.execute(text(
                "INSERT INTO big_one SELECT 'c' || g FROM generate_series(1, 20000) g"))
            session.execute(text("INSERT INTO small_one VALUES ('a')"))
            assert _reltuples(session, "big_one") < 0  # never analysed
            assert analyse_filled_tables(session, min_pages=8) == ["big_one"]
            assert _reltuples(session, "big_one") == 20000
            assert _reltuples(session, "small_one") < 0  # too small to matter
            assert analyse_filled_tables(session, min_pages=8) == []  # once is enough
            session.rollback()
    finally:
        engine.dispose()
