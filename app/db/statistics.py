"""Planner statistics for tables a bulk import has just filled (PostgreSQL).

Without statistics PostgreSQL estimates 0.5 % of a table per value of an `IN` list, so ingest's
look-up of a page of 500 codes or ids looks like "the whole table" and is planned as a
sequential scan, which grows with every page: an import turns quadratic. autovacuum normally
analyses such a table within a minute, but it may be off (as on these test machines) or behind a
fast import. So after each committed page an import analyses the tables of this schema that
were never analysed and now hold data. Once is enough: the statistics say the codes and ids are
distinct, which stays true as the table grows, and autovacuum takes over from there.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import text
from sqlalchemy.orm import Session

#: A table smaller than this (8 KiB pages) is cheap to scan whatever the plan.
MIN_PAGES: Final = 64

_NEVER_ANALYSED = text(
    """
    SELECT c.oid::regclass::text
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema()
      AND c.relkind = 'r'
      AND c.reltuples < 0
      AND pg_relation_size(c.oid) >= :min_bytes
    ORDER BY 1
    """
)


def analyse_filled_tables(session: Session, min_pages: int = MIN_PAGES) -> list[str]:
    """ANALYZE every never-analysed table of the current schema that holds at least
    `min_pages` pages; returns their names. Does nothing on SQLite (its planner has no such
    estimates for indexed look-ups)."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    names = list(session.scalars(_NEVER_ANALYSED, {"min_bytes": min_pages * 8192}))
    for name in names:
        # a name from the catalog, rendered by regclass (quoted when it needs to be)
        session.execute(text("ANALYZE " + name))
    return names
