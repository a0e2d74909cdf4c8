"""Masking of personal data for public display (dashboards, public endpoints, logs).

Rules, each returning NFC text:

* ``mask_name`` — a person keeps the family name (first word) and shows initials for the
  rest: "Nguyễn Văn An" -> "Nguyễn V. A.". A leading "Ông"/"Bà" is kept. A single word
  cannot be split into family and given name, so it becomes its initial: "An" -> "A.".
  An organisation (the name starts with a legal form such as "Công ty TNHH", "Hộ kinh
  doanh", "Doanh nghiệp tư nhân", "Hợp tác xã") keeps its legal form and shows initials
  for the rest: "Hộ kinh doanh Trần Thị Bình" -> "Hộ kinh doanh T. T. B.". Sole
  proprietorships and household businesses are named after their owner, so their
  distinctive part is personal data; treating every organisation the same way keeps the
  rule simple and never leaks an owner's name. A word that is not a name (it has a digit, an
  "@" or no letter: an ID number, a phone number or an e-mail typed into the name field) is
  dropped, never shown whole nor as an initial: "079012345612 Nguyễn Văn An" -> "Nguyễn V. A.".
* ``mask_phone`` — digits only, "+84" read as "0"; the first 3 and last 3 digits stay:
  "0912 345 678" -> "091xxxx678". Fewer than 7 digits are masked whole.
* ``mask_id_number`` — letters and digits only, upper-cased; at most half of the characters
  are shown: the last 2 and up to 4 leading ones. The 12-digit citizen ID keeps its first 4
  (province, sex/century, birth year): "079012345612" -> "0790xxxxxx12"; a passport
  "C1234567" -> "C1xxxx67". Fewer than 6 characters are masked whole. ``masked_id_numbers``
  applies it to a stored list of ``{"kind", "number"}``: staff pages and the staff API show
  IDs so (a supervisor needs to recognise one, not copy it).
"""

from __future__ import annotations

import unicodedata
from typing import Any

MASK = "x"
_DIGITS = frozenset("0123456789")  # str.isdigit() would also accept "²" or "٣"

_HONORIFICS = frozenset({"ông", "bà"})

# Longest first, so "Công ty TNHH" wins over "Công ty". Compared case-insensitively.
_ORGANISATION_PREFIXES: tuple[str, ...] = tuple(
    sorted(
        (
            "Công ty trách nhiệm hữu hạn một thành viên",
            "Công ty trách nhiệm hữu hạn",
            "Công ty TNHH một thành viên",
            "Công ty TNHH MTV",
            "Công ty TNHH",
            "Công ty cổ phần",
            "Công ty CP",
            "Công ty hợp danh",
            "Công ty",
            "Cty TNHH",
            "Cty CP",
            "Cty",
            "Tổng công ty",
            "Tập đoàn",
            "Doanh nghiệp tư nhân",
            "DNTN",
            "Hộ kinh doanh",
            "HKD",
            "Hợp tác xã",
            "Liên hiệp hợp tác xã",
            "HTX",
            "Tổ hợp tác",
            "Chi nhánh",
            "Văn phòng đại diện",
            "Văn phòng",
            "Ngân hàng",
            "Hiệp hội",
            "Hội",
            "Quỹ",
            "Trường",
            "Trung tâm",
            "Bệnh viện",
            "Viện",
            "Cơ sở",
            "Tổ chức",
        ),
        key=len,
        reverse=True,
    )
)


# Kept around a word and ignored when deciding whether it is a name: "An," "(chủ" "hộ)".
_EDGE_PUNCTUATION = ".,;:()[]{}\"'“”‘’"
_INNER_PUNCTUATION = frozenset("-'’.")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _initial(word: str) -> str:
    # After NFC, "Ấ" or "Đ" is one code point, so the first character is the whole letter.
    return f"{word[0].upper()}."


def _organisation_prefix(words: list[str]) -> int:
    """How many leading words form a legal-form prefix (0 when none does)."""
    folded = [w.casefold() for w in words]
    for prefix in _ORGANISATION_PREFIXES:
        prefix_words = prefix.casefold().split()
        if folded[: len(prefix_words)] == prefix_words:
            return len(prefix_words)
    return 0


def _is_name_word(word: str) -> bool:
    """Letters (with hyphens, apostrophes, dots inside), nothing that could identify a person
    on its own: no digit (ID, phone), no "@" (e-mail)."""
    core = word.strip(_EDGE_PUNCTUATION)
    return any(ch.isalpha() for ch in core) and all(
        ch.isalpha() or ch in _INNER_PUNCTUATION for ch in core
    )


def mask_name(name: str) -> str:
    """A name safe for public display; see the module docstring for the rule."""
    words = [w.strip(_EDGE_PUNCTUATION) for w in _nfc(name).split() if _is_name_word(w)]
    if not words:
        return ""
    prefix_len = _organisation_prefix(words)
    if prefix_len:
        rest = words[prefix_len:]
        return " ".join([*words[:prefix_len], *(_initial(w) for w in rest)])
    kept: list[str] = []
    if words[0].casefold() in _HONORIFICS and len(words) > 1:
        kept.append(words.pop(0))
    if len(words) == 1:
        return " ".join([*kept, _initial(words[0])])
    return " ".join([*kept, words[0], *(_initial(w) for w in words[1:])])


def _mask_middle(chars: str, head: int, tail: int) -> str:
    hidden = len(chars) - head - tail
    return f"{chars[:head]}{MASK * hidden}{chars[len(chars) - tail :]}"


def mask_phone(phone: str) -> str:
    """A phone number with its middle digits hidden; see the module docstring."""
    text = _nfc(phone).strip()
    digits = "".join(ch for ch in text if ch in _DIGITS)
    if text.startswith("+84"):
        digits = "0" + digits[2:]
    elif text.startswith("+"):
        digits = "+" + digits
    if sum(ch in _DIGITS for ch in digits) < 7:
        return MASK * len(digits)
    return _mask_middle(digits, 3, 3)


def mask_id_number(id_number: str) -> str:
    """An identification number with its middle hidden; see the module docstring."""
    chars = "".join(ch for ch in _nfc(id_number) if ch.isascii() and ch.isalnum()).upper()
    if len(chars) < 6:
        return MASK * len(chars)
    tail = 2
    head = min(4, len(chars) // 2 - tail)
    return _mask_middle(chars, head, tail)


def masked_id_numbers(stored: list[Any] | None) -> list[dict[str, Any]]:
    """A stored list of ID numbers (``{"kind", "number"}`` or bare strings), each masked."""
    shown: list[dict[str, Any]] = []
    for entry in stored or []:
        number = entry.get("number") if isinstance(entry, dict) else entry
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if isinstance(number, str) and number.strip():
            shown.append({"kind": kind, "number": mask_id_number(number)})
    return shown
