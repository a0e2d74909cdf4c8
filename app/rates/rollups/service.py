"""When the rollup answers a rates query, and the maintenance commands around it.

The rollup answers the whole report and the report grouped by agency (the key it keeps), within
any agency scope; grouped otherwise, the caller counts dossiers directly. Between two local month
starts it answers alone: Biểu II.06a is monthly, quarterly and yearly, the public rates are per
month. A bound inside a month (the public page's period ends "now") makes that month a *live*
month: the dossiers with one of their four instants (receipt, finish, due, pause) in it are
counted from `dossier` with the exact bounds, every other dossier from the rollup. Those others
compare with the bound exactly as their months do (all their instants lie in earlier or later
months), so the sum equals the naive count, condition for condition, and the live part stays
the size of a month's activity however many years of history the database holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.rates import repository as dossiers
from app.rates.rollups import repository
from app.rates.rollups.months import month_index, month_start_index

T = TypeVar("T")


def covers(start: datetime, end: datetime, group_by: str | None) -> bool:
    return group_by in (None, "agency")


def count_dossiers(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    group_by: str | None,
    agency_ids: frozenset[int] | None,
) -> dict[Any, dict[str, int]] | None:
    """`app.rates.repository.count_dossiers`' result from the rollup (and the live months), or
    None for a grouping the rollup does not keep."""
    if group_by not in (None, "agency"):
        return None
    by_agency = group_by == "agency"
    first, last = month_start_index(start), month_start_index(end)
    if first is not None and last is not None:
        return repository.count_rollup(
            session, first, last, by_agency=by_agency, agency_ids=agency_ids
        )
    live = frozenset(month_index(bound) for bound, index in ((start, first), (end, last))
                     if index is None)
    # Rows outside the live months compare with a bound inside its month as with its start.
    counted = repository.count_rollup(
        session, month_index(start), month_index(end), by_agency=by_agency,
        agency_ids=agency_ids, without_months=live,
    )
    receipts = repository.receipt_months_touching(session, live, agency_ids)
    if receipts:
        exact = dossiers.count_dossiers(
            session, start, end, group_by="agency" if by_agency else None,
            agency_ids=agency_ids, only=repository.dossiers_touching(live, receipts),
        )
        counted = _added(counted, exact)
    return counted


def _added(
    one: dict[Any, dict[str, int]], other: dict[Any, dict[str, int]]
) -> dict[Any, dict[str, int]]:
    summed = {key: dict(values) for key, values in one.items()}
    for key, values in other.items():
        into = summed.setdefault(key, {"group_key": key})
        for name, value in values.items():
            if name != "group_key":
                into[name] = into.get(name, 0) + int(value)
    return summed


@contextmanager
def counted_in_bulk(session: Session, ids: Sequence[int]) -> Iterator[None]:
    """Updates of the dossiers `ids` inside the block are counted
    into the rollup with two grouped statements instead of by the UPDATE trigger row by row
    (migration 0017): the rows as stored are counted out, the trigger skips this
    transaction's updates meanwhile, and the rows as updated are counted back in. Only those
    dossiers may be written inside the block; pending ORM changes are flushed first."""
    if not ids:
        yield
        return
    session.flush()
    wanted = list(ids)
    repository.lock_dossiers(session, wanted)
    counted_out = repository.add_counts(session, wanted, -1)
    deferral = repository.defer_trigger(session)

    def count_back() -> None:
        repository.resume_trigger(session, deferral)
        repository.add_counts(session, wanted, 1)
        repository.drop_empty(session, counted_out)  # only a count-out can leave a row empty

    try:
        yield
        session.flush()
    except BaseException:
        # A caller that goes on after the error (SQLite: the failed statement changed nothing)
        # must not commit the deferral, nor the rows counted out; on PostgreSQL the
        # transaction is aborted and can only roll back, so that may fail here.
        with suppress(SQLAlchemyError):
            count_back()
        raise
    count_back()


def insert_counted_in_bulk(
    session: Session, insert: Callable[[], T], inserted_ids: Callable[[T], Sequence[int]]
) -> T:
    """Run `insert`, which inserts new dossiers and writes nothing else to `dossier`; on
    SQLite with the rollup's INSERT trigger deferred (migration 0023) and the dossiers it
    inserted (`inserted_ids` of its result) then counted into the rollup with one grouped
    upsert, what the trigger's per-row upserts add up to (a third of SQLite's time inserting a
    file import's page). Inside a savepoint: whatever fails, nothing of it stays (a page
    inserted in part would be counted by nobody). PostgreSQL's INSERT trigger runs once per
    statement already: there it is just `insert`."""
    if session.get_bind().dialect.name != "sqlite":
        return insert()
    session.flush()  # pending changes of stored dossiers go with their trigger, before
    with session.begin_nested():
        deferral = repository.defer_trigger(session)
        result = insert()
        repository.resume_trigger(session, deferral)
        ids = list(inserted_ids(result))
        if ids:
            repository.add_counts(session, ids, 1)
    return result


def rebuild(session: Session) -> int:
    """Recount the rollup from every dossier (after a restore or a bulk load without triggers);
    returns its number of rows. Flushes only."""
    return repository.rebuild(session)


def verify(session: Session) -> list[str]:
    """Differences between the stored rollup and a fresh count; empty when it is exact."""
    stored, fresh = repository.stored_rows(session), repository.fresh_rows(session)
    problems: list[str] = []
    for key in sorted(stored.keys() | fresh.keys()):
        if stored.get(key) != fresh.get(key):
            problems.append(f"{dict(zip(repository.KEYS, key, strict=True))}: stored "
                            f"{stored.get(key)}, counted {fresh.get(key)}")
    return problems
