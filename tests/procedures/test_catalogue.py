"""Procedure catalogue import: parse report, in-place updates, due-time refresh, lists."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli
from app.ingest.service import ingest_records
from app.models import Dossier, Procedure
from app.procedures.catalogue_file import read_rows
from app.procedures.service import import_catalogue, list_procedures
from tests.ingest.payloads import as_records, dossier, stamp, step

NOW = datetime(2025, 9, 9, 3, 0, tzinfo=UTC)
COLUMNS = ["MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "ThoiHanGiaiQuyet",
           "processing_time", "processing_unit", "cutoff", "restart_on_supplement"]


def entry(code: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"MaTTHC": code, "TenTTHC": f"Thủ tục {code}", "MaLinhVuc": "TP",
            "TenLinhVuc": "Tư pháp", "ThoiHanGiaiQuyet": text, **extra}


CATALOGUE = [
    entry("1.000001", "05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ"),
    entry("1.000002", "03 giờ làm việc", cutoff="15:00"),
    entry("1.000003", "15 ngày", restart_on_supplement="true"),
    entry("1.000004", "Trong ngày làm việc"),
    entry("1.000005", "Không quá 10 ngày làm việc"),
    entry("1.000006", "Theo quy định của pháp luật chuyên ngành"),
    entry("1.000007", "Không rõ", processing_time="2", processing_unit="working_days"),
    entry("1.000008", "01 tháng"),
]


def get(session: Session, code: str) -> Procedure:
    return session.scalars(select(Procedure).where(Procedure.code == code)).one()


def numbered(rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    return list(enumerate(rows, start=1))


def test_import_parses_common_phrasings_and_lists_the_rest(db_session: Session) -> None:
    report = import_catalogue(db_session, numbered(CATALOGUE), NOW)
    assert (report.created, report.updated, report.unchanged) == (8, 0, 0)
    expected = {
        "1.000001": (Decimal(5), "working_days"), "1.000002": (Decimal(3), "working_hours"),
        "1.000003": (Decimal(15), "calendar_days"), "1.000004": (Decimal(0), "same_day"),
        "1.000005": (Decimal(10), "working_days"), "1.000007": (Decimal(2), "working_days"),
    }
    for code, (value, unit) in expected.items():
        proc = get(db_session, code)
        assert (proc.processing_time, proc.processing_unit) == (value, unit), code
        assert proc.in_catalogue and proc.parse_error is None
    assert get(db_session, "1.000002").cutoff == time(15, 0)
    assert get(db_session, "1.000003").restart_on_supplement
    assert [(p.row, p.code) for p in report.listed_back] == [(6, "1.000006"), (8, "1.000008")]
    unparsed = get(db_session, "1.000008")
    assert unparsed.processing_time is None and unparsed.parse_error
    assert unparsed.processing_time_text == "01 tháng" and unparsed.in_catalogue


def test_bad_rows_are_refused_with_their_row_number(db_session: Session) -> None:
    rows = [entry("1.000001", "05 ngày làm việc", cutoff="25:99"),
            entry("1.000002", "05 ngày làm việc", restart_on_supplement="có lẽ"),
            {"TenTTHC": "Không có mã", "MaLinhVuc": "TP", "TenLinhVuc": "Tư pháp"},
            entry("1.000004", "05 ngày làm việc", processing_time="x",
                  processing_unit="working_days"),
            entry("1.000005", "05 ngày làm việc", processing_time="2", processing_unit="weeks")]
    report = import_catalogue(db_session, numbered(rows), NOW)
    assert [(p.row, p.column) for p in report.refused] == [
        (1, "cutoff"), (2, "restart_on_supplement"), (3, "MaTTHC")]
    # structured columns win over the text, so a bad structured value is not replaced by it
    assert [p.row for p in report.listed_back] == [4, 5]
    assert get(db_session, "1.000004").processing_time is None


def test_reimport_updates_in_place_and_refreshes_open_dossiers(db_session: Session) -> None:
    code = "H21.65-250908-0001"
    ingest_records(db_session, "test", as_records([
        dossier(code, procedure="1.000001", steps=[step(code, stamp(8, 8, 30), 2)]),
        dossier("H21.65-250908-0002", procedure="1.000001", status=10,
                steps=[step("H21.65-250908-0002", stamp(8, 9), 10)], NgayTra=stamp(8, 9)),
    ]), NOW)
    missing = list_procedures(db_session, missing=True)
    assert [(v.procedure.code, v.dossiers) for v in missing] == [("1.000001", 2)]
    first = import_catalogue(db_session, numbered([entry("1.000001", "05 ngày làm việc")]), NOW)
    assert (first.created, first.updated) == (0, 1) and first.recomputed_dossiers == 1
    open_one = db_session.scalars(select(Dossier).where(Dossier.code == code)).one()
    db_session.refresh(open_one)
    # received Mon 8/9 08:30 local, 5 working days -> Mon 15/9 08:30 local
    assert open_one.due_is_legal
    assert open_one.due_at == datetime(2025, 9, 15, 1, 30, tzinfo=UTC)
    assert list_procedures(db_session, missing=True) == []

    same = import_catalogue(db_session, numbered([entry("1.000001", "05 ngày làm việc")]), NOW)
    assert (same.updated, same.unchanged, same.recomputed_dossiers) == (0, 1, 0)
    longer = import_catalogue(db_session, numbered([entry("1.000001", "07 ngày làm việc")]), NOW)
    assert longer.updated == 1 and longer.recomputed_dossiers == 1
    db_session.refresh(open_one)
    assert open_one.due_at == datetime(2025, 9, 17, 1, 30, tzinfo=UTC)
    assert len(list_procedures(db_session)) == 1


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def test_files_are_read_as_json_csv_and_xlsx(tmp_path: Path) -> None:
    as_json = tmp_path / "danh-muc.json"
    as_json.write_text(json.dumps(CATALOGUE, ensure_ascii=False), encoding="utf-8")
    as_csv = tmp_path / "danh-muc.csv"
    write_csv(as_csv, CATALOGUE)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    for item in CATALOGUE:
        sheet.append([item.get(c) for c in COLUMNS])
    as_xlsx = tmp_path / "danh-muc.xlsx"
    book.save(as_xlsx)
    for path, first_row in ((as_json, 1), (as_csv, 2), (as_xlsx, 2)):
        rows = list(read_rows(path))
        assert len(rows) == len(CATALOGUE) and rows[0][0] == first_row
        assert rows[2][1]["ThoiHanGiaiQuyet"] == "15 ngày"


def test_cli_import_prints_the_report_and_list_shows_missing(
    cli_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "danh-muc.csv"
    write_csv(path, CATALOGUE)
    runner = CliRunner()
    result = runner.invoke(cli, ["procedures", "import", str(path)])
    assert result.exit_code == 0, result.output
    # the parse report names each unreadable row by number and code
    assert re.search(r"│ 7 +│ 1\.000006", result.output)
    assert re.search(r"│ 9 +│ 1\.000008", result.output)
    assert "tháng" in result.output
    again = runner.invoke(cli, ["procedures", "import", str(path)])
    assert again.exit_code == 0 and re.search(r"│ 0 +│ 0 +│ 8 +│ 2 +│", again.output)
    listed = runner.invoke(cli, ["procedures", "list", "--json"])
    items = json.loads(listed.output)
    assert len(items) == 8 and items[1]["cutoff"] == "15:00"
    assert json.loads(runner.invoke(cli, ["procedures", "list", "--missing", "--json"]).output) \
        == []
    bad = runner.invoke(cli, ["procedures", "import", str(tmp_path / "khong-co.json")])
    assert bad.exit_code == 1 and "no such file" in bad.output


def test_api_lists_missing_procedures_for_viewers(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    ingest_records(db_session, "test", as_records([dossier(procedure="9.999999")]), NOW)
    import_catalogue(db_session, numbered(CATALOGUE[:1]), NOW)
    assert client.get("/api/v1/procedures").status_code == 401
    viewer = auth_headers("viewer", agency="H21.65")
    response = client.get("/api/v1/procedures", params={"missing": "true"}, headers=viewer)
    assert response.status_code == 200
    [item] = response.json()
    assert item["code"] == "9.999999" and not item["in_catalogue"] and item["dossiers"] == 1
    everything = client.get("/api/v1/procedures", headers=viewer).json()
    assert {i["code"] for i in everything} == {"1.000001", "9.999999"}
