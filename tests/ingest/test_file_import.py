"""`tthc ingest file`: CSV, XLSX and JSON exports through the spreadsheet connector."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.db.session import make_engine, make_session_factory
from app.models import ConnectorState, Dossier, IngestRun, QuarantineEntry
from connectors import build_envelope
from tests.ingest.payloads import dossier, stamp, step

runner = CliRunner()
HEADER = ["Mã hồ sơ", "Mã TTHC", "Tên thủ tục", "Mã lĩnh vực", "Lĩnh vực", "Loại đối tượng",
          "Chủ hồ sơ", "Trích yếu", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái",
          "Đơn vị xử lý", "Cột lạ"]


def row(n: int, received: str = "08/09/2025 08:30") -> list[str]:
    return [f"H21.65-250908-{n:04d}", "1.001234", "Cấp giấy phép xây dựng", "XD", "Xây dựng",
            "1", "Nguyễn Văn An", "Xin cấp phép", received, "19/09/2025 17:00", "Đang xử lý",
            "H21.65", "x"]


def counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            dossiers = session.scalar(select(func.count()).select_from(Dossier)) or 0
            quarantined = session.scalar(select(func.count()).select_from(QuarantineEntry)) or 0
            return int(dossiers), int(quarantined)
    finally:
        engine.dispose()


def test_csv_import_quarantines_bad_rows_and_reports_unmapped(
    cli_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "xuat.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(1, 6):
            writer.writerow(row(n))
        writer.writerow(row(6, received="32/13/2025"))
    result = runner.invoke(cli, ["ingest", "file", str(path), "--page-size", "2"])
    assert result.exit_code == 0, result.output
    assert "stored 5" in result.output and "quarantined 1" in result.output
    assert "unmapped columns: Cột lạ" in result.output
    assert counts(cli_database) == (5, 1)
    # a complete import forgets its resume point: importing again reads the file again
    engine = make_engine(cli_database)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(ConnectorState)) == 0
        run = session.scalars(select(IngestRun)).one()
        assert run.status == "succeeded" and run.pages == 3 and run.source == "file"
    engine.dispose()
    again = runner.invoke(cli, ["ingest", "file", str(path), "--source", "motcua"])
    assert again.exit_code == 0 and "unchanged 5" in again.output
    assert counts(cli_database) == (5, 1)


def test_xlsx_import(cli_database: str, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for n in range(1, 4):
        sheet.append(row(n))
    path = tmp_path / "xuat.xlsx"
    book.save(path)
    result = runner.invoke(cli, ["ingest", "file", str(path)])
    assert result.exit_code == 0, result.output
    assert "stored 3" in result.output
    assert counts(cli_database) == (3, 0)


def test_json_envelope_and_list_import(cli_database: str, tmp_path: Path) -> None:
    envelope = tmp_path / "goi.json"
    envelope.write_text(json.dumps(build_envelope("DongBoHoSoMC", "H21.65", [
        dossier("H21.65-250908-0001"), dossier("H21.65-250908-0002")]), ensure_ascii=False),
        encoding="utf-8")
    plain = tmp_path / "danh-sach.json"
    plain.write_text(json.dumps([dossier("H21.65-250908-0003"), "rác"], ensure_ascii=False),
                     encoding="utf-8")
    for path, expected in ((envelope, "stored 2"), (plain, "stored 1")):
        result = runner.invoke(cli, ["ingest", "file", str(path)])
        assert result.exit_code == 0, result.output
        assert expected in result.output
    assert counts(cli_database) == (3, 1)


def test_own_failures_exit_non_zero_with_a_clear_message(
    cli_database: str, tmp_path: Path
) -> None:
    missing = runner.invoke(cli, ["ingest", "file", str(tmp_path / "khong-co.csv")])
    assert missing.exit_code == 1 and "no such file" in missing.output
    odd = tmp_path / "xuat.pdf"
    odd.write_bytes(b"%PDF-1.4")
    result = runner.invoke(cli, ["ingest", "file", str(odd)])
    assert result.exit_code == 1 and "unsupported format" in result.output
    broken = tmp_path / "hong.json"
    broken.write_text("{không phải json", encoding="utf-8")
    result = runner.invoke(cli, ["ingest", "file", str(broken)])
    assert result.exit_code == 1 and "hong.json" in result.output
    assert "Traceback" not in result.output
    no_header = tmp_path / "trong.csv"
    no_header.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(cli, ["ingest", "file", str(no_header)])
    assert result.exit_code == 1 and "header" in result.output


def test_json_list_kinds(cli_database: str, tmp_path: Path) -> None:
    """A bare list of dossiers and then one of steps (TD.DichVuCong's two lists), told apart
    by --kind auto; --agency stands in for an empty DonViXuLy."""
    code = "H21.65-250908-0001"
    dossiers = tmp_path / "hoso.json"
    dossiers.write_text(json.dumps([dossier(code, steps=[], DonViXuLy=None)]), "utf-8")
    steps = tmp_path / "tiendo.json"
    steps.write_text(json.dumps([step(code, stamp(8, 8, 30), 2), step(code, stamp(9, 9), 4)]),
                     "utf-8")
    first = runner.invoke(cli, ["ingest", "file", str(dossiers), "--agency", "H21.65"])
    assert first.exit_code == 0 and "stored 1" in first.output, first.output
    second = runner.invoke(cli, ["ingest", "file", str(steps), "--kind", "auto"])
    assert second.exit_code == 0 and "stored 2" in second.output, second.output
    as_dossiers = runner.invoke(cli, ["ingest", "file", str(steps), "--kind", "dossiers"])
    assert "quarantined 2" in as_dossiers.output
    bad = runner.invoke(cli, ["ingest", "file", str(steps), "--kind", "steps"])
    assert bad.exit_code == 2 and "--kind must be" in bad.output
    table = tmp_path / "a.csv"
    table.write_text("Mã hồ sơ;Mã TTHC\nA;1\n", "utf-8")
    refused = runner.invoke(cli, ["ingest", "file", str(table), "--kind", "progress"])
    assert refused.exit_code == 2 and "spreadsheet holds dossiers" in refused.output
