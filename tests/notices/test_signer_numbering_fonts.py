"""Form 04's signature, header and register number as an agency configures them, and the refusal
to print a PDF without a Times New Roman-compatible Vietnamese font."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.agencies.service import upsert_agency
from app.cli import app as cli
from app.core.config import get_settings
from app.db.session import make_engine, make_session_factory, session_scope
from app.deadlines.store.sync import load_context, refresh_deadlines
from app.models import AgencySigner, Notice
from app.notices import repository, service
from app.notices.builder import build_document
from app.notices.drafting import create_draft
from app.notices.numbering import display_number, unit_abbreviation
from app.notices.render import fonts, render
from tests.scan.scenario import ONE_DAY_BEFORE, Case, add_dossier, make_case

runner = CliRunner()


def _draft(session: Session, case: Case, code: str, actor: str = "t") -> Notice:
    dossier = add_dossier(session, case, code)
    refresh_deadlines(session, [dossier], ONE_DAY_BEFORE, load_context(session))
    return create_draft(session, code, ONE_DAY_BEFORE, actor=actor)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sở Tư pháp", "STP"),
        ("Sở Tài nguyên và Môi trường", "STNMT"),
        ("UBND xã Đông Hòa", "UBND"),
        ("Trung tâm Phục vụ hành chính công tỉnh Lâm Đồng", "TTPVHCCTLD"),
        ("Đài Phát thanh", "DPT"),
    ],
)
def test_unit_abbreviation_is_the_initials_without_marks(name: str, expected: str) -> None:
    assert unit_abbreviation(name) == expected


def test_numbers_have_two_digits_at_least() -> None:
    assert display_number(3, "PXL-UBND") == "03/PXL-UBND"
    assert display_number(12, "PXL-STP") == "12/PXL-STP"
    assert display_number(105, None) == "105/PXL"


def test_numbering_is_per_unit_per_year_with_the_units_symbol(db_session: Session) -> None:
    case = make_case(db_session)
    other = make_case(db_session, "-2")
    upsert_agency(
        db_session, code=other.agency.code, name="UBND phường Xuân Hương",
        parent_code=other.province.code, now=ONE_DAY_BEFORE, notice_symbol="ubnd",
    )
    first = _draft(db_session, case, "A-1")
    second = _draft(db_session, case, "A-2")
    elsewhere = _draft(db_session, other, "B-1")
    numbers = [service.notice_number(n) for n in (first, second, elsewhere)]
    assert numbers == ["01/PXL-STP", "02/PXL-STP", "01/PXL-UBND"]


def test_the_agencys_signer_signs_and_the_header_names_the_province(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make_case(db_session)
    case.agency.governing_body = None
    case.agency.parent_id = None  # a unit without a parent: the province's committee governs
    db_session.add(AgencySigner(
        agency_id=case.agency.id, signer_name="Trần Văn Hùng",
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", created_at=ONE_DAY_BEFORE,
        updated_at=ONE_DAY_BEFORE,
    ))
    monkeypatch.setenv("TTHC_PROVINCE_NAME", "Khánh Hòa")
    get_settings.cache_clear()
    try:
        notice = _draft(db_session, case, "S-1", actor="demo")
        service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="giam sat")
        document = build_document(db_session, repository.get_row(db_session, notice.id))  # type: ignore[arg-type]
    finally:
        get_settings.cache_clear()
    assert document.signer_name == "Trần Văn Hùng"
    assert document.signer_title_lines == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert document.governing_body_lines == ("UBND TỈNH KHÁNH HÒA",)
    html = render(document, "html").decode()
    assert "giam sat" not in html and "demo" not in html


def test_without_a_signer_the_name_line_is_left_for_the_hand(db_session: Session) -> None:
    case = make_case(db_session)
    notice = _draft(db_session, case, "S-2", actor="demo supervisor")
    service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="demo supervisor")
    document = build_document(db_session, repository.get_row(db_session, notice.id))  # type: ignore[arg-type]
    assert document.signer_name is None
    assert document.signer_title == "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"
    assert "demo supervisor" not in render(document, "html").decode()
    assert case.agency.name not in document.signer_title


@pytest.fixture
def no_print_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    fonts.print_font.cache_clear()
    monkeypatch.setattr(fonts, "PRINT_FAMILIES", ("No Such Serif 9",))
    yield
    fonts.print_font.cache_clear()


def test_render_refuses_a_pdf_without_the_font_and_names_the_package(
    cli_database: str, tmp_path: Path, no_print_font: None
) -> None:
    engine = make_engine(cli_database)
    with session_scope(make_session_factory(engine)) as session:
        case = make_case(session)
        notice = _draft(session, case, "F-1")
        notice_id = notice.id
    engine.dispose()
    out = tmp_path / "n.pdf"
    result = runner.invoke(cli, ["notices", "render", str(notice_id), "--out", str(out)])
    assert result.exit_code == 1
    assert "install the Debian package fonts-liberation2" in result.output
    assert not out.exists()
    docx = runner.invoke(
        cli, ["notices", "render", str(notice_id), "--format", "docx", "--out", str(out)]
    )
    assert docx.exit_code == 0, docx.output  # Word brings its own Times New Roman


def test_readyz_reports_the_missing_font_as_an_advisory(
    client: TestClient, no_print_font: None
) -> None:
    body = client.get("/readyz").json()
    assert body["ready"] is True
    assert body["advisories"]["print_font"] == {"status": "missing", "install": "fonts-liberation2"}


def test_readyz_names_the_font_that_prints(client: TestClient) -> None:
    fonts.print_font.cache_clear()
    advisory = client.get("/readyz").json()["advisories"]["print_font"]
    assert advisory == {"status": "ok", "family": "Liberation Serif"}
