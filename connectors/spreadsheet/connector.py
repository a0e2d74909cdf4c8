"""Excel / CSV / JSON exports of one-door systems, read as a connector."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final, Literal, Self

from connectors.base import ConnectorState, Page, RecordKind, SourceRecord
from connectors.errors import EnvelopeInvalid, SpreadsheetError
from connectors.portal.envelope import parse_envelope
from connectors.portal.parse import RAW_ITEM_KEY, guess_kind
from connectors.spreadsheet.aliases import PORTAL_FIELDS, REQUIRED_FIELDS, AliasTable
from connectors.spreadsheet.cells import convert, to_text
from connectors.spreadsheet.readers import Row, csv_rows, xlsx_rows

SUFFIXES: Final = (".xlsx", ".xlsm", ".csv", ".json")
HEADER_SEARCH_ROWS: Final = 20


@dataclass(frozen=True, slots=True)
class SpreadsheetConfig:
    path: Path
    page_size: int = 1000
    sheet: str | None = None
    delimiter: str | None = None
    alias_file: Path | None = None
    aliases: Mapping[str, Any] = field(default_factory=dict)
    #: constant values for portal fields the export has no column for (e.g. {"LoaiDoiTuong": "1"})
    defaults: Mapping[str, str] = field(default_factory=dict)
    agency_code: str | None = None
    #: kind of the records of a plain JSON list (an envelope says it itself); "auto" tells
    #: each item by its fields (`guess_kind`)
    kind: RecordKind | Literal["auto"] = "dossier"

    def __post_init__(self) -> None:
        if self.path.suffix.lower() not in SUFFIXES:
            raise ValueError(f"{self.path.name}: expected one of {', '.join(SUFFIXES)}")
        if self.page_size < 1:
            raise ValueError("page_size must be >= 1")
        if self.kind not in ("dossier", "progress", "auto"):
            raise ValueError(f"kind must be dossier, progress or auto, not {self.kind!r}")
        unknown = sorted(set(self.defaults) - set(PORTAL_FIELDS))
        if unknown:
            raise ValueError(f"defaults name unknown portal fields: {', '.join(unknown)}")


@dataclass(frozen=True, slots=True)
class HeaderReport:
    """How the header row was understood (shown to the admin before/after an import)."""

    header_row: int
    mapped: dict[str, str]
    unmapped: list[str]
    duplicates: list[str]
    missing_required: list[str]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SpreadsheetConnector:
    """Reads an export file page by page.

    The state's ``cursor`` is the last row (1-based, as numbered in the file) already yielded,
    and ``extra["sha256"]`` the file's digest: the same file resumes after that row, a changed
    file is read from the top (ingestion is idempotent, so rows seen before are harmless).
    """

    name: ClassVar[str] = "spreadsheet"

    def __init__(self, config: SpreadsheetConfig) -> None:
        self.config = config
        self.aliases = AliasTable.load(config.alias_file, config.aliases)
        self._report: HeaderReport | None = None

    @classmethod
    def from_config(cls, **config: Any) -> Self:
        """Options: path, page_size, sheet, delimiter, alias_file, aliases, defaults,
        agency_code, kind."""
        for key in ("path", "alias_file"):
            if config.get(key) is not None:
                config[key] = Path(config[key])
        return cls(SpreadsheetConfig(**config))

    def close(self) -> None:
        """Files are opened and closed inside ``pages``; nothing is held between calls."""

    @property
    def _is_json(self) -> bool:
        return self.config.path.suffix.lower() == ".json"

    def _open(self) -> AbstractContextManager[Iterator[Row]]:
        path = self.config.path
        if not path.is_file():
            raise SpreadsheetError(f"no such file: {path}")
        if path.suffix.lower() == ".csv":
            return csv_rows(path, self.config.delimiter)
        return xlsx_rows(path, self.config.sheet)

    def _build_report(self, header: Row, row_no: int) -> HeaderReport:
        mapped: dict[str, str] = {}
        unmapped: list[str] = []
        duplicates: list[str] = []
        taken: set[str] = set()
        for cell in header:
            title = to_text(cell)
            if not title:
                continue
            portal_field = self.aliases.match(title)
            if portal_field is None:
                unmapped.append(title)
            elif portal_field in taken:
                duplicates.append(title)
            else:
                mapped[title] = portal_field
                taken.add(portal_field)
        given = taken | set(self.config.defaults)
        if self.config.agency_code:
            given.add("DonViXuLy")
        missing = [f for f in REQUIRED_FIELDS if f not in given]
        return HeaderReport(row_no, mapped, unmapped, duplicates, missing)

    def _find_header(self, rows: Iterator[Row]) -> tuple[HeaderReport, list[str | None]]:
        """Skip title rows above the header: the header is the first row matching 2+ aliases."""
        for row_no, row in enumerate(rows, start=1):
            if row_no > HEADER_SEARCH_ROWS:
                break
            report = self._build_report(row, row_no)
            if len(report.mapped) >= 2:
                columns: list[str | None] = []
                for cell in row:
                    title = to_text(cell)
                    columns.append(title if title in report.mapped else None)
                return report, columns
        raise SpreadsheetError(
            f"{self.config.path.name}: no header row found in the first {HEADER_SEARCH_ROWS} rows "
            "(a header needs at least two known column titles, e.g. 'Mã hồ sơ', 'Ngày tiếp nhận')"
        )

    def header_report(self) -> HeaderReport:
        """Mapped and unmapped column titles, and required fields no column provides."""
        if self._is_json:
            raise SpreadsheetError("a JSON file has no header row")
        if self._report is None:
            with self._open() as rows:
                self._report, _ = self._find_header(rows)
        return self._report

    def pages(self, state: ConnectorState) -> Iterator[Page]:
        digest = file_sha256(self.config.path) if self.config.path.is_file() else ""
        start = 0
        if state.extra.get("sha256") == digest and state.cursor is not None:
            start = int(state.cursor)
        if self._is_json:
            yield from self._json_pages(start, digest)
        else:
            yield from self._table_pages(start, digest)

    def _page(self, records: list[SourceRecord], last_row: int, digest: str, number: int) -> Page:
        state = ConnectorState(cursor=str(last_row), extra={"sha256": digest,
                                                            "file": self.config.path.name})
        return Page(records=records, state_after=state, number=number)

    def _row_payload(self, row: Row, columns: list[str | None]) -> dict[str, Any] | None:
        payload: dict[str, Any] = {}
        report = self._report
        assert report is not None
        for title, cell in zip(columns, row, strict=False):
            if title is not None:
                portal_field = report.mapped[title]
                payload[portal_field] = convert(portal_field, cell)
        if all(v in ("", []) for v in payload.values()):
            return None  # an empty or spacer row
        for portal_field, value in self.config.defaults.items():
            payload.setdefault(portal_field, value)
        return payload

    def _table_pages(self, start: int, digest: str) -> Iterator[Page]:
        name = self.config.path.name
        with self._open() as rows:
            self._report, columns = self._find_header(rows)
            row_no = self._report.header_row
            start = max(start, row_no)
            batch: list[SourceRecord] = []
            number = 0
            committed = start  # the row the last yielded state points at
            for row_no, row in enumerate(rows, start=self._report.header_row + 1):
                if row_no <= start:
                    continue
                payload = self._row_payload(row, columns)
                if payload is not None:
                    batch.append(SourceRecord("dossier", payload, f"{name} row {row_no}",
                                              self.config.agency_code))
                if len(batch) >= self.config.page_size:
                    number += 1
                    yield self._page(batch, row_no, digest, number)
                    batch, committed = [], row_no
            if batch or row_no > committed:
                yield self._page(batch, row_no, digest, number + 1)

    def _json_pages(self, start: int, digest: str) -> Iterator[Page]:
        path = self.config.path
        try:
            body = path.read_bytes()
            decoded = json.loads(body.decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SpreadsheetError(f"cannot read {path.name} as JSON: {exc}") from None
        kind: RecordKind | Literal["auto"]
        if isinstance(decoded, list):
            kind, agency, items = self.config.kind, self.config.agency_code, decoded
        else:
            try:
                envelope = parse_envelope(body)
            except EnvelopeInvalid as exc:
                raise SpreadsheetError(
                    f"{path.name}: expected an envelope or a list of records: {exc.reason}"
                ) from None
            kind, agency, items = envelope.kind, envelope.agency_code, envelope.data
        offsets = range(start, len(items), self.config.page_size)
        for number, offset in enumerate(offsets, start=1):
            chunk = items[offset: offset + self.config.page_size]
            records = [
                SourceRecord(guess_kind(item) if kind == "auto" else kind,
                             item if isinstance(item, dict) else {RAW_ITEM_KEY: item},
                             f"{path.name} item {offset + i + 1}", agency)
                for i, item in enumerate(chunk)
            ]
            yield self._page(records, offset + len(chunk), digest, number)
