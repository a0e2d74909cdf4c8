"""Form 04 as HTML: every field, in order, escaped, NFC, with A4 print CSS."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from app.notices.render import MEDIA_TYPES, file_name, render
from app.notices.render.as_html import render_html
from app.notices.render.document import LegalBasis, NoticeDocument

Factory = Callable[..., NoticeDocument]


class _Text(HTMLParser):
    """The visible text of a page: no <style>, no <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"style", "title", "script"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "title", "script"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def test_every_field_is_on_the_page_in_the_order_of_the_form(
    sample: NoticeDocument,
    expected_texts: Callable[[NoticeDocument], list[str]],
    assert_in_order: Callable[[str, list[str]], None],
) -> None:
    assert_in_order(visible_text(render_html(sample)), expected_texts(sample))


def test_page_is_nfc_even_from_decomposed_input(
    make_document: Factory, nfd: Callable[[str], str]
) -> None:
    doc = make_document(applicant_name=nfd("Nguyễn Thị Ánh Tuyết"), reason=nfd("Đường truyền lỗi"))
    page = render_html(doc)
    assert unicodedata.is_normalized("NFC", page)
    assert "Bà Nguyễn Thị Ánh Tuyết" in page
    assert "Lý do: Đường truyền lỗi." in page


def test_user_text_is_escaped(make_document: Factory) -> None:
    doc = make_document(
        reason='<script>alert("x")</script> & <b>lỗi</b>', applicant_name="An <i>Bình</i>"
    )
    page = render_html(doc)
    assert "<script>" not in page
    assert "<b>lỗi</b>" not in page
    assert "&lt;script&gt;" in page
    assert "An &lt;i&gt;Bình&lt;/i&gt;" in page
    assert 'Lý do: <script>alert("x")</script> & <b>lỗi</b>.' in visible_text(page)


def test_print_css_is_a4_with_administrative_margins(sample: NoticeDocument) -> None:
    page = render_html(sample)
    assert "@page { size: A4; margin: 2cm 2cm 2cm 3cm; }" in page
    assert 'font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif;' in page
    assert "font-size: 13pt" in page
    assert '<html lang="vi">' in page


def test_font_stack_can_be_chosen_by_the_printer(sample: NoticeDocument) -> None:
    page = render_html(sample, font_families=("DejaVu Serif", "Liberation Serif"))
    assert 'font-family: "DejaVu Serif", "Liberation Serif", serif;' in page


def test_header_and_signature_markup(sample: NoticeDocument) -> None:
    page = render_html(sample)
    assert '<span class="motto">Độc lập - Tự do - Hạnh phúc</span>' in page
    assert '<td class="right place-date">Lâm Đồng, ngày 05 tháng 3 năm 2026</td>' in page
    assert '<h1 class="title">PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT</h1>' in page
    assert '<div class="signer-title">GIÁM ĐỐC</div>' in page
    assert '<div class="signature-note">(Ký và ghi rõ họ tên)</div>' in page


def test_title_follows_the_legal_basis(make_document: Factory) -> None:
    old = visible_text(render_html(make_document(legal_basis=LegalBasis.CIRCULAR_01_2018)))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in old
    assert "GIA HẠN" not in old
    new = visible_text(render_html(make_document(legal_basis=LegalBasis.CIRCULAR_03_2025)))
    assert "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in new


def test_digitally_signed_notice(make_document: Factory) -> None:
    page = render_html(make_document(digitally_signed=True))
    assert "(Đã ký số)" in page
    assert "(Ký và ghi rõ họ tên)" not in page
    assert 'class="signature-space digital"' in page


def test_render_entry_point_returns_utf8_html(sample: NoticeDocument) -> None:
    data = render(sample, "html")
    assert data.decode("utf-8") == render_html(sample)
    assert html.unescape(data.decode("utf-8")).count("Trần Quốc Hưng") == 1


def test_render_refuses_an_unknown_format(sample: NoticeDocument) -> None:
    with pytest.raises(ValueError, match="unknown notice format 'odt'"):
        render(sample, "odt")  # type: ignore[arg-type]


def test_download_name_and_media_types(make_document: Factory) -> None:
    assert file_name(make_document(), "pdf") == "phieu-xin-loi-12-PXL.pdf"
    assert file_name(make_document(number="07/PXL-STP"), "docx") == "phieu-xin-loi-07-PXL-STP.docx"
    assert file_name(make_document(number="../Đặc biệt"), "html") == "phieu-xin-loi-Dac-biet.html"
    assert MEDIA_TYPES["pdf"] == "application/pdf"


def test_multi_line_header_and_signer_title(make_document: Factory) -> None:
    page = render_html(
        make_document(
            governing_body="Ủy ban nhân dân\nTỉnh Lâm Đồng",
            signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        )
    )
    assert '<div class="governing">ỦY BAN NHÂN DÂN</div>' in page
    assert '<div class="governing">TỈNH LÂM ĐỒNG</div>' in page
    assert '<div class="signer-title">KT. GIÁM ĐỐC</div>' in page
    assert '<div class="signer-title">PHÓ GIÁM ĐỐC</div>' in page
