"""Optional parts of a dossier record that real senders get wrong without the dossier being wrong.

A one-door system that cannot fill a name, a summary or an ID number sends ``""``, a placeholder
(``"Dinhkem"``, ``000000001``) or a value of another type (TD.DichVuCong serialises supplement
rounds with .NET dates and booleans). None of that makes the dossier's deadline unknowable, so
the record is stored and each problem becomes a :class:`~connectors.records.DataFlag` (a
data-quality anomaly the app records and shows), never a quarantine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from connectors.errors import RecordInvalid
from connectors.portal.fields import (
    echo,
    parse_iso_date,
    parse_portal_date,
    read_list,
    read_text,
    type_name,
)
from connectors.records import DataFlag, IdNumber, SupplementRecord

# Flag codes (the app names each in Vietnamese).
NAMES_MISSING: Final = "names_missing"
SUMMARY_MISSING: Final = "summary_missing"
SUMMARY_PLACEHOLDER: Final = "summary_placeholder"
ID_PLACEHOLDER: Final = "id_placeholder"
ID_INVALID: Final = "id_invalid"
CODE_INVALID: Final = "code_invalid"
SUPPLEMENT_UNREADABLE: Final = "supplement_unreadable"
AGENCY_FROM_DELIVERY: Final = "agency_from_delivery"
STATUS_UNMAPPED: Final = "status_unmapped"
RECEIVED_UNKNOWN: Final = "received_unknown"

#: What TD.DichVuCong writes when a summary or a file name is empty.
SUMMARY_PLACEHOLDERS: Final = frozenset({"dinhkem", "dinh kem", "đính kèm"})
#: ID numbers senders put where they have none (TD.DichVuCong: 000000001 with kind 2).
PLACEHOLDER_IDS: Final = frozenset({"000000001", "000000000", "000000000000", "000000000001"})
_ID_LENGTHS: Final[Mapping[int, int]] = {1: 12, 2: 9}
NAME_FIELDS: Final = ("TenTTHC", "MaLinhVuc", "TenLinhVuc")


def _code(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def optional_choice(
    record: Mapping[str, Any], field: str, allowed: Mapping[int, str], flags: list[DataFlag]
) -> int | None:
    """A coded field (channel, applicant type): missing/``""``/null is None (never guessed);
    an unknown code is None and flagged."""
    raw = record.get(field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    code = _code(raw)
    if code is None or code not in allowed:
        flags.append(DataFlag(CODE_INVALID, field, echo(raw)))
        return None
    return code


def result_by_post(record: Mapping[str, Any], flags: list[DataFlag]) -> bool:
    """HinhThuc: "1" = the result is sent by post, "0"/empty = at the desk."""
    raw = record.get("HinhThuc")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return False
    code = _code(raw)
    if code not in (0, 1):
        flags.append(DataFlag(CODE_INVALID, "HinhThuc", echo(raw)))
        return False
    return code == 1


def names(record: Mapping[str, Any], flags: list[DataFlag]) -> tuple[str | None, ...]:
    """TenTTHC, MaLinhVuc, TenLinhVuc: empty when the sender's catalogue look-up failed."""
    values = tuple(read_text(record, field) for field in NAME_FIELDS)
    missing = [field for field, value in zip(NAME_FIELDS, values, strict=True) if value is None]
    if missing:
        flags.append(DataFlag(NAMES_MISSING, ", ".join(missing)))
    return values


def summary(record: Mapping[str, Any], flags: list[DataFlag]) -> str | None:
    text = read_text(record, "TrichYeuHoSo")
    if text is None:
        flags.append(DataFlag(SUMMARY_MISSING, "TrichYeuHoSo"))
        return None
    if text.casefold() in SUMMARY_PLACEHOLDERS:
        flags.append(DataFlag(SUMMARY_PLACEHOLDER, "TrichYeuHoSo", text))
        return None
    return text


def id_numbers(record: Mapping[str, Any], flags: list[DataFlag]) -> tuple[IdNumber, ...]:
    """DinhDanhCHS. A placeholder or a malformed number is dropped and flagged; the number
    itself is personal data and never goes into the flag."""
    result: list[IdNumber] = []
    for index, item in enumerate(read_list(record, "DinhDanhCHS")):
        where = f"DinhDanhCHS[{index}]"
        if not isinstance(item, Mapping):
            flags.append(DataFlag(ID_INVALID, where, f"expected an object, got {type_name(item)}"))
            continue
        kind = _code(item.get("LoaiDinhDanh"))
        number = read_text(item, "SoDinhDanh", personal=True)
        if number is None:
            continue
        compact = number.replace(" ", "")
        if compact in PLACEHOLDER_IDS:
            flags.append(DataFlag(ID_PLACEHOLDER, f"{where}.SoDinhDanh", compact))
            continue
        expected = _ID_LENGTHS.get(kind or 0)
        if expected is None or not (compact.isdigit() and len(compact) == expected):
            detail = (f"kind {kind}, {len(compact)} characters" if expected is not None
                      else f"unknown kind {echo(item.get('LoaiDinhDanh'))}")
            flags.append(DataFlag(ID_INVALID, f"{where}.SoDinhDanh", detail))
            continue
        assert kind is not None
        result.append(IdNumber(kind=kind, number=compact))
    return tuple(result)


def _round_date(item: Mapping[str, Any], field: str) -> datetime | None:
    raw = item.get(field)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise RecordInvalid(field, f"expected a date string, got {type_name(raw)}", echo(raw))
    text = raw.strip()
    if not text or text.isdigit():
        return parse_portal_date(text, field)
    return parse_iso_date(text, field)


def _round_text(item: Mapping[str, Any], field: str) -> str | None:
    raw = item.get(field)
    if isinstance(raw, bool):  # TD.DichVuCong's TrangThaiBoSung is a boolean
        return "true" if raw else "false"
    return read_text(item, field)


def supplements(record: Mapping[str, Any], flags: list[DataFlag]) -> tuple[SupplementRecord, ...]:
    """DanhSachHoSoBoSung, informative only: an unreadable round is skipped and flagged."""
    result: list[SupplementRecord] = []
    for index, item in enumerate(read_list(record, "DanhSachHoSoBoSung")):
        where = f"DanhSachHoSoBoSung[{index}]"
        if not isinstance(item, Mapping):
            flags.append(DataFlag(SUPPLEMENT_UNREADABLE, where,
                                  f"expected an object, got {type_name(item)}"))
            continue
        try:
            result.append(SupplementRecord(
                supplement_id=_round_text(item, "HoSoBoSungId"),
                content=_round_text(item, "NoiDungBoSung"),
                requested_at=_round_date(item, "NgayBoSung"),
                received_at=_round_date(item, "NgayTiepNhanBoSung"),
                status=_round_text(item, "TrangThaiBoSung"),
                previous_due_at=_round_date(item, "NgayHenTraTruoc"),
                new_due_at=_round_date(item, "NgayHenTraMoi"),
            ))
        except RecordInvalid as exc:
            flags.append(DataFlag(SUPPLEMENT_UNREADABLE, f"{where}.{exc.field}", exc.value))
    return tuple(result)
