"""When the rollup answers a rates query, and the maintenance commands around it.

The rollup covers a period whose bounds are both local month starts, for the whole report or
grouped by agency (the key it keeps), within any agency scope; every other query returns None
and the caller counts dossiers directly. Month-aligned reports are the common ones: Biểu II.06a
is monthly, quarterly and yearly, and the public rates are per month.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.rollups import repository
from app.rollups.months import month_start_index


def covers(start: datetime, end: datetime, group_by: str | None) -> bool:
    return (
        group_by in (None, "agency")
        and month_start_index(start) is not None
        and month_start_index(end) is not None
    )


def count_dossiers(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    group_by: str | None,
    agency_ids: frozenset[int] | None,
) -> dict[Any, dict[str, int]] | None:
    """`app.rates.repository.count_dossiers`' result from the rollup, or None if not covered."""
    first, last = month_start_index(start), month_start_index(end)
    if first is None or last is None or group_by not in (None, "agency"):
        return None
    return repository.count_rollup(
        session, first, last, by_agency=group_by == "agency", agency_ids=agency_ids
    )


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
