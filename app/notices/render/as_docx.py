"""Form 04 as a Word document, for agencies that edit and sign on paper.

Same layout as the HTML: a borderless two-column header table, title, "Kính gửi", the body
from wording.py, signature block on the right. Times New Roman 13 pt is written into every
font slot (ASCII, high ANSI, East Asian, complex script): Word picks the slot by character
class, and a slot left empty lets it substitute the theme font for some Vietnamese letters.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from app.notices.render.document import NoticeDocument
from app.notices.render.wording import body_paragraphs

FONT_NAME = "Times New Roman"
BODY_SIZE = Pt(13)
HEADER_SIZE = Pt(12)
LEFT_COLUMN = Cm(6.4)
RIGHT_COLUMN = Cm(9.6)  # the two columns fill the 16 cm between the A4 margins
SIGNATURE_INDENT = Cm(7.2)


def _set_fonts(r_pr: Any) -> None:
    """Times New Roman in every slot of a w:rPr, and Vietnamese as the proofing language."""
    r_fonts = r_pr.get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        r_fonts.set(qn(slot), FONT_NAME)
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _run(
    paragraph: DocxParagraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: Length = BODY_SIZE,
) -> None:
    run = paragraph.add_run(text)
    run.bold = bold
    run.italic = italic
    run.underline = underline
    run.font.size = size
    run.font.name = FONT_NAME
    _set_fonts(run._element.get_or_add_rPr())


def _paragraph(
    container: Any,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    *,
    before: float = 0,
    after: float = 0,
) -> DocxParagraph:
    paragraph: DocxParagraph = container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    return paragraph


def _short_rule(cell: _Cell, width: Length) -> None:
    """The short line under the issuing unit: an empty paragraph's top border, centred."""
    paragraph = _paragraph(cell)
    indent = Emu((LEFT_COLUMN - width) // 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = indent
    fmt.line_spacing = Pt(4)  # exact height: the paragraph is only there for its border
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    p_pr.append(borders)


def _remove_borders(table: Any) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _first_paragraph(cell: _Cell) -> DocxParagraph:
    # A new cell holds one empty paragraph; reuse it so the cell has no blank first line.
    paragraph: DocxParagraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def _header(docx: Any, doc: NoticeDocument) -> None:
    table = docx.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _remove_borders(table)
    # Word reads the cell widths, LibreOffice the grid columns: set both.
    for column, width in zip(table.columns, (LEFT_COLUMN, RIGHT_COLUMN), strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    left, right = table.rows[0].cells
    # Hand-made line breaks stay breaks inside one paragraph (python-docx writes w:br).
    _run(_first_paragraph(left), "\n".join(doc.governing_body_lines), size=HEADER_SIZE)
    _run(_paragraph(left), "\n".join(doc.issuing_unit_lines), bold=True, size=HEADER_SIZE)
    _short_rule(left, Cm(2.2))
    _run(_first_paragraph(right), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=HEADER_SIZE)
    _run(_paragraph(right), "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True)
    number_cell, date_cell = table.rows[1].cells
    number = _first_paragraph(number_cell)
    number.paragraph_format.space_before = Pt(6)
    _run(number, doc.number_line)
    place_date = _first_paragraph(date_cell)
    place_date.paragraph_format.space_before = Pt(6)
    _run(place_date, doc.place_date_line, italic=True)


def _signature(docx: Any, doc: NoticeDocument) -> None:
    lines: list[tuple[str, bool, bool, float]] = [
        (doc.signer_title, True, False, 12),
        (doc.signature_note, False, True, 0),
        # The blank height is where the hand signature and seal go.
        (doc.signer_name_line, True, False, 24 if doc.digitally_signed else 68),
    ]
    for text, bold, italic, before in lines:
        paragraph = _paragraph(docx, before=before)
        paragraph.paragraph_format.left_indent = SIGNATURE_INDENT
        paragraph.paragraph_format.keep_with_next = True
        _run(paragraph, text, bold=bold, italic=italic)


def _pin_default_fonts(docx: Any) -> None:
    """Replace the template's theme fonts (Calibri/Cambria) in the document defaults."""
    r_pr = docx.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    r_fonts = r_pr.get_or_add_rFonts()
    for theme_slot in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(theme_slot), None)
    _set_fonts(r_pr)


def _setup(docx: Any, doc: NoticeDocument) -> None:
    section = docx.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    _pin_default_fonts(docx)
    normal = docx.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = BODY_SIZE
    _set_fonts(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    props = docx.core_properties
    props.title = f"{doc.title} {doc.number_line}"
    props.subject = "Mẫu số 04"
    props.author = doc.issuing_unit
    props.language = "vi-VN"


def render_docx(document: NoticeDocument) -> bytes:
    """The notice as a .docx file (A4, Times New Roman 13 pt)."""
    docx = Document()
    _setup(docx, document)
    _header(docx, document)
    title = _paragraph(docx, before=18, after=6)
    _run(title, document.title, bold=True)
    _run(_paragraph(docx, after=12), f"Kính gửi: {document.addressee}")
    for body in body_paragraphs(document):
        paragraph = _paragraph(docx, WD_ALIGN_PARAGRAPH.JUSTIFY, after=6)
        paragraph.paragraph_format.first_line_indent = Cm(1)
        for piece in body.runs:
            _run(paragraph, piece.text, bold=piece.bold, italic=piece.italic)
    _signature(docx, document)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
