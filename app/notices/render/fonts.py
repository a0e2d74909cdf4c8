"""Which serif family prints a Vietnamese notice, and refusing to print without one.

Administrative documents use Times New Roman; Liberation Serif has the same metrics, so lines
break where they would in Word. Liberation Serif 1.x (Debian ``fonts-liberation`` on bookworm)
has no Vietnamese letters such as "ư", "ạ" or "ễ": Pango then borrows each missing glyph from
another font, and a page printed with DejaVu Serif instead is wider and breaks differently.
Either way the stored PDF of an issued notice would not be the official document, and it is
stored for good. So printing *requires* a family that covers Vietnamese (fontconfig's
``:lang=vi``): Times New Roman or Liberation Serif 2.x (Debian ``fonts-liberation2``, which
the Dockerfile and `.ci/run` install). Without one, rendering a PDF is refused with the
package to install, `/readyz` reports it, and the API logs it at start-up.

We do not ship the font files: the distribution's package gets security and glyph fixes, and
the DOCX (which the recipient's Word renders with its own Times New Roman) needs none.
Browsers viewing the HTML do their own font matching, so they get the static stack.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

from app.core.errors import ServiceUnavailable

SERIF_STACK: tuple[str, ...] = ("Times New Roman", "Liberation Serif", "DejaVu Serif")
# Metric-compatible with Times New Roman, in order of preference.
PRINT_FAMILIES: tuple[str, ...] = ("Times New Roman", "Liberation Serif")
DEBIAN_PACKAGE = "fonts-liberation2"


class PrintFontMissing(ServiceUnavailable):
    code = "print_font_missing"


def _covers_vietnamese(fc_list: str, family: str) -> bool:
    # Arguments are our own constant family names, never user input.
    result = subprocess.run(  # noqa: S603
        [fc_list, f":family={family}:lang=vi", "family"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return result.returncode == 0 and bool(result.stdout.strip())


@lru_cache(maxsize=1)
def print_font() -> str | None:
    """The first of PRINT_FAMILIES that fontconfig can print every Vietnamese letter with."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    return next((f for f in PRINT_FAMILIES if _covers_vietnamese(fc_list, f)), None)


def missing_font_message() -> str:
    return (
        "no Times New Roman-compatible font with Vietnamese letters is installed, so notices "
        "cannot be printed to PDF: install the Debian package "
        f"{DEBIAN_PACKAGE} (Liberation Serif 2.x; `apt-get install {DEBIAN_PACKAGE}`) or "
        "Times New Roman, then restart"
    )


def require_print_font() -> str:
    family = print_font()
    if family is None:
        raise PrintFontMissing(missing_font_message())
    return family


def print_font_stack() -> tuple[str, ...]:
    """The CSS font stack of a printed notice: the one family that prints it all."""
    return (require_print_font(),)
