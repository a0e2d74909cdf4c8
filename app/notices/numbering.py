"""Register numbers of apology notices: "01/PXL-UBND", a yearly sequence per issuing unit.

Administrative documents are numbered "<số>/<ký hiệu>" (Decree 30/2020/NĐ-CP, Phụ lục VI): the
number restarts each year, written with at least two digits, and the symbol joins the kind of
paper (PXL, phiếu xin lỗi) to the issuing unit's abbreviation: the agency's `notice_symbol`
(table agency_signer), else its initials ("Sở Tư pháp" -> STP, "UBND xã Đông Hòa" -> UBND). Each
notice keeps the symbol it was numbered under.

The number is the largest one of the unit's year plus one, inserted under the unique
(issuing_agency_id, year, number) constraint inside a savepoint. When two drafters race, the
loser's insert waits for the winner's transaction, fails on the constraint, and retries with
the next number, so the sequence has no gaps and no duplicates without a counter table.
A cancelled draft keeps its number: the register shows it as cancelled rather than reusing it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.clock import to_local
from app.core.errors import Conflict
from app.models import Agency, AgencySigner, Notice
from app.notices import repository

SUFFIX = "PXL"
MAX_ATTEMPTS = 25
# Words that do not give an initial ("Sở Tài nguyên và Môi trường" -> STNMT).
_SKIPPED_WORDS = frozenset({"và", "của"})


def display_number(number: int, symbol: str | None = None) -> str:
    """(3, "PXL-UBND") -> "03/PXL-UBND"; without a symbol (older notices) "03/PXL"."""
    return f"{number:02d}/{symbol or SUFFIX}"


def unit_abbreviation(name: str) -> str:
    """Initials of an agency's name, without diacritics: "Sở Tư pháp" -> "STP"; a name that
    starts with an acronym ("UBND xã …", "TTPVHCC tỉnh") keeps the acronym."""
    words = [w for w in name.split() if w.casefold() not in _SKIPPED_WORDS]
    if not words:
        return ""
    plain = [_ascii(w) for w in words]
    first = plain[0]
    if len(first) > 1 and first.isupper():
        return first
    return "".join(w[0] for w in plain if w).upper()


def _ascii(word: str) -> str:
    letters = unicodedata.normalize("NFD", word.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in letters if c.isalnum() and not unicodedata.combining(c))


def register_symbol(agency: Agency, signer: AgencySigner | None) -> str:
    """"PXL-<abbreviation>" of the unit that issues the notice."""
    chosen = (signer.notice_symbol or "").strip() if signer else ""
    abbreviation = chosen or unit_abbreviation(agency.name)
    return f"{SUFFIX}-{abbreviation}" if abbreviation else SUFFIX


def notice_number(notice: Notice) -> str:
    return display_number(notice.number, notice.symbol)


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


def insert_numbered_many(
    session: Session, drafts: Sequence[tuple[int, int, Callable[[int], Notice]]], year: int
) -> list[Notice | None]:
    """`insert_numbered` for many (dossier_id, agency_id, build), in order: each agency's next
    numbers given in that order and every notice inserted in one savepoint, so the rows are
    those one at a time would give. Should another drafter take a number or a dossier
    meanwhile, the savepoint is undone and each is inserted alone, as `insert_numbered` does."""
    if not drafts:
        return []
    next_number = repository.max_numbers(session, {agency for _, agency, _ in drafts}, year)
    notices: list[Notice] = []
    for _, agency_id, build in drafts:
        next_number[agency_id] = next_number.get(agency_id, 0) + 1
        notices.append(build(next_number[agency_id]))
    try:
        with session.begin_nested():
            repository.add_all(session, notices)
        return list(notices)
    except IntegrityError:
        return [insert_numbered(session, dossier_id, agency_id, year, build)
                for dossier_id, agency_id, build in drafts]
