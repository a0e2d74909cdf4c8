"""Statements run on a session's psycopg connection itself, inside the session's transaction
(PostgreSQL only).

On the receiver's hot path, SQLAlchemy's execution context around a small statement (cache
key, compiled parameters, the result's metadata, the cursor wrapper; the ORM's compile state
for a select) was ~40 % of the accept statement's Python time and more than half the dvcqg
session look-up's (docs/scaling.md, the receiver, rounds 8 and 9). Statements without
SQLAlchemy types bind nothing on the way, so psycopg receives the values SQLAlchemy would
send; rows come back as psycopg's tuples, instants as aware datetimes.
"""

from __future__ import annotations

import re
from typing import Any, Final

from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable


def driver_connection(session: Session) -> Any:
    """The session's psycopg connection, in the session's transaction (begun if need be)."""
    return session.connection().connection.driver_connection


#: PostgreSQL plans a statement anew at each execution until it has been prepared on that
#: connection and run five times with custom plans, and keeps doing so when a custom plan looks
#: cheaper; the accept path's few fixed statements (look-ups by key, small arrays) cost the same
#: whatever their values, and planning them was as much of PostgreSQL's time as running them
#: (pg_stat_statements, docs/scaling.md, the receiver, round 10). Sent first in the pipeline of
#: the statements it is for (no round trip of its own), it lasts to the transaction's end;
#: statements run with ``prepare=True`` are prepared at their first execution.
GENERIC_PLANS: Final = "SET LOCAL plan_cache_mode = force_generic_plan"


def psycopg_style(sql: str) -> str:
    """``:name`` parameters as psycopg's ``%(name)s`` (for statements with no ``::`` cast and
    no ``%``)."""
    if "::" in sql or "%" in sql:
        raise ValueError("a statement with '::' or '%' cannot be rewritten safely")
    return re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", r"%(\1)s", sql)


def for_driver(statement: Executable) -> str:
    """A Core statement's PostgreSQL text, ``%(name)s`` parameters with the casts of their
    types (compiled once, at import, by the module that runs it)."""
    compiled = statement.compile(dialect=psycopg.dialect())  # type: ignore[attr-defined,no-untyped-call]
    return str(compiled)
