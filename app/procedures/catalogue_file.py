"""Catalogue files as provinces have them, as rows keyed by the catalogue's own column names.

- the national catalogue's export and provincial lists (XLSX or CSV): Vietnamese column titles
  ("Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn giải quyết", "Cơ quan thực hiện",
  "Mức độ", ...), often under a title row, sometimes with section rows ("Lĩnh vực Hộ tịch");
- our own JSON list or CSV with the portal's keys (PORTAL.md "Procedure catalogue").

Titles are matched through an alias table, the spreadsheet connector's approach
(`connectors.spreadsheet.aliases.AliasTable` with the catalogue's vocabulary and
``catalogue_aliases.json``): accents, case and punctuation do not matter. The header is the first of
the top rows naming the code or name column and one more known column; unknown columns are
reported, never guessed. A row with one filled cell is a heading: when it names a field
("I. Lĩnh vực Hộ tịch (7 thủ tục)") the rows below without a field get it.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from app.core.errors import BadRequest
from app.procedures.catalogue import cell_text
from app.procedures.process import STEP_COLUMNS
from connectors.errors import SpreadsheetError
from connectors.spreadsheet.aliases import AliasTable, fold
from connectors.spreadsheet.readers import Row, csv_rows, xlsx_rows

CATALOGUE_FIELDS: Final = (
    "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "ThoiHanGiaiQuyet", "CoQuanThucHien",
    "MucDo", "CapThucHien", "processing_time", "processing_unit", "cutoff",
    "restart_on_supplement", "steps", *STEP_COLUMNS,
)
#: how far down a title block may push the header of an export
HEADER_SEARCH_ROWS: Final = 15
_HEADING_FIELD: Final = re.compile(
    r"^\s*(?:[ivxlcdm]+|\d+|[a-z])?[.)]?\s*linh vuc\s*(?P<name>.*?)\s*(?:\(\s*\d+[^)]*\))?\s*$"
)


@lru_cache(maxsize=1)
def catalogue_aliases() -> AliasTable:
    return AliasTable.from_resource("app.procedures", "catalogue_aliases.json", CATALOGUE_FIELDS)


@dataclass
class CatalogueFile:
    """Rows of a catalogue file; ``unmapped`` and ``headings`` fill in as rows are read."""

    path: Path
    unmapped: list[str] = field(default_factory=list)
    headings: int = 0

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number as the admin sees it, row keyed by catalogue column names)."""
        suffix = self.path.suffix.lower()
        if not self.path.is_file():
            raise BadRequest(f"no such file: {self.path}")
        if suffix not in (".json", ".csv", ".xlsx", ".xlsm"):
            raise BadRequest(f"{self.path.name}: expected a .json, .csv or .xlsx catalogue")
        if suffix == ".json":
            yield from self._json_rows()
            return
        try:
            reader = csv_rows(self.path) if suffix == ".csv" else xlsx_rows(self.path)
            with reader as rows:
                yield from self._table_rows(rows)
        except SpreadsheetError as exc:
            raise BadRequest(str(exc)) from None

    def _json_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"{self.path.name} is not valid JSON: {exc}") from None
        if not isinstance(data, list):
            raise BadRequest(f"{self.path.name}: a catalogue is a JSON list of objects")
        for index, item in enumerate(data, start=1):
            record = item if isinstance(item, dict) else {}
            columns = self._columns([str(k) for k in record])
            yield index, {name: record[key] for key, name in zip(record, columns, strict=True)
                          if name}

    def _columns(self, titles: list[str]) -> list[str | None]:
        """The catalogue column of each title (None for unknown or repeated ones)."""
        table = catalogue_aliases()
        taken: set[str] = set()
        out: list[str | None] = []
        for title in titles:
            name = table.match(title) if cell_text(title) else None
            if name is None or name in taken:
                if cell_text(title) and cell_text(title) not in self.unmapped:
                    self.unmapped.append(cell_text(title))
                out.append(None)
                continue
            taken.add(name)
            out.append(name)
        return out

    def _table_rows(self, rows: Iterator[Row]) -> Iterator[tuple[int, dict[str, Any]]]:
        top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        header_at = next((i for i, row in enumerate(top) if _is_header(row)), None)
        if header_at is None:
            raise BadRequest(
                f"{self.path.name}: no header row in the first {HEADER_SEARCH_ROWS} rows names "
                "'Mã thủ tục' (MaTTHC) or 'Tên thủ tục' (TenTTHC) and another known column")
        columns = self._columns([cell_text(c) for c in top[header_at]])
        section: str | None = None
        numbered = enumerate(itertools.chain(top[header_at + 1:], rows), start=header_at + 2)
        for number, cells in numbered:
            filled = [cell_text(c) for c in cells if cell_text(c)]
            if not filled:
                continue
            if len(filled) == 1:
                self.headings += 1
                heading = _HEADING_FIELD.match(fold(filled[0]))
                if heading is not None:
                    section = _field_name(filled[0])
                continue
            record = {name: cell for name, cell in zip(columns, cells, strict=False) if name}
            if section and not cell_text(record.get("TenLinhVuc")):
                record["TenLinhVuc"] = section
            yield number, record


def _is_header(row: Row) -> bool:
    names = {catalogue_aliases().match(cell_text(c)) for c in row if cell_text(c)} - {None}
    return bool(names & {"MaTTHC", "TenTTHC"}) and len(names) >= 2


def _field_name(heading: str) -> str:
    """"I. Lĩnh vực Hộ tịch (7 thủ tục)" -> "Hộ tịch"."""
    text = re.sub(r"^\s*(?:[IVXLCDM]+|\d+|[A-Za-z])?[.)]?\s*", "", heading)
    text = re.sub(r"^(?i:lĩnh vực)\s*:?\s*", "", text)
    return re.sub(r"\s*\(\s*\d+[^)]*\)\s*$", "", text).strip() or heading.strip()


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of a .json, .csv or .xlsx catalogue (see :class:`CatalogueFile`)."""
    yield from CatalogueFile(path).rows()
