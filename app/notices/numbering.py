"""Register numbers of apology notices: "<n>/PXL", a yearly sequence per issuing unit.

The number is the largest one of the unit's year plus one, inserted under the unique
(issuing_agency_id, year, number) constraint inside a savepoint. When two drafters race, the
loser's insert waits for the winner's transaction, fails on the constraint, and retries with
the next number, so the sequence has no gaps and no duplicates without a counter table.
A cancelled draft keeps its number: the register shows it as cancelled rather than reusing it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.clock import to_local
from app.core.errors import Conflict
from app.models import Notice
from app.notices import repository

SUFFIX = "PXL"
MAX_ATTEMPTS = 25


def display_number(number: int) -> str:
    """12 -> "12/PXL" (the form prints "Số: 12/PXL")."""
    return f"{number}/{SUFFIX}"


def register_year(now: datetime) -> int:
    """Registers restart each calendar year, in Vietnamese time."""
    return to_local(now).year


def insert_numbered(
    session: Session, dossier_id: int, agency_id: int, year: int, build: Callable[[int], Notice]
) -> Notice | None:
    """Insert `build(number)` with the next free number of (agency, year).

    Returns None when the dossier got a notice meanwhile (another drafter won the race on the
    one-notice-per-dossier constraint); raises Conflict if the register stays contended.
    """
    for _ in range(MAX_ATTEMPTS):
        number = repository.max_number(session, agency_id, year) + 1
        notice = build(number)
        try:
            with session.begin_nested():
                repository.add(session, notice)
            return notice
        except IntegrityError:
            if repository.for_dossier(session, dossier_id) is not None:
                return None
    raise Conflict(
        f"could not allocate a notice number for agency {agency_id} in {year}: "
        "the register is busy, try again"
    )
