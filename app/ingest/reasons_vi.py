"""Quarantine reasons in Vietnamese, for the people who fix the records.

The parser (connectors/) words its reasons in English, and they are stored and served that way:
they are the API's and `--json`'s stable vocabulary, and what a sender's developer greps for.
A supervisor reading `tthc quarantine list` gets this translation instead; a reason without a
pattern here is shown as stored, so a new parser message is never hidden, only untranslated
(tests/ingest/test_reasons_vi.py lists the parser's messages).
"""

from __future__ import annotations

import re
from typing import Final

_TYPES: Final = {
    "null": "giá trị rỗng (null)",
    "boolean": "giá trị đúng/sai",
    "number": "số",
    "list": "danh sách",
    "object": "đối tượng",
    "str": "chuỗi",
}


def _type(name: str) -> str:
    return _TYPES.get(name, name)


# (pattern on the whole English reason, Vietnamese template over its groups)
_RULES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.DOTALL), template)
    for pattern, template in (
        (r"required field is missing", "thiếu trường bắt buộc"),
        (r"required field is empty", "trường bắt buộc để trống"),
        (r"required date is missing", "thiếu ngày bắt buộc"),
        (r"required date is empty", "ngày bắt buộc để trống"),
        (r"status is missing", "thiếu trạng thái hồ sơ"),
        (r"status is a boolean", "trạng thái là giá trị đúng/sai, không phải mã trạng thái"),
        (r"dossier code must not contain spaces", "mã hồ sơ không được chứa dấu cách"),
        (
            r"text contains a NUL character, which cannot be stored",
            "văn bản chứa ký tự NUL, không lưu được",
        ),
        (
            r"invalid date (.+): expected yyyyMMddHHmmss(?: \(.*\))?",
            "ngày {0} không hợp lệ: cần dạng yyyyMMddHHmmss (năm, tháng, ngày, giờ, phút, giây)",
        ),
        (
            r"invalid date: expected a yyyyMMddHHmmss string, got (\w+)",
            "ngày không hợp lệ: cần chuỗi dạng yyyyMMddHHmmss, nhận được {0:type}",
        ),
        (
            r"unknown status code (\d+): expected 1\.\.10",
            "mã trạng thái {0} không tồn tại: chỉ có mã 1 đến 10",
        ),
        (r"unknown status (.+)", "trạng thái {0} không xác định"),
        (r"status must be a code, got (\w+)", "trạng thái phải là mã số, nhận được {0:type}"),
        (r"unknown code (.+): expected one of (.+)", "mã {0} không hợp lệ: chỉ nhận {1}"),
        (r"expected text, got (\w+)", "cần văn bản, nhận được {0:type}"),
        (r"expected a list, got (\w+)", "cần một danh sách, nhận được {0:type}"),
        (r"expected an object, got (\w+)", "cần một đối tượng, nhận được {0:type}"),
        (
            r"expected a JSON object for (.+), got (\w+)",
            "cần một đối tượng JSON cho {0}, nhận được {1:type}",
        ),
        (
            r"list has (\d+) items, the limit is (\d+)",
            "danh sách có {0} phần tử, vượt giới hạn {1}",
        ),
        (
            r"text is (\d+) characters long, the limit is (\d+)",
            "văn bản dài {0} ký tự, vượt giới hạn {1}",
        ),
        (
            r"ID of kind (\S+) must be (\d+) digits, got (\d+) characters",
            "giấy tờ định danh loại {0} phải có {1} chữ số, nhận được {2} ký tự",
        ),
        (
            r"progress belongs to (.+), not to dossier (.+)",
            "bản ghi tiến độ thuộc hồ sơ {0}, không phải hồ sơ {1}",
        ),
        (
            r"unexpected error while reading the record: (.*)",
            "lỗi không lường trước khi đọc bản ghi: {0}",
        ),
    )
)


def reason_vi(reason: str) -> str:
    """The Vietnamese wording of a stored quarantine reason (the reason itself if unknown)."""
    for pattern, template in _RULES:
        match = pattern.fullmatch(reason)
        if match is None:
            continue
        groups = match.groups()
        text = template
        for index, value in enumerate(groups):
            text = text.replace(f"{{{index}:type}}", _type(value))
            text = text.replace(f"{{{index}}}", value)
        return text
    return reason
