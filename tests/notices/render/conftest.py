"""Fixtures for the form-04 rendering tests: a realistic notice and what every output must say.

Kept in this sub-folder so its conftest belongs to the renderers alone (pytest imports test
modules in importlib mode, so a plain helper module would not be importable).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from app.notices.render.document import ApplicantKind, NoticeDocument, legal_basis_for

VN = timezone(timedelta(hours=7))
RECEIVED = datetime(2026, 2, 20, 2, 15, tzinfo=UTC)  # 09:15 in Vietnam


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _sample_document(**changes: Any) -> NoticeDocument:
    doc = NoticeDocument(
        governing_body="UBND tỉnh Lâm Đồng",
        issuing_unit="Sở Tư pháp",
        number="12/PXL",
        place="Lâm Đồng",
        issue_date=date(2026, 3, 5),
        legal_basis=legal_basis_for(RECEIVED),
        applicant_name="Nguyễn Thị Ánh Tuyết",
        applicant_kind=ApplicantKind.BA,
        identification_number="068190001234",
        received_at=RECEIVED,
        receiving_unit="Bộ phận Một cửa Sở Tư pháp tỉnh Lâm Đồng",
        procedure_name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        dossier_code="000.00.12.H36-260220-0042",
        original_appointment=datetime(2026, 3, 6, 16, 30, tzinfo=VN),
        reason="Cần xác minh thông tin tại cơ quan công an nơi đương sự cư trú trước đây",
        new_appointment=datetime(2026, 3, 13, 16, 30, tzinfo=VN),
        signer_name="Trần Quốc Hưng",
        signer_title="GIÁM ĐỐC",
    )
    return replace(doc, **changes) if changes else doc


def _expected_texts(doc: NoticeDocument) -> list[str]:
    """Every field of form 04 as it must read on the page, top to bottom."""
    return [
        doc.governing_body.upper(),
        doc.issuing_unit.upper(),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {doc.number}",
        f"{doc.place}, ngày 05 tháng 3 năm 2026",
        doc.title,
        f"Kính gửi: {doc.addressee}",
        "09 giờ 15 phút, ngày 20 tháng 02 năm 2026",
        doc.receiving_unit,
        doc.procedure_name,
        doc.applicant_name,
        doc.identification_number,
        doc.dossier_code,
        "16 giờ 30 phút, ngày 06 tháng 3 năm 2026",
        "không trả kết quả giải quyết hồ sơ",
        f"Lý do: {doc.reason}",
        "xin lỗi",
        "16 giờ 30 phút, ngày 13 tháng 3 năm 2026",
        doc.signer_title,
        doc.signer_name,
    ]


def _assert_in_order(haystack: str, needles: list[str]) -> None:
    position = 0
    for needle in needles:
        found = haystack.find(needle, position)
        assert found >= 0, f"{needle!r} missing after position {position}"
        position = found + len(needle)


def _squash(text: str) -> str:
    """Whitespace runs to one space (line breaks in PDFs and DOCX)."""
    return " ".join(text.split())


@pytest.fixture(scope="session")
def make_document() -> Callable[..., NoticeDocument]:
    """The sample notice, with any field replaced (validation runs again).

    Session-scoped like the others: documents are immutable, so sharing is safe.
    """
    return _sample_document


@pytest.fixture(scope="session")
def sample() -> NoticeDocument:
    return _sample_document()


@pytest.fixture(scope="session")
def expected_texts() -> Callable[[NoticeDocument], list[str]]:
    return _expected_texts


@pytest.fixture(scope="session")
def assert_in_order() -> Callable[[str, list[str]], None]:
    return _assert_in_order


@pytest.fixture(scope="session")
def squash() -> Callable[[str], str]:
    return _squash


@pytest.fixture(scope="session")
def nfd() -> Callable[[str], str]:
    return _nfd
