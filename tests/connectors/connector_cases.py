"""Recorded sources for the connector contract test, and small helpers of the connector tests."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from openpyxl import Workbook

from connectors import Connector, get_connector
from connectors.dvc_portal.mapping import record_updated_at

FIXTURES = Path(__file__).parent / "fixtures"


def no_sleep(_: float) -> None:
    """Injected instead of time.sleep: the tests never wait."""


def load_dvc_pages() -> list[dict[str, Any]]:
    return [
        json.loads((FIXTURES / "dvc_portal" / f"page_{n}.json").read_text("utf-8"))
        for n in (1, 2, 3)
    ]


def recorded_portal(pages: list[dict[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    """Serves the recorded pages; with updated_since and no cursor, the records updated since."""
    by_cursor: dict[str | None, dict[str, Any]] = {None: pages[0]}
    for previous, page in itertools.pairwise(pages):
        by_cursor[previous["next_cursor"]] = page

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer test-token"
        cursor = request.url.params.get("cursor")
        since = request.url.params.get("updated_since")
        if since and not cursor:
            items = [
                item for page in pages for item in page["data"]
                if (record_updated_at(item) or "") >= since
            ]
            return httpx.Response(200, json={"error_code": 0, "data": items, "next_cursor": None})
        return httpx.Response(200, json=by_cursor[cursor])

    return handler


def csv_to_xlsx(source: Path, target: Path) -> Path:
    """The CSV fixture as a workbook, with real date cells where the CSV has dd/MM/yyyy HH:mm."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    with source.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle, delimiter=";"):
            cells: list[Any] = []
            for value in row:
                try:
                    cells.append(datetime.strptime(value, "%d/%m/%Y %H:%M"))
                except ValueError:
                    cells.append(value or None)
            sheet.append(cells)
    workbook.save(target)
    return target


@dataclass(frozen=True)
class ContractCase:
    """A connector over recorded data, with what the data holds."""

    build: Callable[[Path], Connector]
    total: int
    invalid: int
    min_pages: int


def _dvc(_: Path) -> Connector:
    client = httpx.Client(transport=httpx.MockTransport(recorded_portal(load_dvc_pages())))
    return get_connector("dvc_portal", base_url="http://portal.test", token="test-token",
                         page_size=3, client=client, sleep=no_sleep)


def _csv(_: Path) -> Connector:
    return get_connector("spreadsheet", path=FIXTURES / "spreadsheet" / "export.csv", page_size=4)


def _xlsx(tmp: Path) -> Connector:
    # Written once per test: openpyxl stamps the save time into the file, so a second write in
    # the next second is another file (another SHA-256) and a resumed import rightly restarts.
    path = tmp / "export.xlsx"
    if not path.exists():
        csv_to_xlsx(FIXTURES / "spreadsheet" / "export.csv", path)
    return get_connector("spreadsheet", path=path, page_size=4)


def _json(_: Path) -> Connector:
    return get_connector("spreadsheet", path=FIXTURES / "spreadsheet" / "export.json", page_size=3)


#: connector name -> its recorded cases. A registered connector without a case fails the suite.
CONTRACT_CASES: dict[str, dict[str, ContractCase]] = {
    "dvc_portal": {"recorded-pages": ContractCase(_dvc, total=9, invalid=3, min_pages=3)},
    "spreadsheet": {
        "csv": ContractCase(_csv, total=6, invalid=2, min_pages=2),
        "xlsx": ContractCase(_xlsx, total=6, invalid=2, min_pages=2),
        "json-envelope": ContractCase(_json, total=4, invalid=1, min_pages=2),
    },
}
