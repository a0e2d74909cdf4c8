"""The single entry point for turning a notice into a file."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final, Literal, get_args

from app.notices.render.as_docx import render_docx
from app.notices.render.as_html import render_html
from app.notices.render.as_pdf import render_pdf
from app.notices.render.document import NoticeDocument

NoticeFormat = Literal["html", "pdf", "docx"]

MEDIA_TYPES: Final[dict[NoticeFormat, str]] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _html_bytes(document: NoticeDocument) -> bytes:
    return render_html(document).encode("utf-8")


_RENDERERS: Final[dict[NoticeFormat, Callable[[NoticeDocument], bytes]]] = {
    "html": _html_bytes,
    "pdf": render_pdf,
    "docx": render_docx,
}


def render(document: NoticeDocument, fmt: NoticeFormat) -> bytes:
    """The notice in ``fmt``: UTF-8 HTML, an A4 PDF or a .docx file.

    An unknown format raises ``ValueError`` (callers validate user input before this).
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        known = ", ".join(get_args(NoticeFormat))
        raise ValueError(f"unknown notice format {fmt!r}; expected one of: {known}") from None
    return renderer(document)


def file_name(document: NoticeDocument, fmt: NoticeFormat) -> str:
    """A safe download name: "phieu-xin-loi-12-PXL.pdf" (ASCII, no path separators)."""
    # Vietnamese letters lose their marks ("Đặc" -> "Dac") rather than vanish.
    bare = unicodedata.normalize("NFD", document.number.replace("Đ", "D").replace("đ", "d"))
    ascii_only = "".join(ch for ch in bare if not unicodedata.combining(ch))
    number = re.sub(r"[^A-Za-z0-9]+", "-", ascii_only).strip("-")
    return f"phieu-xin-loi-{number}.{fmt}"
