"""Form 06 as HTML, PDF (WeasyPrint, the notices' print font and no fetching) and DOCX."""

from __future__ import annotations

import io
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.documents.slip import COLUMNS, SLIP_TITLE, SlipDocument
from app.notices.render.fonts import SERIF_STACK, print_font_stack

FONT = "Times New Roman"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # every value on the form is typed by people (unit names): escape unconditionally
    return Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                       autoescape=True, undefined=StrictUndefined)


def slip_html(doc: SlipDocument, *, font_families: tuple[str, ...] = SERIF_STACK) -> str:
    html = _environment().get_template("slip_06.html.j2").render(
        doc=doc, columns=COLUMNS, font_families=font_families)
    return unicodedata.normalize("NFC", html)


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"the slip loads no external resource: {url!r}")


def slip_pdf(doc: SlipDocument) -> bytes:
    """PrintFontMissing (503) without a Vietnamese Times-compatible font, as for notices."""
    fonts = print_font_stack()
    from weasyprint import HTML  # heavy import, only when printing

    pdf = HTML(string=slip_html(doc, font_families=fonts), url_fetcher=_no_fetch,
               base_url=None).write_pdf()
    if pdf is None:
        raise RuntimeError("WeasyPrint returned no PDF bytes")
    return bytes(pdf)


def _font(run: Any, size: int = 12, bold: bool = False) -> None:
    run.font.size, run.bold, run.font.name = Pt(size), bold, FONT
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)


def _para(docx: Any, text: str, *, size: int = 13, bold: bool = False,
          centre: bool = False) -> None:
    paragraph = docx.add_paragraph()
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(text), size, bold)


def slip_docx(doc: SlipDocument) -> bytes:
    docx = Document()
    section = docx.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    _para(docx, f"{doc.issuing_unit.upper()} — BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", size=12,
          bold=True)
    _para(docx, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", size=12,
          bold=True, centre=True)
    _para(docx, SLIP_TITLE, size=14, bold=True, centre=True)
    _para(docx, f"Mã hồ sơ: {doc.dossier_code}", centre=True)
    _para(docx, f"Thủ tục: {doc.procedure_name}")
    _para(docx, f"Cơ quan (bộ phận) giải quyết hồ sơ: {doc.agency}")
    _para(docx, "Cơ quan phối hợp giải quyết hồ sơ: "
          + (", ".join(doc.partner_agencies) or "……"))
    table = docx.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, COLUMNS, strict=True):
        _font(cell.paragraphs[0].add_run(title), 12, True)
    for r in doc.rows:
        cells = table.add_row().cells
        texts = (f"{r.number}. Giao: {r.giver}\nNhận: {r.receiver}",
                 f"{r.handed_at}\nNgười giao: {r.giver_officer or '…'}\n"
                 f"Người nhận: {r.receiver_officer or '…'}\n(Ký, ghi rõ họ tên)",
                 r.result, r.note)
        for cell, text in zip(cells, texts, strict=True):
            _font(cell.paragraphs[0].add_run(text), 12)
    if doc.responsible:
        _para(docx, f"Cơ quan, bộ phận làm chậm: {doc.responsible}")
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
