"""Form 04 as a standalone HTML page (also the source of the PDF)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.notices.render.document import NoticeDocument
from app.notices.render.fonts import SERIF_STACK
from app.notices.render.wording import body_paragraphs

TEMPLATES_DIR = Path(__file__).parent / "templates"
NOTICE_TEMPLATE = "notice_04.html.j2"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Autoescape unconditionally: every value on the form (reason, names) is typed by
    # people, and the template name ends in .j2, which select_autoescape would miss.
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(document: NoticeDocument, *, font_families: tuple[str, ...] = SERIF_STACK) -> str:
    """The notice as an HTML document, NFC, with print CSS for A4.

    ``font_families`` is the CSS font stack before the generic ``serif``; the PDF renderer
    passes the stack fontconfig can actually print Vietnamese with (see fonts.py).
    """
    template = _environment().get_template(NOTICE_TEMPLATE)
    html = template.render(
        doc=document, paragraphs=body_paragraphs(document), font_families=font_families
    )
    return unicodedata.normalize("NFC", html)
