"""One catalogue row (PORTAL.md "Procedure catalogue") checked and read.

A row's processing time comes from the structured ``processing_time`` / ``processing_unit``
columns when present, else from the ``ThoiHanGiaiQuyet`` text through the reader of
`app.deadlines.parsing`, which keeps the phrase each part came from and lists the text back, with
every reading it allows, rather than guess. A cut-off comes from the ``cutoff`` column (an
"HH:MM" text, an Excel time cell or a fraction of a day) or else from the text. A row without
code or name, or with a bad ``cutoff`` / ``restart_on_supplement``, is refused with its row number.
Reading files is `app.procedures.catalogue_file`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from app.deadlines import ProcessingTime
from app.deadlines.parsing import Reading, TextReading, read_processing_time
from app.deadlines.rules import UNITS
from connectors.spreadsheet.aliases import fold

REQUIRED: Final = ("MaTTHC", "TenTTHC", "TenLinhVuc")
_TRUE: Final = frozenset({"true", "1", "yes", "y", "co", "x", "dung"})
_FALSE: Final = frozenset({"false", "0", "no", "n", "khong", "sai", ""})
_HOUR: Final = re.compile(r"(\d{1,2})\s*(?:(?::|h|giờ|gio|g)\s*(?:(\d{2})\s*(?:phút|phut)?)?)?"
                          r"(?::(\d{2}))?")
_DAY_SECONDS: Final = 24 * 3600


class RowRefused(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    row: int
    code: str
    name: str
    field_code: str | None
    field_name: str
    text: str | None
    processing_time: ProcessingTime | None
    parse_error: str | None
    cutoff: time | None
    restart_on_supplement: bool
    phrase: str | None = None
    cutoff_phrase: str | None = None
    exceptions: tuple[str, ...] = ()
    readings: tuple[Reading, ...] = ()
    agency: str | None = None
    service_level: str | None = None


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _structured(raw: dict[str, Any]) -> TextReading | None:
    """The reading of the ``processing_time`` / ``processing_unit`` columns, if given."""
    value, unit = cell_text(raw.get("processing_time")), cell_text(raw.get("processing_unit"))
    if not value and not unit:
        return None
    source = f"processing_time={value or '—'}, processing_unit={unit or '—'}"
    if unit not in UNITS:
        return TextReading(source, None, reason=f"processing_unit {unit!r} is not one of "
                           f"{', '.join(UNITS)}")
    number = value.replace(",", ".")
    if unit == "same_day" and not number:
        number = "0"  # "trong ngày" needs no number
    try:
        return TextReading(source, Reading(ProcessingTime(Decimal(number), unit), source))
    except InvalidOperation:
        return TextReading(source, None, reason="processing_time is not a number")
    except ValueError as exc:
        return TextReading(source, None, reason=str(exc))


def read_cutoff(value: Any) -> time | None:
    """A cut-off cell: an Excel time or date-time, a fraction of a day (0.625 = 15:00), a whole
    hour (15) or text ("15:00", "15h30", "15 giờ"); empty is none."""
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        minutes = round(value * _DAY_SECONDS / 60)
        if 0 < value < 1 and 0 < minutes < 24 * 60:  # Excel keeps a time as a fraction of a day
            return (datetime.min + timedelta(minutes=minutes)).time()
        if float(value).is_integer() and 0 < value < 24:
            return time(int(value))
        raise RowRefused("cutoff", f"{value!r} is not an hour of the day")
    text = cell_text(value).lower()
    if not text:
        return None
    match = _HOUR.fullmatch(text)
    if match is None:
        raise RowRefused("cutoff", f"{text!r} is not an HH:MM hour")
    hour, minute = int(match[1]), int(match[2] or 0)
    if not (0 < hour < 24 and minute < 60):
        raise RowRefused("cutoff", f"{text!r} is not an HH:MM hour")
    return time(hour, minute)


def read_flag(value: Any, column: str = "restart_on_supplement") -> bool:
    """Yes/no as catalogues write it: true/false, 1/0, "Có"/"Không", "x"/empty; missing is no."""
    if isinstance(value, bool):
        return value
    text = fold(cell_text(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowRefused(column, f"{cell_text(value)!r} is not yes or no (Có/Không, true/false)")


def _reading(raw: dict[str, Any], text: str | None) -> TextReading:
    structured = _structured(raw)
    if structured is not None:
        return structured
    if text is None:
        return TextReading("", None, reason="no ThoiHanGiaiQuyet and no processing_time")
    return read_processing_time(text)


def check_row(row: int, raw: dict[str, Any]) -> CatalogueRow:
    """One raw row (keys already the catalogue's own names) -> a checked row; raises
    :class:`RowRefused`."""
    values = {key: cell_text(raw.get(key)) for key in (*REQUIRED, "MaLinhVuc")}
    for key in REQUIRED:
        if not values[key]:
            raise RowRefused(key, "required column is empty")
    if len(values["MaTTHC"]) > 64:
        raise RowRefused("MaTTHC", "a procedure code has at most 64 characters")
    text = cell_text(raw.get("ThoiHanGiaiQuyet")) or None
    result = _reading(raw, text)
    reading = result.reading
    cutoff = read_cutoff(raw.get("cutoff"))
    cutoff_phrase = f"cutoff={cutoff:%H:%M}" if cutoff else None
    if cutoff is None and reading is not None:
        cutoff, cutoff_phrase = reading.cutoff, reading.cutoff_phrase
    return CatalogueRow(
        row=row, code=values["MaTTHC"], name=values["TenTTHC"],
        field_code=values["MaLinhVuc"] or None, field_name=values["TenLinhVuc"], text=text,
        processing_time=reading.time if reading else None, parse_error=result.reason,
        cutoff=cutoff, restart_on_supplement=read_flag(raw.get("restart_on_supplement")),
        phrase=reading.phrase if reading else None, cutoff_phrase=cutoff_phrase,
        exceptions=result.exceptions, readings=result.candidates,
        agency=cell_text(raw.get("CoQuanThucHien")) or None,
        service_level=cell_text(raw.get("MucDo")) or None,
    )
