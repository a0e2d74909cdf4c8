"""Readers for single portal values: text, dates, status codes, small enumerations.

Each reader takes the raw record (a ``dict``), the portal field name and returns the typed value
or raises :class:`~connectors.errors.RecordInvalid` naming the field and the offending value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from connectors.errors import RecordInvalid
from connectors.portal.vocabulary import STATUS_ALIASES, STATUS_NAMES

PORTAL_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")
PORTAL_DATE_FORMAT: Final = "%Y%m%d%H%M%S"
MAX_TEXT_CHARS: Final = 10_000
# Fields a receiver stores in bounded columns (codes, names, contacts): longer values are refused
# here, with the field named, rather than failing the whole batch in the database.
FIELD_LIMITS: Final[dict[str, int]] = {
    "MaHoSo": 64, "MaTTHC": 64, "MaLinhVuc": 64, "SoBienNhan": 64, "SoDienThoai": 64, "Fax": 64,
    "TenLinhVuc": 255, "DonViXuLy": 255, "ChuHoSo": 255, "Email": 255,
    "NguoiXuLy": 255, "ChucDanh": 255, "PhongBanXuLy": 255,
}
MAX_LIST_ITEMS: Final = 10_000
_PORTAL_DATE_RE: Final = re.compile(r"\d{14}")
_VALUE_ECHO_CHARS: Final = 80
_CONTROL_CHARS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

def echo(value: Any) -> str:
    """A short printable rendering of a bad value for the error message and the quarantine row.

    Control characters are written as escapes: PostgreSQL text cannot hold NUL, and a quarantine
    row that cannot be stored would fail the whole delivery instead of keeping the bad record.
    """
    text = printable(value if isinstance(value, str) else repr(value))
    if len(text) > _VALUE_ECHO_CHARS:
        return text[:_VALUE_ECHO_CHARS] + f"… ({len(text)} chars)"
    return text


def printable(text: str) -> str:
    """``text`` with control characters written as escapes (``\\x00``), tab and newlines kept."""
    return _CONTROL_CHARS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def type_name(value: Any) -> str:
    """JSON-ish name of a value's type for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def clean_text(value: str) -> str:
    """NFC-normalise and strip."""
    return unicodedata.normalize("NFC", value).strip()


def read_text(
    record: Mapping[str, Any], field: str, *, required: bool = False, personal: bool = False
) -> str | None:
    """A text field. Numbers are accepted and written in decimal (codes are sometimes numeric).

    Missing, ``null`` and blank mean "none"; for a required field that is an error.
    ``personal`` values are never echoed back in the error.
    """
    raw = record.get(field)
    if raw is None:
        if required:
            raise RecordInvalid(field, "required field is missing")
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise RecordInvalid(
            field,
            f"expected text, got {type_name(raw)}",
            None if personal else echo(raw),
        )
    text = clean_text(raw) if isinstance(raw, str) else str(raw)
    if "\x00" in text:
        raise RecordInvalid(
            field, "text contains a NUL character, which cannot be stored",
            None if personal else echo(raw),
        )
    limit = FIELD_LIMITS.get(field, MAX_TEXT_CHARS)
    if len(text) > limit:
        raise RecordInvalid(
            field, f"text is {len(text)} characters long, the limit is {limit}", None
        )
    if not text:
        if required:
            raise RecordInvalid(field, "required field is empty", "")
        return None
    return text


def required_text(record: Mapping[str, Any], field: str) -> str:
    """A required text field (never ``None``)."""
    text = read_text(record, field, required=True)
    assert text is not None  # read_text raised otherwise
    return text


def parse_portal_date(raw: str, field: str) -> datetime | None:
    """``yyyyMMddHHmmss`` local (Asia/Ho_Chi_Minh) -> aware UTC; ``""`` -> ``None``."""
    text = raw.strip()
    if text == "":
        return None
    if not _PORTAL_DATE_RE.fullmatch(text):
        raise RecordInvalid(field, f"invalid date {text!r}: expected yyyyMMddHHmmss", echo(raw))
    try:  # slicing is 4x faster than strptime; strptime gives the error message
        local = datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]),
                         int(text[10:12]), int(text[12:]))
    except ValueError:
        pass
    else:
        return local.replace(tzinfo=PORTAL_TZ).astimezone(UTC)
    try:
        local = datetime.strptime(text, PORTAL_DATE_FORMAT)
    except ValueError as exc:
        raise RecordInvalid(
            field, f"invalid date {text!r}: expected yyyyMMddHHmmss ({exc})", text
        ) from None
    return local.replace(tzinfo=PORTAL_TZ).astimezone(UTC)


def format_portal_date(value: datetime) -> str:
    """The portal's string for an instant (naive values are taken as portal-local time)."""
    if value.tzinfo is not None:
        value = value.astimezone(PORTAL_TZ)
    return value.strftime(PORTAL_DATE_FORMAT)


def read_date(record: Mapping[str, Any], field: str, *, required: bool = False) -> datetime | None:
    """A portal date field; missing/``null``/``""`` mean none (an error when required)."""
    raw = record.get(field)
    if raw is None:
        if required:
            raise RecordInvalid(field, "required date is missing")
        return None
    if not isinstance(raw, str):
        raise RecordInvalid(
            field,
            f"invalid date: expected a yyyyMMddHHmmss string, got {type_name(raw)}",
            echo(raw),
        )
    value = parse_portal_date(raw, field)
    if value is None and required:
        raise RecordInvalid(field, "required date is empty", "")
    return value


def required_date(record: Mapping[str, Any], field: str) -> datetime:
    """A required portal date (never ``None``)."""
    value = read_date(record, field, required=True)
    assert value is not None  # read_date raised otherwise
    return value


def parse_iso_date(raw: str, field: str) -> datetime:
    """An ISO 8601 instant (``2025-03-04T09:00:00``, what .NET serialises a DateTime as);
    without an offset it is portal-local time."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise RecordInvalid(
            field, f"invalid date {raw!r}: expected yyyyMMddHHmmss or ISO 8601", echo(raw)
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=PORTAL_TZ)
    return value.astimezone(UTC)


def parse_status(raw: Any, field: str) -> int:
    """A status code given as a number, a numeric string or a PORTAL.md text alias."""
    if isinstance(raw, bool) or raw is None:
        raise RecordInvalid(field, "status is missing" if raw is None else "status is a boolean",
                            None if raw is None else echo(raw))
    if isinstance(raw, int):
        code = raw
    elif isinstance(raw, float) and raw.is_integer():
        code = int(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if text.isdigit():
            code = int(text)
        elif text.casefold() in STATUS_ALIASES:
            return STATUS_ALIASES[text.casefold()]
        else:
            raise RecordInvalid(field, f"unknown status {text!r}", echo(raw))
    else:
        raise RecordInvalid(field, f"status must be a code, got {type_name(raw)}", echo(raw))
    if code not in STATUS_NAMES:
        raise RecordInvalid(field, f"unknown status code {code}: expected 1..10", echo(raw))
    return code


def read_choice(
    record: Mapping[str, Any], field: str, allowed: Mapping[int, str], *, required: bool = False
) -> int | None:
    """A small coded enumeration (applicant type, channel) given as number or numeric string."""
    raw = record.get(field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise RecordInvalid(field, "required field is missing", None if raw is None else "")
        return None
    code: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        code = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        code = int(raw.strip())
    if code is None or code not in allowed:
        choices = ", ".join(f"{k} {v}" for k, v in allowed.items())
        raise RecordInvalid(field, f"unknown code {echo(raw)!s}: expected one of {choices}",
                            echo(raw))
    return code


def read_list(record: Mapping[str, Any], field: str) -> list[Any]:
    """An optional list field; missing/``null``/``""`` is the empty list."""
    raw = record.get(field)
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise RecordInvalid(field, f"expected a list, got {type_name(raw)}", echo(raw))
    if len(raw) > MAX_LIST_ITEMS:
        raise RecordInvalid(field, f"list has {len(raw)} items, the limit is {MAX_LIST_ITEMS}")
    return raw
