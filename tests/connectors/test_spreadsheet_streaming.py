"""A big export is read page by page in bounded memory (a bound, not a timing)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from connectors import ConnectorState
from connectors.spreadsheet import SpreadsheetConnector

ROWS = 50_000
HEADER = "Mã hồ sơ;Mã TTHC;Tên thủ tục;Lĩnh vực;Ngày tiếp nhận;Ngày hẹn trả;Trạng thái;Đơn vị xử lý"


@pytest.mark.slow
def test_fifty_thousand_rows_stream_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        for n in range(ROWS):
            handle.write(f"H21.65-250303-{n:06d};1.000894;Đăng ký kết hôn với nội dung dài {n};"
                         f"Hộ tịch;03/03/2025 08:15;10/03/2025 17:00;Đang xử lý;H21.65\n")
    file_size = path.stat().st_size
    connector = SpreadsheetConnector.from_config(path=path, page_size=1000)
    tracemalloc.start()
    try:
        count = pages = 0
        for page in connector.pages(ConnectorState()):
            count += len(page.records)
            pages += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == ROWS and pages == ROWS // 1000
    # one page of 1,000 records is about 1.5 MB of dicts; the whole file would be far more
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes for a {file_size}-byte file"
    assert peak < file_size
