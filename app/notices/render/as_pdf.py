"""Form 04 as PDF, printed by WeasyPrint from exactly the HTML that render_html produces.

The font comes from fontconfig: Times New Roman or Liberation Serif 2.x, whichever covers
every Vietnamese letter; without either, printing is refused (see fonts.py).
Nothing is fetched: the HTML references no external resource and the URL fetcher refuses
every request, so a crafted value can never make the renderer reach out.
"""

from __future__ import annotations

from typing import Any, NoReturn

from app.notices.render.as_html import render_html
from app.notices.render.document import NoticeDocument
from app.notices.render.fonts import print_font_stack


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"notice rendering does not load external resources: {url!r}")


def render_pdf(document: NoticeDocument) -> bytes:
    """The notice as a one-page A4 PDF (longer reasons flow onto a second page); PrintFontMissing
    (503) when no Times New Roman-compatible Vietnamese font is installed."""
    fonts = print_font_stack()
    # Imported here: loading WeasyPrint (Pango, fonts) costs half a second, which every CLI
    # command and worker start would pay without ever printing a notice.
    from weasyprint import HTML

    html = HTML(
        string=render_html(document, font_families=fonts),
        url_fetcher=_no_fetch,
        base_url=None,
    )
    pdf = html.write_pdf()
    if pdf is None:  # only when a target is given; kept for the type checker
        raise RuntimeError("WeasyPrint returned no PDF bytes")
    return bytes(pdf)
