"""Receipt cut-off hours in a processing-time text ("trường hợp nhận hồ sơ sau 15 giờ thì trả
kết quả trong ngày làm việc tiếp theo" → 15:00; DEADLINES.md §3).

Every "sau/trước N giờ[ MM][ phút][ chiều]" or "15h30" of a ";"-clause that speaks of receiving
("nhận", "nộp") or of the next day counts; a clock time elsewhere ("Sáng từ 07 giờ") does not.
``same_day`` says the clause returns the result the next day ("trả kết quả trong ngày làm việc
tiếp theo"), which only fits a same-day time, rather than starting the clock then ("tính từ ngày
làm việc tiếp theo"). Patterns match the folded text of `app.deadlines.vi_text`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from app.deadlines.clauses import Clause
from app.deadlines.vi_text import Prepared

_CUTOFF: Final = re.compile(
    r"\b(?:sau|truoc)\s+(?P<h>\d{1,2})\s*(?:gio|h)(?:\s*(?P<m>\d{2})(?:\s*phut)?)?\b"
    r"(?P<pm>\s+chieu)?"
)
_RECEIPT: Final = re.compile(r"\b(?:nhan|nop)\b")
_SEGMENT: Final = re.compile(r"[^;]+")
_NEXT_DAY: Final = re.compile(r"\b(?:tiep theo|hom sau|ke tiep)\b")
_RETURN_NEXT_DAY: Final = re.compile(
    r"\b(?:trong|vao)\s+ngay\s+(?:lam\s+viec\s+)?(?:tiep\s+theo|hom\s+sau|ke\s+tiep)"
    r"|\btra\b[^;.]*\b(?:tiep\s+theo|hom\s+sau)"
)
_CLOCK_START: Final = re.compile(r"\btinh\s+(?:tu\s+)?(?:ngay|thoi diem)")


@dataclass(frozen=True, slots=True)
class Cutoff:
    at: dt.time
    start: int
    end: int
    same_day: bool
    phrase: str = ""


def find_cutoffs(prepared: Prepared) -> list[Cutoff]:
    """The cut-offs of a text in order; `ValueError` names an hour that is none (25 giờ)."""
    found = []
    for clause in _SEGMENT.finditer(prepared.fold):
        for match in _CUTOFF.finditer(clause.group()):
            if not (_RECEIPT.search(clause.group(), 0, match.start())
                    or _NEXT_DAY.search(clause.group())):
                continue
            hour, minute = int(match["h"]), int(match["m"] or 0)
            hour += 12 if match["pm"] and hour < 12 else 0
            start, end = clause.start() + match.start(), clause.start() + match.end()
            if not (0 < hour < 24 and minute < 60):
                raise ValueError(f"giờ chốt không hợp lệ: {prepared.quote(start, end)}")
            same_day = bool(_RETURN_NEXT_DAY.search(clause.group())) and not _CLOCK_START.search(
                clause.group())
            found.append(Cutoff(dt.time(hour, minute), start, end, same_day))
    return found


def with_phrases(cutoffs: list[Cutoff], clauses: list[Clause], prepared: Prepared
                 ) -> list[Cutoff]:
    """Each cut-off with the smallest clause holding it as its phrase."""
    out = []
    for cutoff in cutoffs:
        holders = [c for c in clauses if c.start <= cutoff.start < c.end]
        holder = min(holders, key=lambda c: c.end - c.start, default=None)
        phrase = holder.phrase(prepared) if holder else prepared.whole()
        out.append(Cutoff(cutoff.at, cutoff.start, cutoff.end, cutoff.same_day, phrase))
    return out
