"""Which serif family prints a Vietnamese notice.

Administrative documents use Times New Roman; Liberation Serif has the same metrics.
But Liberation Serif 1.x (Debian ``fonts-liberation``) has no Vietnamese letters such as
"ư", "ạ" or "ễ", and Pango then borrows each missing glyph from another font: the page
ends up with two typefaces interleaved inside words. So the PDF renderer asks fontconfig
which families of our stack cover Vietnamese (``:lang=vi``) and moves them to the front;
the family that covers everything then prints the whole page. With Liberation 2.x
(``fonts-liberation2``) or Times New Roman installed, the page is in that font.

Browsers viewing the HTML do their own font matching, so they get the static stack.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

SERIF_STACK: tuple[str, ...] = ("Times New Roman", "Liberation Serif", "DejaVu Serif")


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
def print_font_stack() -> tuple[str, ...]:
    """SERIF_STACK with the families that cover Vietnamese first, order otherwise kept."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return SERIF_STACK
    complete = [family for family in SERIF_STACK if _covers_vietnamese(fc_list, family)]
    return (*complete, *(family for family in SERIF_STACK if family not in complete))
