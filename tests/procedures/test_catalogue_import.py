"""Importing a catalogue keeps each reading with its phrase, exceptions and listed-back readings;
`tthc procedures list` and the API show them, numbers the Vietnamese way."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli
from app.ingest.service import ingest_records
from app.models import Dossier, Procedure
from app.procedures import cli as procedures_cli
from app.procedures.catalogue_file import CatalogueFile
from app.procedures.schemas import time_label, vi_number, with_phrase
from app.procedures.service import import_catalogue
from tests.ingest.payloads import as_records, dossier, stamp, step

NOW = datetime(2025, 9, 9, 3, 0, tzinfo=UTC)
CORPUS = Path(__file__).parent / "corpus"


def entry(code: str, text: str | None, **extra: Any) -> dict[str, Any]:
    return {"MaTTHC": code, "TenTTHC": f"Thủ tục {code}", "TenLinhVuc": "Tư pháp",
            "ThoiHanGiaiQuyet": text, **extra}


def get(session: Session, code: str) -> Procedure:
    return session.scalars(select(Procedure).where(Procedure.code == code)).one()


def numbered(rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    return list(enumerate(rows, start=1))


def test_a_reading_is_stored_with_its_phrase_cutoff_and_exceptions(db_session: Session) -> None:
    text = ("Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận hồ sơ sau 15 giờ mà không giải quyết "
            "được ngay thì trả kết quả trong ngày làm việc tiếp theo.Trường hợp cần xác minh điều "
            "kiện kết hôn của hai bên nam, nữ thì thời hạn giải quyết không quá 05 ngày làm việc.")
    report = import_catalogue(db_session, numbered([entry("1.000894", text)]), NOW)
    assert report.created == 1 and report.listed_back == []
    proc = get(db_session, "1.000894")
    assert (proc.processing_time, proc.processing_unit) == (Decimal(0), "same_day")
    assert proc.processing_time_phrase == "Ngay trong ngày tiếp nhận hồ sơ"
    assert proc.cutoff == time(15, 0) and proc.cutoff_phrase is not None
    assert proc.cutoff_phrase.startswith("trường hợp nhận hồ sơ sau 15 giờ")
    assert proc.processing_time_exceptions == [
        "Trường hợp cần xác minh điều kiện kết hôn của hai bên nam, nữ thì thời hạn giải quyết "
        "không quá 05 ngày làm việc"]
    assert proc.processing_time_readings is None and proc.parse_error is None


def test_a_text_listed_back_is_stored_with_every_reading(db_session: Session) -> None:
    report = import_catalogue(db_session, numbered([entry("1.1", "Trong ngày (tối đa 3 ngày)")]),
                              NOW)
    [problem] = report.listed_back
    assert (problem.row, problem.code, problem.column) == (1, "1.1", "ThoiHanGiaiQuyet")
    assert {r.label() for r in problem.readings} == {"trong ngày", "3 ngày"}
    proc = get(db_session, "1.1")
    assert proc.processing_time is None and proc.processing_unit is None
    assert proc.parse_error and "nhiều cách đọc" in proc.parse_error
    assert proc.processing_time_readings == [
        {"value": "0", "unit": "same_day", "cutoff": None, "label": "trong ngày",
         "phrase": "Trong ngày (tối đa 3 ngày)"},
        {"value": "3", "unit": "calendar_days", "cutoff": None, "label": "3 ngày",
         "phrase": "Trong ngày (tối đa 3 ngày)"},
    ]


def test_the_exports_missing_field_code_keeps_the_one_dossiers_brought(
    db_session: Session,
) -> None:
    ingest_records(db_session, "test", as_records([dossier(procedure="1.000001")]), NOW)
    learned = get(db_session, "1.000001").field_code
    assert learned
    import_catalogue(db_session, numbered([entry("1.000001", "05 ngày làm việc")]), NOW)
    assert get(db_session, "1.000001").field_code == learned
    import_catalogue(db_session, numbered([entry("1.000001", "05 ngày làm việc",
                                                 MaLinhVuc="G09-TP03")]), NOW)
    assert get(db_session, "1.000001").field_code == "G09-TP03"


def test_reimport_updates_in_place_and_recomputes_only_when_the_rule_changes(
    db_session: Session,
) -> None:
    code = "H21.65-250908-0001"
    ingest_records(db_session, "test", as_records([
        dossier(code, procedure="1.000001", steps=[step(code, stamp(8, 8, 30), 2)])]), NOW)
    base = "05 ngày làm việc; trường hợp phải xác minh thì không quá 10 ngày làm việc"
    first = import_catalogue(db_session, numbered([entry("1.000001", base)]), NOW)
    assert (first.updated, first.recomputed_dossiers) == (1, 1)
    # same rule, other exception: the row is updated, no due time moves
    other = import_catalogue(db_session, numbered([entry(
        "1.000001", "05 ngày làm việc; trường hợp phải xác minh thì không quá 15 ngày làm việc")]),
        NOW)
    assert (other.updated, other.unchanged, other.recomputed_dossiers) == (1, 0, 0)
    assert get(db_session, "1.000001").processing_time_exceptions == [
        "trường hợp phải xác minh thì không quá 15 ngày làm việc"]
    # a cut-off read from the text is a rule change: open dossiers are recomputed
    cut = import_catalogue(db_session, numbered([entry(
        "1.000001", "05 ngày làm việc; nhận hồ sơ sau 15 giờ thì tính từ ngày làm việc tiếp "
                    "theo")]), NOW)
    assert cut.recomputed_dossiers == 1
    # now listed back: no legal due any more, the dossier falls back to the portal appointment
    ambiguous = import_catalogue(db_session, numbered([entry("1.000001", "05-07 ngày làm việc")]),
                                 NOW)
    assert ambiguous.recomputed_dossiers == 1 and len(ambiguous.listed_back) == 1
    open_one = db_session.scalars(select(Dossier).where(Dossier.code == code)).one()
    db_session.refresh(open_one)
    assert not open_one.due_is_legal


def test_numbers_are_shown_the_vietnamese_way() -> None:
    assert [vi_number(Decimal(v)) for v in ("2E+1", "20", "5", "0.5", "1.50", "15")] == [
        "20", "20", "05", "0,5", "1,5", "15"]
    assert time_label(Decimal("2E+1"), "working_days") == "20 ngày làm việc"
    assert time_label(Decimal(0), "same_day") == "trong ngày"
    assert time_label(Decimal("4.000"), "working_hours") == "04 giờ làm việc"
    assert time_label(Decimal(15), "calendar_days") == "15 ngày"
    assert time_label(None, "working_days") is None and time_label(Decimal(1), None) is None
    assert with_phrase("05 ngày làm việc", "Không quá 05 ngày làm việc") == \
        "05 ngày làm việc ← 'Không quá 05 ngày làm việc'"
    assert with_phrase("05 ngày làm việc", None) == "05 ngày làm việc"
    assert with_phrase(None, "x") is None


def _export(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH MỤC THỦ TỤC HÀNH CHÍNH"])
    sheet.append(["STT", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn giải quyết",
                  "Cơ quan thực hiện", "Mức độ", "Giờ chốt"])
    sheet.append([1, "1.000002", "Thủ tục A", "Tư pháp",
                  "Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ", "UBND cấp xã",
                  "Toàn trình", None])
    sheet.append([2, "1.000003", "Thủ tục B", "Tư pháp", "Hai mươi ngày", "UBND cấp huyện",
                  "Một phần", 0.625])
    sheet.append([3, "1.000004", "Thủ tục C", "Tư pháp", "1/2 ngày làm việc", "", "", None])
    sheet.append([4, "1.000005", "Thủ tục D", "Tư pháp", "Trong ngày (tối đa 3 ngày)", "", "",
                  None])
    book.save(path)
    return path


def test_cli_imports_the_national_export_and_lists_readings_with_their_phrase(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(procedures_cli, "console", Console(width=400, highlight=False))
    runner = CliRunner()
    result = runner.invoke(cli, ["procedures", "import", str(_export(tmp_path / "tthc.xlsx"))])
    assert result.exit_code == 0, result.output
    assert "Cột không dùng: STT" in result.output
    assert "nhiều cách đọc" in result.output and "trong ngày" in result.output
    listed = runner.invoke(cli, ["procedures", "list"])
    assert "05 ngày làm việc ← 'Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ'" in \
        listed.output
    assert "20 ngày ← 'Hai mươi ngày'" in listed.output and "2E+1" not in listed.output
    assert "0,5 ngày làm việc ← '1/2 ngày làm việc'" in listed.output
    assert "15:00 ← 'cutoff=15:00'" in listed.output
    items = {i["code"]: i for i in json.loads(runner.invoke(
        cli, ["procedures", "list", "--json"]).output)}
    assert items["1.000003"]["processing_time"] == "20"
    assert items["1.000003"]["implementing_agency"] == "UBND cấp huyện"
    assert items["1.000003"]["service_level"] == "Một phần"
    assert items["1.000004"]["processing_time"] == "0.5"
    assert [r["label"] for r in items["1.000005"]["readings"]] == ["trong ngày", "03 ngày"]


def test_api_shows_one_procedure_and_404s_an_unknown_one(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    import_catalogue(db_session, numbered([entry(
        "1.000002", "Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ; trường hợp phải xác "
                    "minh thì không quá 10 ngày làm việc")]), NOW)
    viewer = auth_headers("admin")
    assert client.get("/api/v1/procedures/1.000002").status_code == 401
    body = client.get("/api/v1/procedures/1.000002", headers=viewer).json()
    assert body["processing_time_shown"] == (
        "05 ngày làm việc ← 'Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ'")
    assert body["exceptions"] == ["trường hợp phải xác minh thì không quá 10 ngày làm việc"]
    missing = client.get("/api/v1/procedures/9.999", headers=viewer)
    assert missing.status_code == 404 and "9.999" in missing.json()["reason"]


def test_every_published_text_of_the_corpus_imports_as_read(db_session: Session) -> None:
    """The corpus through the importer: read texts get a legal time, listed-back ones a reason
    and their readings, and nothing is refused."""
    cases = [c for path in sorted(CORPUS.glob("*.json"))
             for c in json.loads(path.read_text(encoding="utf-8"))["cases"]]
    rows = [entry(f"C.{i:03d}", c["text"]) for i, c in enumerate(cases)]
    report = import_catalogue(db_session, numbered(rows), NOW)
    assert report.refused == [] and report.created == len(cases)
    assert len(report.listed_back) == sum("listed_back" in c for c in cases)
    for i, case in enumerate(cases):
        proc = get(db_session, f"C.{i:03d}")
        if "read" in case:
            assert proc.processing_unit == case["read"]["unit"], case["text"]
            assert proc.processing_time_phrase
        else:
            assert proc.processing_unit is None and proc.parse_error, case["text"]
            assert len(proc.processing_time_readings or []) == len(case["listed_back"])


def test_unmapped_columns_and_headings_are_counted_while_reading(tmp_path: Path) -> None:
    file = CatalogueFile(_export(tmp_path / "tthc.xlsx"))
    assert len(list(file.rows())) == 4 and file.unmapped == ["STT"] and file.headings == 0


def test_the_simulators_catalogue_reads_as_the_times_it_simulates() -> None:
    """The demo's portal publishes its times as text only: each must read to the time its
    timelines are built on, or the demo would show false lateness."""
    from app.deadlines.parsing import read_processing_time
    from connectors.simulator import reference as ref
    from connectors.simulator.dataset import Dataset

    for procedure, row in zip(ref.PROCEDURES, Dataset.catalogue(), strict=True):
        reading = read_processing_time(row["ThoiHanGiaiQuyet"]).reading
        assert reading is not None, row
        assert (reading.time.value, reading.time.unit) == (procedure.amount, procedure.unit)
