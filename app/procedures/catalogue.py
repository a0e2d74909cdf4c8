"""Reading a procedure catalogue file (PORTAL.md "Procedure catalogue") into checked rows.

A row's processing time comes from the structured ``processing_time`` / ``processing_unit``
columns when present, else from the ``ThoiHanGiaiQuyet`` text. Text that cannot be read is kept
with its reason (``parse_error``), never guessed. A row without code or name, or with a bad
``cutoff`` / ``restart_on_supplement``, is refused and listed with its row number.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from openpyxl import load_workbook

from app.core.errors import BadRequest
from app.deadlines import ProcessingTime, ProcessingTimeParseError, parse_processing_time
from app.deadlines.rules import UNITS

REQUIRED: Final = ("MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc")
_TRUE: Final = frozenset({"true", "1", "yes", "có", "x"})
_FALSE: Final = frozenset({"false", "0", "no", "không", ""})


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
    field_code: str
    field_name: str
    text: str | None
    processing_time: ProcessingTime | None
    parse_error: str | None
    cutoff: time | None
    restart_on_supplement: bool


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _structured(raw: dict[str, Any]) -> ProcessingTime | None:
    value, unit = _text(raw.get("processing_time")), _text(raw.get("processing_unit"))
    if not value and not unit:
        return None
    if unit not in UNITS:
        raise ProcessingTimeParseError(
            value, f"processing_unit {unit!r} is not one of {', '.join(UNITS)}"
        )
    if unit == "same_day" and not value:
        return ProcessingTime.same_day()
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ProcessingTimeParseError(value, "processing_time is not a number") from None
    try:
        return ProcessingTime(number, unit)
    except ValueError as exc:
        raise ProcessingTimeParseError(value, str(exc)) from None


def _cutoff(value: Any) -> time | None:
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    text = _text(value)
    if not text:
        return None
    try:
        parsed = datetime.strptime(text, "%H:%M").time()
    except ValueError:
        raise RowRefused("cutoff", f"{text!r} is not an HH:MM hour") from None
    return parsed


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowRefused("restart_on_supplement", f"{text!r} is not true or false")


def check_row(row: int, raw: dict[str, Any]) -> CatalogueRow:
    """One raw row -> a checked row; raises :class:`RowRefused`."""
    values = {key: _text(raw.get(key)) for key in REQUIRED}
    for key in REQUIRED:
        if not values[key]:
            raise RowRefused(key, "required column is empty")
    if len(values["MaTTHC"]) > 64:
        raise RowRefused("MaTTHC", "a procedure code has at most 64 characters")
    text = _text(raw.get("ThoiHanGiaiQuyet")) or None
    processing: ProcessingTime | None = None
    error: str | None = None
    try:
        processing = _structured(raw)
        if processing is None:
            if text is None:
                raise ProcessingTimeParseError("", "no ThoiHanGiaiQuyet and no processing_time")
            processing = parse_processing_time(text)
    except ProcessingTimeParseError as exc:
        error = exc.reason
    return CatalogueRow(
        row=row, code=values["MaTTHC"], name=values["TenTTHC"], field_code=values["MaLinhVuc"],
        field_name=values["TenLinhVuc"], text=text, processing_time=processing,
        parse_error=error, cutoff=_cutoff(raw.get("cutoff")),
        restart_on_supplement=_flag(raw.get("restart_on_supplement")),
    )


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as the admin sees it, raw row) for a .json, .csv or .xlsx catalogue."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise BadRequest(f"no such file: {path}")
    if suffix == ".json":
        yield from _json_rows(path)
    elif suffix == ".csv":
        yield from _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
    else:
        raise BadRequest(f"{path.name}: expected a .json, .csv or .xlsx catalogue")


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"{path.name} is not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise BadRequest(f"{path.name}: a catalogue is a JSON list of objects")
    for index, item in enumerate(data, start=1):
        yield index, item if isinstance(item, dict) else {}


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            reader = csv.DictReader(handle, delimiter=delimiter)
            for record in reader:
                yield reader.line_num, {k.strip(): v for k, v in record.items() if k}
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{path.name} is not UTF-8 text: {exc.reason}") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise BadRequest(f"cannot open {path.name} as an Excel workbook: {exc}") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_text(cell) for cell in next(rows, ())]
        for number, cells in enumerate(rows, start=2):
            if all(cell in (None, "") for cell in cells):
                continue
            yield number, {h: c for h, c in zip(header, cells, strict=False) if h}
    finally:
        book.close()
