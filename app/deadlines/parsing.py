"""Reads the catalogue's free-text processing time (PORTAL.md "Procedure catalogue").

Never guesses: text with two different numbers, an unsupported unit (month, week, year, minute),
hours not said to be working hours, or no number at all is refused with a reason, so the admin
can fix the row or give `processing_time` / `processing_unit` explicitly.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from app.deadlines.rules import ProcessingTime, ProcessingUnit


class ProcessingTimeParseError(ValueError):
    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"cannot read processing time {text!r}: {reason}")
        self.text = text
        self.reason = reason


_NUMBER = r"\d+(?:[.,]\d+)?"
# "05 (năm) ngày": a number may be repeated in words in brackets before its unit.
_SPELLED = r"(?:\([^()\d]*\)\s*)?"
_UNIT = r"ngay\s+lam\s+viec|ngay|gio\s+lam\s+viec|gio"
_QUANTITY = re.compile(rf"({_NUMBER})\s*{_SPELLED}({_UNIT})\b")
_ANY_NUMBER = re.compile(_NUMBER)
_SAME_DAY = re.compile(r"\btrong\s+(?:cung\s+)?ngay\b")
_UNSUPPORTED = {
    "thang": "a processing time in months is not supported",
    "tuan": "a processing time in weeks is not supported",
    "nam": "a processing time in years is not supported",
    "phut": "a processing time in minutes is not supported",
}
_UNSUPPORTED_UNIT = re.compile(
    rf"(?:{_NUMBER})\s*{_SPELLED}(thang|tuan|nam|phut)\b|\b(thang|tuan)\b"
)
_UNITS: dict[str, ProcessingUnit] = {
    "ngay lam viec": "working_days",
    "ngay": "calendar_days",
    "gio lam viec": "working_hours",
}


def _fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: NFD input and unaccented text read the same."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def _decimal(raw: str, text: str) -> Decimal:
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex only passes digits
        raise ProcessingTimeParseError(text, f"{raw!r} is not a number") from exc


def parse_processing_time(text: str) -> ProcessingTime:
    folded = _fold(text)
    if not folded:
        raise ProcessingTimeParseError(text, "the text is empty")
    unsupported = _UNSUPPORTED_UNIT.search(folded)
    if unsupported is not None:
        word = unsupported.group(1) or unsupported.group(2)
        raise ProcessingTimeParseError(text, _UNSUPPORTED[word])
    numbers = {_decimal(raw, text) for raw in _ANY_NUMBER.findall(folded)}
    if len(numbers) > 1:
        listed = ", ".join(sorted(format(n, "f") for n in numbers))
        raise ProcessingTimeParseError(text, f"several different numbers ({listed})")
    if not numbers:
        if _SAME_DAY.search(folded):
            return ProcessingTime.same_day()
        raise ProcessingTimeParseError(text, "no number and no 'trong ngày'")
    quantities = _QUANTITY.findall(folded)
    if not quantities:
        raise ProcessingTimeParseError(text, "the number has no unit (ngày, ngày làm việc, giờ)")
    units = {" ".join(unit.split()) for _, unit in quantities}
    if len(units) > 1:
        raise ProcessingTimeParseError(text, f"several units ({', '.join(sorted(units))})")
    unit_text = units.pop()
    if unit_text == "gio":
        raise ProcessingTimeParseError(
            text, "hours without 'làm việc' may be clock hours; write 'giờ làm việc'"
        )
    value = numbers.pop()
    try:
        return ProcessingTime(value, _UNITS[unit_text])
    except ValueError as exc:
        raise ProcessingTimeParseError(text, str(exc)) from exc
