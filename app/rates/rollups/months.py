"""Local month indexes (year * 12 + month - 1): the unit of the rollup's signature."""

from __future__ import annotations

from datetime import datetime

from app.core.clock import LOCAL_TZ


def month_index(instant: datetime) -> int:
    local = instant.astimezone(LOCAL_TZ)
    return local.year * 12 + local.month - 1


def month_start_index(instant: datetime) -> int | None:
    """The month index when `instant` is exactly a local month's first midnight, else None.

    Only such bounds are answered from the rollup: "received before the bound" is then the same
    as "received in an earlier month", for every instant of the month.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        return None
    local = instant.astimezone(LOCAL_TZ)
    if (local.day, local.hour, local.minute, local.second, local.microsecond) != (1, 0, 0, 0, 0):
        return None
    return month_index(instant)


def month_start(index: int) -> datetime:
    """The first local midnight of month ``index`` (the inverse of `month_index`)."""
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=LOCAL_TZ)
