"""Masking of personal data for public display."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.core.privacy import _ORGANISATION_PREFIXES, mask_id_number, mask_name, mask_phone

NOT_A_FAMILY_NAME = {"ông", "bà"} | {p.split()[0].casefold() for p in _ORGANISATION_PREFIXES}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "Nguyễn V. A."),
        ("Trần Thị Bích Ngọc", "Trần T. B. N."),
        ("  Lê   Đức  Ánh ", "Lê Đ. Á."),
        ("Ông Phạm Minh Chính", "Ông Phạm M. C."),
        ("bà hoàng thị ấu", "bà hoàng T. Ấ."),
        ("Âu Dương", "Âu D."),
        ("An", "A."),
        ("Ông", "Ô."),
        ("", ""),
        ("   ", ""),
    ],
)
def test_person_keeps_family_name_and_initials(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_decomposed_input_gives_nfc_with_whole_letters() -> None:
    masked = mask_name(nfd("Đặng Thị Ấu Ẩn"))
    assert masked == "Đặng T. Ấ. Ẩ."
    assert unicodedata.is_normalized("NFC", masked)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Công ty TNHH Thương mại Bình Minh", "Công ty TNHH T. M. B. M."),
        ("Công ty cổ phần Sữa Việt Nam", "Công ty cổ phần S. V. N."),
        ("CÔNG TY TNHH MTV Hòa Phát", "CÔNG TY TNHH MTV H. P."),
        ("Hộ kinh doanh Trần Thị Bình", "Hộ kinh doanh T. T. B."),
        ("Doanh nghiệp tư nhân Nguyễn Văn Tài", "Doanh nghiệp tư nhân N. V. T."),
        ("HTX Nông nghiệp Đức Trọng", "HTX N. N. Đ. T."),
        ("Hợp tác xã", "Hợp tác xã"),
    ],
)
def test_organisation_keeps_its_legal_form_only(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("0912345678", "091xxxx678"),
        ("0912 345 678", "091xxxx678"),
        ("0912.345.678", "091xxxx678"),
        ("+84 912 345 678", "091xxxx678"),
        ("+84912345678", "091xxxx678"),
        ("02633 822 123", "026xxxxx123"),
        ("+1 202 555 0123", "+12xxxxxx123"),
        ("113", "xxx"),
        ("123456", "xxxxxx"),
        ("", ""),
    ],
)
def test_phone_shows_three_digits_each_end(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("079012345612", "0790xxxxxx12"),
        ("0790 1234 5612", "0790xxxxxx12"),
        ("123456789", "12xxxxx89"),
        ("c1234567", "C1xxxx67"),
        ("0312345678", "031xxxxx78"),
        ("123456", "1xxx56"),
        ("12345", "xxxxx"),
        ("", ""),
    ],
)
def test_id_number_keeps_only_its_ends(id_number: str, masked: str) -> None:
    assert mask_id_number(id_number) == masked


def test_non_ascii_digits_are_not_counted_as_digits() -> None:
    assert mask_phone("0912345678²") == "091xxxx678"
    assert mask_id_number("０７９０１２３４５６１２") == ""  # full-width digits are not an ID


vietnamese_words = st.text(
    alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậđèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợ"
    "ùúủũụừứửữựỳýỷỹỵ",
    min_size=1,
    max_size=7,
).map(str.title)


@given(st.lists(vietnamese_words, min_size=2, max_size=5))
def test_given_names_never_leak(words: list[str]) -> None:
    assume(words[0].casefold() not in NOT_A_FAMILY_NAME)  # covered by the cases above
    masked = mask_name(nfd(" ".join(words)))
    assert unicodedata.is_normalized("NFC", masked)
    parts = masked.split()
    assert parts[0] == words[0]
    assert parts[1:] == [f"{w[0].upper()}." for w in words[1:]]


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=6, max_size=20))
def test_id_number_shows_at_most_half(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    assert masked.count("x") >= len(number) / 2
    assert masked.endswith(number[-2:])
    shown_head = len(masked) - len(masked.lstrip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert masked[:shown_head] == number[:shown_head]
    assert shown_head <= 4
