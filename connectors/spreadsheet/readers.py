"""Streaming row readers for .xlsx and .csv exports (one row at a time, never the whole file)."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from connectors.errors import SpreadsheetError

Row = tuple[Any, ...]
_DELIMITERS: Final = (";", ",", "\t")


def _encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    return "utf-8-sig"  # plain UTF-8 with or without BOM


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


@contextmanager
def csv_rows(path: Path, delimiter: str | None = None) -> Iterator[Iterator[Row]]:
    """Rows of a CSV file, header first; numbers of rows are 1-based like the file's lines."""
    encoding = _encoding(path)
    try:
        handle = path.open("r", encoding=encoding, newline="")
    except OSError as exc:
        raise SpreadsheetError(f"cannot open {path}: {exc}") from None
    with handle:
        try:
            first = handle.readline()
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(f"{path.name}: line 1 is not {encoding}: {exc.reason}") from None
        sep = delimiter or sniff_delimiter(first)

        def rows() -> Iterator[Row]:
            line_no = 1
            for row in csv.reader(io.StringIO(first), delimiter=sep):
                yield tuple(row)
            reader = csv.reader(handle, delimiter=sep)
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:
                    raise SpreadsheetError(
                        f"{path.name}: after line {line_no} the text is not {encoding}: "
                        f"{exc.reason}"
                    ) from None
                except csv.Error as exc:
                    raise SpreadsheetError(f"{path.name}: line {reader.line_num}: {exc}") from None
                line_no = reader.line_num
                yield tuple(row)

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
