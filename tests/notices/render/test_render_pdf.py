"""Form 04 as PDF, inspected with poppler: pdftotext (text, word boxes), pdfinfo, pdffonts.

poppler-utils is a system package; without it these tests are skipped with that reason
rather than passing on nothing.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from app.notices.render import fonts, render
from app.notices.render.as_pdf import render_pdf
from app.notices.render.document import LegalBasis, NoticeDocument

Factory = Callable[..., NoticeDocument]

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdffonts", "fc-match")),
    reason="poppler-utils (pdftotext, pdfinfo, pdffonts) or fontconfig is not installed",
)

PT_PER_CM = 72 / 2.54


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, check=True, timeout=30)
    return done.stdout.decode("utf-8")


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float

    @property
    def x_mid(self) -> float:
        return (self.x_min + self.x_max) / 2


@dataclass(frozen=True)
class Pdf:
    path: Path

    def text(self) -> str:
        return run("pdftotext", "-enc", "UTF-8", str(self.path), "-")

    def info(self) -> str:
        return run("pdfinfo", str(self.path))

    def font_names(self) -> list[str]:
        lines = run("pdffonts", str(self.path)).splitlines()[2:]
        # Subset fonts are named "ABCDEF+Family-Style".
        return [line.split()[0].split("+", 1)[-1] for line in lines if line.strip()]

    def words(self) -> list[Word]:
        pattern = re.compile(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>'
        )
        found = pattern.findall(run("pdftotext", "-bbox", str(self.path), "-"))
        return [Word(html.unescape(t), float(x0), float(y0), float(x1)) for x0, y0, x1, t in found]

    def line_of(self, first_word: str) -> list[Word]:
        """The words on the same baseline as the first occurrence of ``first_word``."""
        words = self.words()
        anchor = next(w for w in words if w.text == first_word)
        return [w for w in words if abs(w.y_min - anchor.y_min) < 1]


def write(tmp: Path, doc: NoticeDocument, name: str = "notice.pdf") -> Pdf:
    path = tmp / name
    path.write_bytes(render_pdf(doc))
    return Pdf(path)


@pytest.fixture(scope="module")
def sample_pdf(sample: NoticeDocument, tmp_path_factory: pytest.TempPathFactory) -> Pdf:
    return write(tmp_path_factory.mktemp("pdf"), sample)


def test_every_field_is_printed(
    sample: NoticeDocument,
    sample_pdf: Pdf,
    expected_texts: Callable[[NoticeDocument], list[str]],
    assert_in_order: Callable[[str, list[str]], None],
    squash: Callable[[str], str],
) -> None:
    text = squash(sample_pdf.text())
    expected = expected_texts(sample)
    for field in expected:
        assert field in text
    # The two header columns interleave in extraction order; from the title on it is linear.
    body = text[text.index(sample.title) :]
    assert_in_order(body, expected[expected.index(sample.title) :])


def test_vietnamese_text_survives_in_nfc(sample_pdf: Pdf) -> None:
    text = sample_pdf.text()
    assert unicodedata.is_normalized("NFC", text)
    for phrase in ("Độc lập - Tự do - Hạnh phúc", "Nguyễn Thị Ánh Tuyết", "Trần Quốc Hưng"):
        assert phrase in text
    assert "\ufffd" not in text


def test_one_a4_page(sample_pdf: Pdf) -> None:
    info = sample_pdf.info()
    assert re.search(r"^Pages:\s+1$", info, re.M)
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert size is not None
    assert float(size[1]) == pytest.approx(595.28, abs=0.5)
    assert float(size[2]) == pytest.approx(841.89, abs=0.5)


def test_one_serif_family_prints_every_glyph(sample_pdf: Pdf) -> None:
    """Mixed families would mean some Vietnamese letters fell back to another font."""
    names = sample_pdf.font_names()
    families = {name.split("-Bold")[0].split("-Italic")[0] for name in names}
    assert len(families) == 1, names
    (family,) = families
    assert family in {"Liberation-Serif", "Times-New-Roman"}
    # And that family really has every letter (a font without them would print boxes).
    font_file = run("fc-match", "-f", "%{file}", family.replace("-", " ") + ":style=Regular")
    covered = TTFont(font_file, fontNumber=0).getBestCmap()
    letters = {ch for ch in sample_pdf.text() if not ch.isspace()}
    assert sorted(ch for ch in letters if ord(ch) not in covered) == []


def test_layout_matches_the_form(sample_pdf: Pdf) -> None:
    text_centre = (3 + (21 - 2 - 3) / 2) * PT_PER_CM  # 3 cm left, 2 cm right margin
    left_edge = 3 * PT_PER_CM
    words = {w.text: w for w in reversed(sample_pdf.words())}  # first occurrence wins
    # Header: governing body and national title share the top line, left | right.
    assert words["UBND"].y_min == pytest.approx(words["CỘNG"].y_min, abs=1)
    assert words["UBND"].x_min >= left_edge - 1
    assert words["ĐỒNG"].x_max < words["CỘNG"].x_min
    # Number and place-date share a line, under their columns.
    assert words["Số:"].y_min == pytest.approx(words["ngày"].y_min, abs=1)
    assert words["Số:"].x_max < words["Lâm"].x_min
    title = sample_pdf.line_of("PHIẾU")
    assert (title[0].x_min + title[-1].x_max) / 2 == pytest.approx(text_centre, abs=6)
    assert words["Số:"].y_min < title[0].y_min < words["Kính"].y_min
    signer = sample_pdf.line_of("GIÁM")
    assert signer[0].x_min > text_centre  # signature block on the right
    assert signer[0].y_min > words["Kính"].y_min


def test_old_rules_title(
    make_document: Factory, tmp_path: Path, squash: Callable[[str], str]
) -> None:
    pdf = write(tmp_path, make_document(legal_basis=LegalBasis.CIRCULAR_01_2018))
    text = squash(pdf.text())
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "GIA HẠN THỜI GIAN" not in text


def test_markup_in_the_reason_is_printed_as_text(
    make_document: Factory, tmp_path: Path, squash: Callable[[str], str]
) -> None:
    pdf = write(tmp_path, make_document(reason='<script>alert("x")</script> <img src="http://x/">'))
    assert 'Lý do: <script>alert("x")</script> <img src="http://x/">.' in squash(pdf.text())


def test_entry_point_returns_a_pdf(sample: NoticeDocument) -> None:
    data = render(sample, "pdf")
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def test_only_a_times_compatible_vietnamese_font_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    """DejaVu Serif covers Vietnamese but is wider than Times New Roman: lines would break
    elsewhere than in the official document, so it never prints a notice."""
    covering = {"DejaVu Serif"}

    def fake_run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        family = command[1].split(":family=")[1].split(":")[0]
        out = f"{family}\n" if family in covering else ""
        return subprocess.CompletedProcess(command, 0, stdout=out, stderr="")

    fonts.print_font.cache_clear()
    monkeypatch.setattr(fonts.shutil, "which", lambda _: "/usr/bin/fc-list")
    monkeypatch.setattr(fonts.subprocess, "run", fake_run)
    try:
        with pytest.raises(fonts.PrintFontMissing, match="fonts-liberation2"):
            fonts.print_font_stack()
        fonts.print_font.cache_clear()
        covering = {"Liberation Serif", "DejaVu Serif"}
        assert fonts.print_font_stack() == ("Liberation Serif",)
        fonts.print_font.cache_clear()
        covering = {"Times New Roman", "Liberation Serif"}
        assert fonts.print_font_stack() == ("Times New Roman",)
        fonts.print_font.cache_clear()
        monkeypatch.setattr(fonts.shutil, "which", lambda _: None)
        assert fonts.print_font() is None
    finally:
        fonts.print_font.cache_clear()
