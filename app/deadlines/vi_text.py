"""Vietnamese text as the processing-time reader sees it.

`Prepared` keeps three views of the same characters at the same offsets: ``text`` (NFC, one space
between words, what a supervisor is shown), ``low`` (lower case, diacritics kept: "ngay" and
"ngày", "sau" and "sáu" differ) and ``fold`` (no diacritics, đ → d: what most rules match). A match
in ``fold`` is quoted back from ``text`` at the same offsets. In ``fold``, numbers written in words
become digits (padded with spaces, so offsets hold) and what only looks like a duration — legal
citations, dates, money, clock times, list numbering — is blanked out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

_DIGITS: Final = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8,
    "chín": 9,
}
# Spellings of a last digit that only follow a tens word: "hai mươi mốt", "hai mươi tư",
# "mười lăm". Plain "năm" after a tens word is the year ("mười năm" = ten years), never 5.
_AFTER_TENS: Final = {**{k: v for k, v in _DIGITS.items() if k != "năm"},
                      "mốt": 1, "tư": 4, "lăm": 5, "nhăm": 5}
_NUMBER_WORDS: Final = sorted({*_DIGITS, *_AFTER_TENS, "mười", "mươi", "trăm", "linh", "lẻ",
                               "nửa"}, key=len, reverse=True)
_WORD_RUN: Final = re.compile(
    rf"(?<!\w)(?:{'|'.join(_NUMBER_WORDS)})(?:\s+(?:{'|'.join(_NUMBER_WORDS)}))*(?!\w)"
)
# A number word becomes a number only next to a unit ("mười ngày") or inside brackets beside
# digits ("05 (năm) ngày"): "một cửa" and "hai bên nam, nữ" stay words.
_UNIT_AHEAD: Final = re.compile(r"\s*(?:\(|(?:ngay|gio|thang|tuan|nam|phut|buoi)\b)")

_MASKS: Final = tuple(re.compile(p) for p in (
    # legal citations and document numbers: 23/2015/NĐ-CP, 575/QĐ-UBND, QĐ/0001-BCA
    r"[\w.-]*\d[\w.-]*/[\w/.-]*\w",
    # "Nghị định số 123", "Điều 5", "khoản 2", "Mẫu số 10", "Bước 1", "lần 2"
    r"\b(?:nghi dinh|quyet dinh|thong tu|luat|cong van|van ban|to trinh|nghi quyet|chi thi"
    r"|qd|nd|tt|cv|nq"
    r"|ke hoach|thong bao|phu luc|mau|dieu|khoan|diem|chuong|muc|so|(?<!bat )buoc|lan)"
    r"(?:\s+(?:so|thu))?\s+\d+\w*",
    # dates: "ngày 16 tháng 02 năm 2015", "tháng 6 năm 2018", "năm 2015", "ngày 01 tháng 9"
    r"\bngay\s+\d{1,2}\s+thang\s+\d{1,2}(?:\s+nam\s+\d{2,4})?",
    r"\bthang\s+\d{1,2}(?:\s+nam\s+\d{4})?",
    r"\bnam\s+\d{4}\b",
    # money: "8.000 đồng", "200.000 đồng/lần", "10 USD"
    r"\d[\d.,]*\s*(?:dong|d|vnd|usd|trieu|nghin|ngan)\b",
    # clock times: "15 giờ 30", "15h00", "11 giờ 30 phút", "15:00", "từ 07 giờ"
    r"\b\d{1,2}\s*(?:gio|h)\s*\d{2}\b(?:\s*phut)?",
    r"\b\d{1,2}:\d{2}\b",
    r"\b(?:tu|den|luc|sang|chieu|truoc|sau)\s+\d{1,2}\s*(?:gio|h)\b",
    # list numbering: "5.4.1.", "1. ", "2) "
    r"\b\d+(?:\.\d+){2,}\.?",
    r"(?:^|(?<=[\s;:]))\d{1,2}[.)](?=\s)",
))


@dataclass(frozen=True, slots=True)
class Prepared:
    text: str
    low: str
    fold: str
    #: True when the text carries diacritics; unaccented text cannot tell "ngay" from "ngày"
    accented: bool

    def whole(self) -> str:
        return self.quote(0, len(self.text))

    def quote(self, start: int, end: int) -> str:
        """The shown text of a span, without surrounding spaces, bullets or end punctuation."""
        return self.text[start:end].strip(" -+•*–—;,.:").strip()


def _one_char(mapped: str, original: str) -> str:
    return mapped if len(mapped) == 1 else original


def fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    low = _one_char(ch.lower(), ch)
    return unicodedata.normalize("NFD", low)[0]


def _words_value(words: list[str]) -> tuple[Decimal, int] | None:
    """The value of the longest number at the start of ``words`` and how many words it used."""
    if not words:
        return None
    if words[0] == "nửa":
        return Decimal("0.5"), 1
    hundreds, used = 0, 0
    if len(words) > 1 and words[0] in _DIGITS and words[1] == "trăm":
        hundreds, used = _DIGITS[words[0]] * 100, 2
        if used + 1 < len(words) and words[used] in ("linh", "lẻ") and words[used + 1] in _DIGITS:
            return Decimal(hundreds + _DIGITS[words[used + 1]]), used + 2
    rest = words[used:]
    tens = None
    if rest and rest[0] == "mười":
        tens, step = 10, 1
    elif len(rest) > 1 and rest[0] in _DIGITS and rest[0] != "một" and rest[1] == "mươi":
        tens, step = _DIGITS[rest[0]] * 10, 2
    if tens is not None:
        unit_word = rest[step] if step < len(rest) else None
        if unit_word in _AFTER_TENS and not (tens == 10 and unit_word == "mốt"):
            return Decimal(hundreds + tens + _AFTER_TENS[unit_word]), used + step + 1
        return Decimal(hundreds + tens), used + step
    if rest and rest[0] in _DIGITS:
        return Decimal(hundreds + _DIGITS[rest[0]]), used + 1
    return (Decimal(hundreds), used) if hundreds else None


def _digits_for_words(low: str, fold: list[str]) -> None:
    """Rewrite number words standing for a quantity as digits in ``fold``, in place."""
    for run in _WORD_RUN.finditer(low):
        spans = [(m.start() + run.start(), m.end() + run.start())
                 for m in re.finditer(r"\S+", run.group())]
        index = 0
        while index < len(spans):
            parsed = _words_value([low[a:b] for a, b in spans[index:]])
            if parsed is None:
                index += 1
                continue
            value, used = parsed
            start, end = spans[index][0], spans[index + used - 1][1]
            after = "".join(fold[end:end + 12])
            bracketed = low[:start].rstrip().endswith("(") and low[end:].lstrip().startswith(")")
            digits = format(value.normalize(), "f")
            if (_UNIT_AHEAD.match(after) or bracketed) and len(digits) <= end - start:
                fold[start:end] = list(digits.ljust(end - start))
            index += used


def _blank(fold: list[str], start: int, end: int) -> None:
    fold[start:end] = [" "] * (end - start)


def prepare(raw: str) -> Prepared:
    text = unicodedata.normalize("NFC", raw).replace("½", "1/2").replace("\u200b", "")
    text = " ".join(text.split())
    low = "".join(_one_char(ch.lower(), ch) for ch in text)
    folded = [fold_char(ch) for ch in text]
    accented = any(a != b for a, b in zip(low, folded, strict=True) if a != "đ")
    _digits_for_words(low, folded)
    fold = "".join(folded)
    # "1/2 ngày" is half a day, not a citation: same length as "0.5", so offsets hold
    fold = re.sub(r"(?<![\d/])1/2(?=\s*(?:ngay|gio|buoi))", "0.5", fold)
    return Prepared(text, low, fold, accented)


def blank_noise(prepared: Prepared, keep: list[tuple[int, int]] | None = None) -> str:
    """``prepared.fold`` with citations, dates, money and clock times blanked out."""
    fold = list(prepared.fold)
    for pattern in _MASKS:
        for match in pattern.finditer(prepared.fold):
            if keep and any(a <= match.start() < b for a, b in keep):
                continue
            _blank(fold, match.start(), match.end())
    return "".join(fold)
