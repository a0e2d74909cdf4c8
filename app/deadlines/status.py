"""The clock's vocabulary of portal statuses (DEADLINES.md §4–§6) and the decree switch.

`DossierStatus` itself is the portal's (`connectors.portal.vocabulary`, the one file where
status codes are numbers); here are the sets the legal clock reads it by, so that every domain
asks "is it finished?" the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Final

from connectors.portal.vocabulary import NO_STATUS, STATUS_NAMES, DossierStatus, progression_rank

S = DossierStatus

#: Work is done: the clock stops at the finish (9) and the result is handed back (10).
FINISHED: Final = frozenset({S.FINISHED, S.RETURNED})
#: Never counted by the clock or the rates: not accepted yet, refused, withdrawn, stopped.
EXCLUDED: Final = frozenset({S.SUBMITTED, S.REFUSED, S.WITHDRAWN, S.STOPPED})
#: The clock stands still while the applicant supplements papers or pays.
PAUSING: Final = frozenset({S.SUPPLEMENT, S.FINANCIAL})
#: The clock runs.
RUNNING: Final = frozenset({S.ACCEPTED, S.PROCESSING})
#: Still being worked on or waited for.
ACTIVE: Final = RUNNING | PAUSING
#: No clock any more: finished or excluded (the open lists and the scan skip these).
CLOSED: Final = FINISHED | EXCLUDED
#: Every code the portal defines.
KNOWN: Final = frozenset(S)
#: Ended for good: CLOSED but for a submission that may still be accepted.
ENDED: Final = CLOSED - {S.SUBMITTED}

#: Decree 118/2025/NĐ-CP took effect on this day (replacing Decree 61/2018/NĐ-CP); a dossier
#: received earlier (local date) is judged by the old texts for its whole life.
DECREE_118_FROM: Final = date(2025, 7, 1)


def codes(statuses: Iterable[int]) -> tuple[int, ...]:
    """A set as SQL wants it: plain ints in order, so a statement's text never depends on
    hashing (and its cached plan is reused)."""
    return tuple(sorted(int(s) for s in statuses))


def under_decree_118(received_day: date) -> bool:
    """Whether a dossier received on this local day is judged by Decree 118/2025/NĐ-CP."""
    return received_day >= DECREE_118_FROM


__all__ = [
    "ACTIVE",
    "CLOSED",
    "DECREE_118_FROM",
    "ENDED",
    "EXCLUDED",
    "FINISHED",
    "KNOWN",
    "NO_STATUS",
    "PAUSING",
    "RUNNING",
    "STATUS_NAMES",
    "DossierStatus",
    "codes",
    "progression_rank",
    "under_decree_118",
]
