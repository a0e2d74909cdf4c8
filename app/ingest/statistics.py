"""Planner statistics for tables a bulk import has just filled (PostgreSQL).

Without statistics PostgreSQL estimates 0.5 % of a table per value of an `IN` list, so ingest's
look-up of a page of 500 codes or ids looks like "the whole table" and is planned as a
sequential scan, which grows with every page: an import turns quadratic. autovacuum normally
analyses such a table within a minute, but it may be off (as on these test machines) or behind a
fast import. So after each committed page an import analyses, in a transaction of its own, the
tables it writes (raw records, dossiers and their partitions, events, applicants, keys) that
were never analysed and now hold data. Once is enough: the statistics say the codes and ids are
distinct, which stays true as the table grows, and autovacuum takes over from there. A failure
(a lock or statement timeout, a table owned by someone else) is logged and never fails the
import; each table is tried once per run.
"""

from __future__ import annotations

import logging
from typing import Final

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

#: A table smaller than this (8 KiB pages) is cheap to scan whatever the plan.
MIN_PAGES: Final = 64

_NEVER_ANALYSED = text(
    """
    SELECT c.oid::regclass::text
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema()
      AND c.relkind = 'r'
      AND (c.relname = 'raw_record' OR c.relname LIKE 'dossier%')
      AND c.reltuples < 0
      AND pg_relation_size(c.oid) >= :min_bytes
    ORDER BY 1
    """
)


def refresh_after_page(
    factory: sessionmaker[Session], tried: set[str], min_pages: int = MIN_PAGES
) -> list[str]:
    """ANALYZE ingest's never-analysed tables of at least `min_pages` pages, each in its own
    short transaction after a page was committed: the page never waits for it and never fails
    because of it. `tried` (one per run) keeps a table that could not be analysed from being
    tried after every page. Returns the tables analysed; nothing on SQLite (its planner has no
    such estimates for indexed look-ups)."""
    done: list[str] = []
    with factory() as session:
        if session.get_bind().dialect.name != "postgresql":
            return done
        try:  # sizing a table waits for a lock too (e.g. while `tthc db partition` runs)
            candidates = list(session.scalars(_NEVER_ANALYSED, {"min_bytes": min_pages * 8192}))
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            log.warning("could not look for tables to analyse after an import page: %s", exc)
            return done
        for name in candidates:
            if name in tried:
                continue
            tried.add(name)
            try:
                # a name from the catalog, rendered by regclass (quoted when it needs to be)
                session.execute(text("ANALYZE " + name))
                session.commit()
                done.append(name)
            except SQLAlchemyError as exc:
                session.rollback()
                log.warning("could not analyse %s after an import page: %s", name, exc)
    return done
