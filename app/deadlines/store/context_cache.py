"""The deadline context's tables (calendar overrides, office hours) as a server process last
read them, reused while the database's reference version is unchanged (PostgreSQL).

Every write to those tables draws a new reference version in its own transaction (migration
0018's statement triggers; numbers come from a sequence and are never handed out twice). The
version is read BEFORE the tables, in the reader's transaction: what is cached under a number
is at least as new as the committed state that number stands for, and a transaction that sees
the same number sees no other committed write to the tables. Other processes and replicas
bump the same row, so an edit anywhere is seen by every cache on its next read. SQLite always
reads the tables (its row never changes).

The push groups read the version in the statement that takes their advisory lock (`note`), so
the context costs them no statement while the tables are unchanged.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Final, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

T = TypeVar("T")

#: session.info key: (the transaction, the version read in it)
_NOTED: Final = "reference_version"
VERSION_SQL: Final = "SELECT version FROM reference_version WHERE id = 1"
#: engine -> (version, what was read under it); weak: an engine's cache goes with it
_CACHE: weakref.WeakKeyDictionary[Engine, tuple[int, Any]] = weakref.WeakKeyDictionary()


def note(session: Session, version: int | None) -> None:
    """The version the current transaction read with another statement it had to make; only
    for a transaction that does not write the context's tables afterwards."""
    session.info[_NOTED] = (session.get_transaction(), version)


def _version(session: Session) -> int | None:
    noted = session.info.get(_NOTED)
    if noted is not None and noted[0] is not None and noted[0] is session.get_transaction():
        return noted[1]  # type: ignore[no-any-return]
    # asked again each time, not kept: this transaction may have written the tables since
    version: int | None = session.execute(text(VERSION_SQL)).scalar()
    return version


def cached(session: Session, load: Callable[[Session], T]) -> T:
    """``load(session)``, or what it returned last in this process under the same version."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return load(session)
    engine = bind if isinstance(bind, Engine) else bind.engine
    version = _version(session)
    if version is None:  # no row (a database not at head): nothing to go by
        return load(session)
    kept = _CACHE.get(engine)
    if kept is not None and kept[0] == version:
        return kept[1]  # type: ignore[no-any-return]
    value = load(session)
    _CACHE[engine] = (version, value)
    return value


def clear() -> None:
    _CACHE.clear()
