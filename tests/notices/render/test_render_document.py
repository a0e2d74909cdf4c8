"""NoticeDocument, the Vietnamese date phrases and the body wording shared by renderers."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.notices.render.dates import place_date_line, vn_date_phrase, vn_datetime_phrase
from app.notices.render.document import (
    DEFAULT_SIGNER_TITLE,
    ApplicantKind,
    LegalBasis,
    NoticeDocument,
    legal_basis_for,
    notice_title,
)
from app.notices.render.wording import body_paragraphs

VN = timezone(timedelta(hours=7))
Factory = Callable[..., NoticeDocument]


@pytest.mark.parametrize(
    ("day", "phrase"),
    [
        (date(2026, 3, 5), "ngày 05 tháng 3 năm 2026"),
        (date(2026, 1, 9), "ngày 09 tháng 01 năm 2026"),
        (date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
        (date(2025, 12, 31), "ngày 31 tháng 12 năm 2025"),
        (date(2025, 10, 10), "ngày 10 tháng 10 năm 2025"),
    ],
)
def test_date_phrase_pads_days_and_the_first_two_months(day: date, phrase: str) -> None:
    assert vn_date_phrase(day) == phrase


def test_date_phrase_of_an_instant_uses_the_vietnamese_calendar_day() -> None:
    late_evening_utc = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)  # 03:00 on the 5th in Vietnam
    assert vn_date_phrase(late_evening_utc) == "ngày 05 tháng 3 năm 2026"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        vn_date_phrase(datetime(2026, 3, 5, 8, 0))
    with pytest.raises(ValueError, match="naive"):
        vn_datetime_phrase(datetime(2026, 3, 5, 8, 0))


def test_datetime_phrase_shows_wall_clock_time_in_vietnam() -> None:
    moment = datetime(2026, 3, 6, 9, 5, tzinfo=UTC)
    assert vn_datetime_phrase(moment) == "16 giờ 05 phút, ngày 06 tháng 3 năm 2026"


def test_place_date_line(nfd: Callable[[str], str]) -> None:
    assert place_date_line("Lâm Đồng", date(2026, 3, 5)) == "Lâm Đồng, ngày 05 tháng 3 năm 2026"
    line = place_date_line(nfd("  Đà   Nẵng "), date(2026, 3, 5))
    assert line == "Đà Nẵng, ngày 05 tháng 3 năm 2026"
    assert unicodedata.is_normalized("NFC", line)
    with pytest.raises(ValueError, match="place"):
        place_date_line("  ", date(2026, 3, 5))


@pytest.mark.parametrize(
    ("received", "basis"),
    [
        (date(2025, 6, 30), LegalBasis.CIRCULAR_01_2018),
        (date(2025, 7, 1), LegalBasis.CIRCULAR_03_2025),
        # 17:30 UTC on 30 June is 00:30 on 1 July in Vietnam: the new rules apply.
        (datetime(2025, 6, 30, 17, 30, tzinfo=UTC), LegalBasis.CIRCULAR_03_2025),
        (datetime(2025, 6, 30, 16, 59, tzinfo=UTC), LegalBasis.CIRCULAR_01_2018),
    ],
)
def test_legal_basis_follows_the_received_day(received: date, basis: LegalBasis) -> None:
    assert legal_basis_for(received) is basis


def test_titles_of_the_two_circulars(make_document: Factory) -> None:
    assert notice_title(LegalBasis.CIRCULAR_01_2018) == "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
    assert (
        notice_title(LegalBasis.CIRCULAR_03_2025)
        == "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
    )
    old = make_document(legal_basis=legal_basis_for(date(2025, 6, 2)))
    assert old.title == "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"


def test_document_normalises_text_to_nfc_and_collapses_spaces(
    make_document: Factory, nfd: Callable[[str], str]
) -> None:
    doc = make_document(applicant_name=nfd("  Nguyễn   Thị  Ánh Tuyết "), reason=nfd("Lý do "))
    assert doc.applicant_name == "Nguyễn Thị Ánh Tuyết"
    assert doc.reason == "Lý do"
    assert unicodedata.is_normalized("NFC", doc.applicant_name)


def test_document_defaults_and_display_fields(make_document: Factory) -> None:
    doc = make_document(signer_title=DEFAULT_SIGNER_TITLE)
    assert doc.signer_title == "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"
    assert doc.number_line == "Số: 12/PXL"
    assert doc.governing_body_lines == ("UBND TỈNH LÂM ĐỒNG",)
    assert doc.issuing_unit_lines == ("SỞ TƯ PHÁP",)
    assert doc.signer_title_lines == ("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ",)
    assert doc.place_date_line == "Lâm Đồng, ngày 05 tháng 3 năm 2026"
    assert doc.addressee == "Bà Nguyễn Thị Ánh Tuyết"
    assert doc.received_phrase == "09 giờ 15 phút, ngày 20 tháng 02 năm 2026"
    assert doc.signature_note == "(Ký và ghi rõ họ tên)"
    assert make_document(digitally_signed=True).signature_note == "(Đã ký số)"


def test_enum_fields_accept_their_stored_strings(make_document: Factory) -> None:
    doc = make_document(legal_basis="01/2018/TT-VPCP", applicant_kind="Tổ chức")
    assert doc.legal_basis is LegalBasis.CIRCULAR_01_2018
    assert doc.applicant_kind is ApplicantKind.TO_CHUC
    with pytest.raises(ValueError):
        make_document(applicant_kind="Anh")


def test_identification_label_depends_on_kind_and_rules(make_document: Factory) -> None:
    assert make_document().identification_line_label == "Số định danh cá nhân"
    old = make_document(legal_basis=LegalBasis.CIRCULAR_01_2018)
    assert old.identification_line_label == "Số CMND/Hộ chiếu/Căn cước công dân"
    org = make_document(applicant_kind=ApplicantKind.TO_CHUC, applicant_name="Công ty TNHH An")
    assert org.identification_line_label == "Mã số doanh nghiệp/Mã số thuế"
    assert org.addressee == "Công ty TNHH An"
    custom = make_document(identification_label="Số hộ chiếu")
    assert custom.identification_line_label == "Số hộ chiếu"
    assert make_document(identification_label="  ").identification_label is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"applicant_name": "   "}, "applicant_name must not be empty"),
        ({"received_at": datetime(2026, 2, 20, 9, 15)}, "received_at must be timezone-aware"),
        ({"new_appointment": datetime(2026, 3, 13, 16, 30)}, "new_appointment must be"),
        ({"new_appointment": datetime(2026, 3, 6, 16, 30, tzinfo=VN)}, "later than"),
        ({"number": "Số: 12/PXL"}, "without"),
    ],
)
def test_invalid_documents_are_refused(
    changes: dict[str, object], message: str, make_document: Factory
) -> None:
    with pytest.raises(ValueError, match=message):
        make_document(**changes)


def test_issue_date_must_be_a_plain_date(make_document: Factory) -> None:
    with pytest.raises(TypeError, match="issue_date"):
        make_document(issue_date=datetime(2026, 3, 5, 8, 0, tzinfo=VN))


def test_body_lists_the_fields_in_the_order_of_the_form(
    make_document: Factory, assert_in_order: Callable[[str, list[str]], None]
) -> None:
    doc = make_document()
    body = "\n".join(p.text for p in body_paragraphs(doc))
    assert_in_order(
        body,
        [
            "09 giờ 15 phút, ngày 20 tháng 02 năm 2026",
            "Bộ phận Một cửa Sở Tư pháp tỉnh Lâm Đồng",
            "“Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam”",
            "Bà Nguyễn Thị Ánh Tuyết",
            "Số định danh cá nhân: 068190001234",
            "Mã hồ sơ: 000.00.12.H36-260220-0042",
            "16 giờ 30 phút, ngày 06 tháng 3 năm 2026",
            "Sở Tư pháp không trả kết quả giải quyết hồ sơ của Bà đúng hạn",
            "Lý do: Cần xác minh thông tin tại cơ quan công an nơi đương sự cư trú trước đây.",
            "xin lỗi Bà và đề nghị gia hạn thời gian giải quyết hồ sơ đến",
            "16 giờ 30 phút, ngày 13 tháng 3 năm 2026",
            "./.",
        ],
    )


def test_body_wording_of_the_old_form_re_appoints(make_document: Factory) -> None:
    doc = make_document(legal_basis=LegalBasis.CIRCULAR_01_2018)
    body = " ".join(p.text for p in body_paragraphs(doc))
    assert "hẹn lại ngày trả kết quả giải quyết hồ sơ cho Bà vào" in body
    assert "đề nghị gia hạn" not in body


@pytest.mark.parametrize(
    ("reason", "line"),
    [
        ("Hệ thống gặp sự cố!", "Lý do: Hệ thống gặp sự cố!"),
        ("Chờ ý kiến Sở Xây dựng;", "Lý do: Chờ ý kiến Sở Xây dựng."),
        ("Chờ kết quả xác minh", "Lý do: Chờ kết quả xác minh."),
    ],
)
def test_reason_is_closed_by_one_full_stop(make_document: Factory, reason: str, line: str) -> None:
    assert line in [p.text for p in body_paragraphs(make_document(reason=reason))]


def test_line_breaks_are_kept_where_documents_break_lines(
    make_document: Factory, nfd: Callable[[str], str]
) -> None:
    doc = make_document(
        governing_body="Ủy ban nhân dân\n  Thành phố Hồ Chí Minh ",
        issuing_unit=nfd("Trung tâm Phục vụ\n\nhành chính công"),
        signer_title="KT. GIÁM ĐỐC\r\nPHÓ GIÁM ĐỐC",
        reason="Chờ\nxác minh",
    )
    assert doc.governing_body_lines == ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH")
    assert doc.issuing_unit_lines == ("TRUNG TÂM PHỤC VỤ", "HÀNH CHÍNH CÔNG")
    assert doc.issuing_unit_inline == "Trung tâm Phục vụ hành chính công"
    assert doc.signer_title_lines == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert doc.reason == "Chờ xác minh"  # running text never keeps breaks
    body = " ".join(p.text for p in body_paragraphs(doc))
    assert "Trung tâm Phục vụ hành chính công không trả kết quả" in body


def test_organisation_is_named_without_a_personal_title(make_document: Factory) -> None:
    doc = make_document(applicant_kind=ApplicantKind.TO_CHUC, applicant_name="HTX Nông nghiệp")
    first = body_paragraphs(doc)[0]
    assert first.text.endswith("của HTX Nông nghiệp.")
    assert [run.text for run in first.runs if run.bold] == ["HTX Nông nghiệp"]


def test_a_timezone_other_than_vietnam_is_converted(make_document: Factory) -> None:
    tokyo = timezone(timedelta(hours=9))
    doc = make_document(original_appointment=datetime(2026, 3, 6, 18, 30, tzinfo=tokyo))
    assert doc.original_appointment_phrase == "16 giờ 30 phút, ngày 06 tháng 3 năm 2026"
