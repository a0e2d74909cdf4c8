"""All SQL of the rollups: the period counters from `rate_rollup`, and its rebuild from `dossier`.

The counters mirror `app.rates.repository.count_dossiers` condition for condition. A condition
on an instant against a period bound becomes the same condition on the instant's local month,
which is exact because the service only comes here with month-aligned bounds; NEVER_MONTH is
later than any bound, so "not finished" behaves as "finished after every period" and needs no
special case. Period-independent facts (status, channel, early/on time/late, the flags) are the
row's value columns.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    extract,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import KeyedColumnElement

from app.deadlines.status import DossierStatus
from app.models import Dossier, RateRollup, RateRollupDeferral
from app.models.rate_rollup import NEVER_MONTH
from app.rates.repository import (
    EXCLUDED_CODES,
    FINISHED_CODES,
    NO_GROUP,
    finish_instant,
    local_date,
)
from app.rates.rollups.months import month_start

R = RateRollup
KEYS = ("agency_id", "rm", "fm", "dm", "pm")
VALUES = ("n", "online", "postal", "ex1", "ex3", "ex7", "ex8", "early", "on_time", "late",
          "lwa", "lwa_late", "fbr", "fswt")


def _sum(condition: ColumnElement[bool], value: Any, name: str) -> KeyedColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0).label(name)


def count_rollup(
    session: Session, start_month: int, end_month: int, *, by_agency: bool,
    agency_ids: frozenset[int] | None, without_months: frozenset[int] = frozenset(),
) -> dict[Any, dict[str, int]]:
    """The counters of [start_month, end_month), keyed like `count_dossiers`' result, over the
    rows none of whose months is in ``without_months`` (those dossiers are counted live)."""
    excluded = R.ex1 + R.ex3 + R.ex7 + R.ex8
    counted = R.n - excluded
    received = and_(R.rm >= start_month, R.rm < end_month)
    carried = and_(R.rm < start_month, R.fm >= start_month)
    resolved = and_(R.fm >= start_month, R.fm < end_month)
    open_end = and_(R.rm < end_month, R.fm >= end_month)
    paused = R.pm < end_month
    no_due = R.dm == NEVER_MONTH
    overdue = and_(open_end, not_(paused), not_(no_due), R.dm < end_month)
    open_no_due = and_(open_end, not_(paused), no_due)
    key = (R.agency_id if by_agency else literal(NO_GROUP)).label("group_key")
    late_without_apology = (
        func.coalesce(func.sum(case((resolved, R.lwa_late), else_=0)), 0)
        + func.coalesce(func.sum(case((overdue, R.lwa), else_=0)), 0)
    ).label("late_without_apology")
    query = (
        select(
            key,
            _sum(received, R.n, "received"),
            _sum(received, R.online, "received_online"),
            _sum(received, R.postal, "received_postal"),
            _sum(carried, counted, "carried_over"),
            _sum(resolved, R.early, "resolved_early"),
            _sum(resolved, R.on_time, "resolved_on_time"),
            _sum(resolved, R.late, "resolved_late"),
            _sum(and_(resolved, no_due), counted, "resolved_no_due"),
            _sum(and_(open_end, not_(overdue), not_(open_no_due)), counted, "open_in_time"),
            _sum(and_(open_end, paused), counted, "open_paused"),
            _sum(overdue, counted, "open_overdue"),
            _sum(open_no_due, counted, "open_no_due"),
            _sum(received, excluded, "excluded"),
            _sum(received, R.ex1, "excluded_not_accepted"),
            _sum(received, R.ex3, "excluded_refused"),
            _sum(received, R.ex7, "excluded_withdrawn"),
            _sum(received, R.ex8, "excluded_stopped"),
            late_without_apology,
            _sum(or_(received, carried, resolved), R.fbr, "finished_before_received"),
            _sum(open_end, R.fswt, "finished_status_without_time"),
        )
        # A group exists when one of its dossiers is in the naive query's WHERE: any dossier
        # received in the period, or a counted one carried over or resolved in it.
        .where(or_(received, and_(counted > 0, or_(carried, resolved))))
        .group_by(key)
    )
    if agency_ids is not None:
        query = query.where(R.agency_id.in_(sorted(agency_ids)))
    if without_months:
        query = query.where(not_(_touches(without_months)))
    return {
        row.group_key: {k: int(v) if k != "group_key" else v for k, v in row._mapping.items()}
        for row in session.execute(query)
    }


def _touches(months: frozenset[int]) -> ColumnElement[bool]:
    wanted = sorted(months)
    return or_(R.rm.in_(wanted), R.fm.in_(wanted), R.dm.in_(wanted), R.pm.in_(wanted))


def receipt_months_touching(
    session: Session, months: frozenset[int], agency_ids: frozenset[int] | None
) -> list[int]:
    """The receipt months of the dossiers received, finished, due or paused in ``months``."""
    query = select(R.rm).where(_touches(months), R.n > 0).distinct().order_by(R.rm)
    if agency_ids is not None:
        query = query.where(R.agency_id.in_(sorted(agency_ids)))
    return [int(month) for month in session.scalars(query)]


def dossiers_touching(months: frozenset[int], receipt_months: list[int]) -> ColumnElement[bool]:
    """The dossiers of the rollup rows that `_touches` ``months``, as a condition on `dossier`:
    one of the four instants in one of the months. Bounding the receipt by the months the rollup
    names lets PostgreSQL read only those months' partitions, however long the history."""
    d = Dossier
    finish = finish_instant()
    touching = or_(*[
        or_(*[and_(instant >= month_start(m), instant < month_start(m + 1))
              for instant in (d.received_at, finish, d.due_at, d.paused_since)])
        for m in sorted(months)
    ])
    received = or_(*[
        and_(d.received_at >= month_start(first), d.received_at < month_start(last + 1))
        for first, last in _runs(receipt_months)
    ])
    return and_(received, touching)


def _runs(months: list[int]) -> list[tuple[int, int]]:
    """Consecutive month indexes as (first, last) runs: [3, 4, 5, 9] -> [(3, 5), (9, 9)]."""
    runs: list[tuple[int, int]] = []
    for month in sorted(months):
        if runs and runs[-1][1] == month - 1:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


# -- rebuild -----------------------------------------------------------------------------------


def _month(expr: Any, dialect: str) -> ColumnElement[int]:
    if dialect == "postgresql":
        local = func.timezone("Asia/Ho_Chi_Minh", expr)
        year, month = extract("year", local), extract("month", local)
        return cast(year, Integer) * 12 + cast(month, Integer) - 1
    # Whole seconds: SQLite rounds fractions to the millisecond, which could carry the last
    # instant of a month into the next; a month boundary is a whole second, so this is exact.
    # Year and month as one number YYYYMM, one strftime a row (`_month_index` after grouping).
    return cast(func.strftime("%Y%m", func.substr(expr, 1, 19), "+7 hours"), Integer)


def _month_index(key: Any, dialect: str) -> Any:
    """A grouped month key of `_month` as the month index (year * 12 + month - 1): on
    SQLite, YYYYMM converted once per group rather than two strftime calls per row."""
    if dialect == "postgresql":
        return key
    return case((key == NEVER_MONTH, NEVER_MONTH), else_=key - 88 * (key // 100) - 1)


def _one(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def signature_select(
    dialect: str, only: ColumnElement[bool] | None = None, sign: int = 1
) -> Any:
    """One row per signature with its counts, computed from `dossier` (the rebuild's source),
    or from the dossiers `only` names, counted `sign` times (-1: to count them out)."""
    d = Dossier
    finish = func.coalesce(d.finished_at, d.returned_at)
    counted = d.status.not_in(EXCLUDED_CODES)
    both = and_(counted, finish.is_not(None), d.due_at.is_not(None))
    late = and_(both, finish > d.due_at)
    flag = d.late_without_apology.is_(True)
    same_day = local_date(finish, dialect) >= local_date(d.due_at, dialect)
    inner = select(
        d.agency_id.label("agency_id"),
        _month(d.received_at, dialect).label("rm"),
        func.coalesce(_month(finish, dialect), NEVER_MONTH).label("fm"),
        func.coalesce(_month(d.due_at, dialect), NEVER_MONTH).label("dm"),
        func.coalesce(_month(d.paused_since, dialect), NEVER_MONTH).label("pm"),
        literal(1).label("n"),
        _one(d.channel == 2).label("online"),
        _one(d.channel == 3).label("postal"),
        _one(d.status == DossierStatus.SUBMITTED).label("ex1"),
        _one(d.status == DossierStatus.REFUSED).label("ex3"),
        _one(d.status == DossierStatus.WITHDRAWN).label("ex7"),
        _one(d.status == DossierStatus.STOPPED).label("ex8"),
        _one(and_(both, finish <= d.due_at, not_(same_day))).label("early"),
        _one(and_(both, finish <= d.due_at, same_day)).label("on_time"),
        _one(late).label("late"),
        _one(and_(counted, flag)).label("lwa"),
        _one(and_(late, flag)).label("lwa_late"),
        _one(and_(counted, finish < d.received_at)).label("fbr"),
        _one(and_(d.status.in_(FINISHED_CODES), finish.is_(None))).label("fswt"),
    )
    if only is not None:
        inner = inner.where(only)
    rows = inner.subquery()
    keys = [rows.c[k] for k in KEYS]
    shown = [keys[0], *(_month_index(key, dialect).label(key.name) for key in keys[1:])]
    sums = [(func.sum(rows.c[v]) * sign if sign != 1 else func.sum(rows.c[v])).label(v)
            for v in VALUES]
    # in key order, as 0002's statement triggers upsert: concurrent writers lock rollup rows
    # in the same order and do not deadlock (YYYYMM sorts as the month index does)
    return select(*shown, *sums).group_by(*keys).order_by(*keys)


def rebuild(session: Session) -> int:
    """Replace the rollup by a fresh count of every dossier; returns its number of rows."""
    dialect = session.get_bind().dialect.name
    session.execute(delete(RateRollup))
    session.execute(
        insert(RateRollup).from_select(list(KEYS + VALUES), signature_select(dialect))
    )
    return int(session.scalar(select(func.count()).select_from(RateRollup)) or 0)


def add_counts(session: Session, ids: list[int], sign: int) -> set[int]:
    """Count these dossiers, as stored now, into the rollup (`sign` 1) or out of it (-1): one
    grouped upsert, what the UPDATE trigger's per-row upserts add up to. Returns the agencies
    of the rows it changed."""
    dialect = session.get_bind().dialect.name
    statement = _add_counts_statement(dialect, sign)
    # the ids as one parameter: a JSON array on SQLite, an array on PostgreSQL
    wanted: Any = ids if dialect == "postgresql" else json.dumps(ids)
    # Core execution: given parameters, the ORM would take an INSERT for a bulk insert
    return set(session.connection().execute(statement, {"ids": wanted}).scalars())


@lru_cache(maxsize=8)
def _add_counts_statement(dialect: str, sign: int) -> Any:
    """`add_counts`' upsert, built once per dialect and sign: the scan runs it twice a batch,
    and building the signature's expression tree and its cache key each time cost as much as
    SQLite's grouping. The ids are one parameter (an expanding one rendered and bound each
    of its 2,000 ids in Python at every run): PostgreSQL's ``= ANY(array)``, SQLite's
    ``IN (SELECT value FROM json_each(…))``, which looks each id up by its key as the list
    did."""
    if dialect == "postgresql":
        only = Dossier.id == any_(bindparam("ids", type_=postgresql.ARRAY(Integer)))
    else:
        only = Dossier.id.in_(select(func.json_each(bindparam("ids", type_=String))
                                     .table_valued("value").c.value))
    source = signature_select(dialect, only, sign)
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RateRollup)
    statement = upsert.from_select(list(KEYS + VALUES), source)
    statement = statement.on_conflict_do_update(
        index_elements=list(KEYS),
        set_={v: getattr(RateRollup, v) + getattr(statement.excluded, v) for v in VALUES},
    )
    return statement.returning(RateRollup.agency_id)


def lock_dossiers(session: Session, ids: list[int]) -> None:
    """On PostgreSQL, lock these dossiers (in id order) until the transaction ends: counted out
    as read now, none may change under another transaction before they are counted back in.
    (SQLite has one writer at a time.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Dossier.id).where(Dossier.id.in_(ids))
                        .order_by(Dossier.id).with_for_update())


def drop_empty(session: Session, agency_ids: set[int]) -> None:
    """Rows of these agencies left counting no dossier go, as the trigger deletes them."""
    if agency_ids:
        session.execute(delete(RateRollup).where(
            RateRollup.n == 0, RateRollup.agency_id.in_(sorted(agency_ids))))


def defer_trigger(session: Session) -> int:
    """The UPDATE trigger skips this transaction's updates until `resume_trigger`."""
    return int(session.execute(
        insert(RateRollupDeferral).values().returning(RateRollupDeferral.id)).scalar_one())


def resume_trigger(session: Session, deferral: int) -> None:
    session.execute(delete(RateRollupDeferral).where(RateRollupDeferral.id == deferral))


def stored_rows(session: Session) -> dict[tuple[int, ...], tuple[int, ...]]:
    columns = [getattr(RateRollup, c) for c in KEYS + VALUES]
    return {
        tuple(row[: len(KEYS)]): tuple(int(v) for v in row[len(KEYS):])
        for row in session.execute(select(*columns))
    }


def fresh_rows(session: Session) -> dict[tuple[int, ...], tuple[int, ...]]:
    dialect = session.get_bind().dialect.name
    return {
        tuple(row[: len(KEYS)]): tuple(int(v) for v in row[len(KEYS):])
        for row in session.execute(signature_select(dialect))
    }
