"""Streaming row readers for .xlsx and .csv exports (one row at a time, never the whole file)."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Final

from connectors.errors import SpreadsheetError

Row = tuple[Any, ...]
_DELIMITERS: Final = (";", ",", "\t")


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of ``;``, ``,`` and tab outside quotes in a header line."""
    counts = {d: 0 for d in _DELIMITERS}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _utf8_lines(handle: BinaryIO, name: str) -> Iterator[str]:
    """Decode line by line, so that a bad byte is reported with its line number."""
    for line_no, raw in enumerate(handle, start=1):
        try:
            yield raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(
                f"{name}: line {line_no} is not utf-8 ({exc.reason} at byte {exc.start}); "
                "save the export as CSV UTF-8"
            ) from None


def _utf16_lines(handle: BinaryIO, name: str) -> Iterator[str]:
    text = io.TextIOWrapper(handle, encoding="utf-16", newline="")
    line_no = 0
    while True:
        try:
            line = text.readline()
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(
                f"{name}: after line {line_no} the text is not utf-16: {exc.reason}"
            ) from None
        if not line:
            return
        line_no += 1
        yield line


@contextmanager
def csv_rows(path: Path, delimiter: str | None = None) -> Iterator[Iterator[Row]]:
    """Rows of a CSV file, header first (UTF-8 with or without BOM, or UTF-16 with BOM)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SpreadsheetError(f"cannot open {path}: {exc}") from None
    with handle:
        utf16 = handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        handle.seek(0)
        lines = _utf16_lines(handle, path.name) if utf16 else _utf8_lines(handle, path.name)
        first = next(lines, "")
        sep = delimiter or sniff_delimiter(first)

        def rows() -> Iterator[Row]:
            reader = csv.reader(itertools.chain([first], lines), delimiter=sep)
            try:
                for row in reader:
                    yield tuple(row)
            except csv.Error as exc:
                raise SpreadsheetError(f"{path.name}: line {reader.line_num}: {exc}") from None

        yield rows()


@contextmanager
def xlsx_rows(path: Path, sheet: str | None = None) -> Iterator[Iterator[Row]]:
    """Rows of one worksheet (the active one unless ``sheet`` names another), header first."""
    from openpyxl import load_workbook  # heavy import: only when a workbook is read
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError) as exc:
        raise SpreadsheetError(f"cannot open workbook {path}: {exc}") from None
    except Exception as exc:  # zipfile.BadZipFile and friends: not a workbook at all
        raise SpreadsheetError(f"{path} is not a readable .xlsx file: {exc}") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise SpreadsheetError(
                f"{path.name} has no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)})"
            )
        worksheet = workbook[sheet] if sheet is not None else workbook.active
        if worksheet is None:
            raise SpreadsheetError(f"{path.name} has no worksheet")
        yield (tuple(row) for row in worksheet.iter_rows(values_only=True))
    finally:
        workbook.close()
