"""An import analyses the tables it filled that were never analysed (PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.ingest.statistics import refresh_after_page


def _reltuples(session: Session, table: str) -> float:
    return float(session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}))


def test_filled_never_analysed_ingest_tables_are_analysed_once(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    factory = sessionmaker(bind=engine)
    try:
        tried: set[str] = set()
        if engine.dialect.name != "postgresql":
            assert refresh_after_page(factory, tried) == []
            return
        with factory() as session:
            for table in ("dossier_big", "dossier_small", "unrelated_big"):
                session.execute(text(f"CREATE TABLE {table} (code text)"))
            for table in ("dossier_big", "unrelated_big"):
                session.execute(text(
                    f"INSERT INTO {table} SELECT 'c' || g FROM generate_series(1, 20000) g"))
            session.execute(text("INSERT INTO dossier_small VALUES ('a')"))
            session.commit()
            assert _reltuples(session, "dossier_big") < 0  # never analysed
        assert refresh_after_page(factory, tried, min_pages=8) == ["dossier_big"]
        with factory() as session:
            assert _reltuples(session, "dossier_big") == 20000
            assert _reltuples(session, "dossier_small") < 0  # too small to matter
            assert _reltuples(session, "unrelated_big") < 0  # not a table ingest writes
        assert refresh_after_page(factory, tried, min_pages=8) == []  # once is enough
    finally:
        engine.dispose()


def test_a_table_that_cannot_be_analysed_is_logged_and_tried_once(
    fresh_database_url: str, caplog: object
) -> None:
    engine = create_engine(fresh_database_url)
    factory = sessionmaker(bind=engine)
    try:
        if engine.dialect.name != "postgresql":
            return
        with factory() as session:
            session.execute(text("CREATE TABLE dossier_locked (code text)"))
            session.execute(text(
                "INSERT INTO dossier_locked SELECT 'c' || g FROM generate_series(1, 20000) g"))
            session.commit()
        tried: set[str] = set()
        # ANALYZE needs SHARE UPDATE EXCLUSIVE: an ACCESS EXCLUSIVE lock held elsewhere and a
        # short lock timeout make it fail the way a busy database would
        impatient = create_engine(fresh_database_url,
                                  connect_args={"options": "-c lock_timeout=200"})
        with engine.connect() as holder:
            holder.execute(text("LOCK TABLE dossier_locked IN SHARE UPDATE EXCLUSIVE MODE"))
            assert refresh_after_page(sessionmaker(bind=impatient), tried, min_pages=8) == []
            holder.execute(text("LOCK TABLE dossier_locked IN ACCESS EXCLUSIVE MODE"))
            # even finding the candidates waits for a lock: logged, nothing raised
            assert refresh_after_page(sessionmaker(bind=impatient), set(), min_pages=8) == []
            holder.rollback()
        impatient.dispose()
        assert "dossier_locked" in tried
        assert refresh_after_page(factory, tried, min_pages=8) == []  # not tried again
    finally:
        engine.dispose()
