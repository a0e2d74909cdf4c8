"""Form 04 as DOCX, read back with python-docx."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from app.notices.render import render
from app.notices.render.as_docx import render_docx
from app.notices.render.document import LegalBasis, NoticeDocument

Factory = Callable[..., NoticeDocument]


def read(doc: NoticeDocument) -> Any:
    return Document(io.BytesIO(render_docx(doc)))


def all_text(docx: Any) -> str:
    """Header table first, then the paragraphs: the reading order of the form."""
    parts: list[str] = []
    for table in docx.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    parts.extend(p.text for p in docx.paragraphs)
    return "\n".join(parts)


def paragraph_with(docx: Any, text: str) -> Any:
    matches = [p for p in docx.paragraphs if p.text == text]
    assert len(matches) == 1, f"expected one paragraph {text!r}, got {len(matches)}"
    return matches[0]


def test_every_field_is_in_the_document_in_order(
    sample: NoticeDocument,
    expected_texts: Callable[[NoticeDocument], list[str]],
    assert_in_order: Callable[[str, list[str]], None],
) -> None:
    assert_in_order(all_text(read(sample)), expected_texts(sample))


def test_text_is_nfc_from_decomposed_input(
    make_document: Factory, nfd: Callable[[str], str]
) -> None:
    docx = read(make_document(applicant_name=nfd("Đỗ Thị Ngọc Ánh"), place=nfd("Lâm Đồng")))
    text = all_text(docx)
    assert unicodedata.is_normalized("NFC", text)
    assert "Kính gửi: Bà Đỗ Thị Ngọc Ánh" in text
    assert "Lâm Đồng, ngày 05 tháng 3 năm 2026" in text


def test_page_is_a4_portrait_with_administrative_margins(sample: NoticeDocument) -> None:
    section = read(sample).sections[0]
    # Word stores twips; A4 is 11906 x 16838 twips.
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    assert abs(section.top_margin - Mm(20)) < Mm(0.1)
    assert abs(section.bottom_margin - Mm(20)) < Mm(0.1)
    assert abs(section.left_margin - Mm(30)) < Mm(0.1)
    assert abs(section.right_margin - Mm(20)) < Mm(0.1)


def test_every_run_is_times_new_roman_in_all_font_slots(sample: NoticeDocument) -> None:
    docx = read(sample)
    runs = docx.element.body.iter(qn("w:r"))
    checked = 0
    for run in runs:
        fonts = run.find(qn("w:rPr")).find(qn("w:rFonts"))
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            assert fonts.get(qn(slot)) == "Times New Roman"
        checked += 1
    assert checked > 20
    normal = docx.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(13)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "Times New Roman"
    defaults = docx.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    default_fonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert default_fonts.get(qn("w:asciiTheme")) is None
    assert default_fonts.get(qn("w:eastAsia")) == "Times New Roman"


def test_header_is_a_borderless_two_column_table(sample: NoticeDocument) -> None:
    docx = read(sample)
    assert len(docx.tables) == 1
    table = docx.tables[0]
    assert len(table.columns) == 2
    assert len(table.rows) == 2
    grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.iter(qn("w:gridCol"))]
    assert grid == [3628, 5443]  # 6.4 cm | 9.6 cm in twips: the 16 cm text width
    widths = [c.width for c in table.rows[1].cells]
    assert abs(widths[0] - Cm(6.4)) < Mm(0.1)
    assert abs(widths[1] - Cm(9.6)) < Mm(0.1)
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    left, right = table.rows[0].cells
    governing, unit, rule = left.paragraphs
    assert governing.text == "UBND TỈNH LÂM ĐỒNG"
    assert not governing.runs[0].bold
    assert unit.text == "SỞ TƯ PHÁP"
    assert unit.runs[0].bold
    assert rule._p.pPr.find(qn("w:pBdr")).find(qn("w:top")).get(qn("w:val")) == "single"
    nation, motto = right.paragraphs
    assert nation.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert nation.runs[0].bold
    assert motto.text == "Độc lập - Tự do - Hạnh phúc"
    assert motto.runs[0].bold
    assert motto.runs[0].underline
    number, place_date = table.rows[1].cells
    assert number.text == "Số: 12/PXL"
    assert place_date.text == "Lâm Đồng, ngày 05 tháng 3 năm 2026"
    assert place_date.paragraphs[0].runs[0].italic
    for cell in (*table.rows[0].cells, number, place_date):
        assert all(p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in cell.paragraphs)


def test_title_addressee_body_and_signature_formatting(sample: NoticeDocument) -> None:
    docx = read(sample)
    title = paragraph_with(docx, "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(run.bold for run in title.runs)
    assert paragraph_with(docx, "Kính gửi: Bà Nguyễn Thị Ánh Tuyết").alignment == 1
    code = paragraph_with(docx, "Mã hồ sơ: 000.00.12.H36-260220-0042.")
    assert code.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert [run.text for run in code.runs if run.bold] == ["000.00.12.H36-260220-0042"]
    signer_title = paragraph_with(docx, "GIÁM ĐỐC")
    assert signer_title.runs[0].bold
    assert signer_title.paragraph_format.left_indent > Mm(60)
    assert paragraph_with(docx, "(Ký và ghi rõ họ tên)").runs[0].italic
    name = paragraph_with(docx, "Trần Quốc Hưng")
    assert name.runs[0].bold
    assert name.paragraph_format.space_before > Pt(48)  # room for signature and seal
    assert docx.paragraphs[-1].text == "Trần Quốc Hưng"


def test_old_rules_title_and_digital_signature(make_document: Factory) -> None:
    docx = read(make_document(legal_basis=LegalBasis.CIRCULAR_01_2018, digitally_signed=True))
    text = all_text(docx)
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "GIA HẠN THỜI GIAN" not in text
    assert "(Đã ký số)" in text
    assert "(Ký và ghi rõ họ tên)" not in text


def test_markup_in_user_text_stays_literal(make_document: Factory) -> None:
    docx = read(make_document(reason="<script>alert(1)</script> & lỗi"))
    assert "Lý do: <script>alert(1)</script> & lỗi." in all_text(docx)


def test_core_properties_and_entry_point(sample: NoticeDocument) -> None:
    data = render(sample, "docx")
    assert data[:2] == b"PK"
    docx = Document(io.BytesIO(data))
    assert docx.core_properties.title == (
        "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT Số: 12/PXL"
    )
    assert docx.core_properties.language == "vi-VN"


def test_multi_line_header_and_signer_title_use_line_breaks(make_document: Factory) -> None:
    docx = read(
        make_document(
            issuing_unit="Trung tâm Phục vụ\nhành chính công",
            signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        )
    )
    unit = docx.tables[0].rows[0].cells[0].paragraphs[1]
    assert unit.text == "TRUNG TÂM PHỤC VỤ\nHÀNH CHÍNH CÔNG"
    assert unit.runs[0]._r.find(qn("w:br")) is not None
    signer = paragraph_with(docx, "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
    assert all(run.bold for run in signer.runs)
