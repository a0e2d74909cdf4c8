"""Cell values of an export -> portal values.

A cell that cannot be converted is passed through unchanged (as text), so that
``parse_dossier`` quarantines the record naming the field and the value; nothing is guessed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from connectors.portal.fields import PORTAL_TZ, clean_text
from connectors.portal.vocabulary import DossierStatus
from connectors.spreadsheet.aliases import fold

DATE_FIELDS: Final = frozenset({"NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra"})
_EXCEL_EPOCH: Final = datetime(1899, 12, 30)
# Serial numbers 1..2958465 are 1900-01-01..9999-12-31 in Excel; outside, it's no date.
_EXCEL_SERIAL_RANGE: Final = (1.0, 2_958_466.0)
_DMY_RE: Final = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:hH](\d{2})(?::(\d{2}))?)?"
)
_PORTAL_RE: Final = re.compile(r"\d{14}")

#: Vietnamese status labels of one-door exports (folded) -> PORTAL.md code.
S = DossierStatus
STATUS_LABELS: Final[Mapping[str, int]] = {
    fold(label): code
    for label, code in (
        ("Mới đăng ký", S.SUBMITTED),
        ("Chờ tiếp nhận", S.SUBMITTED),
        ("Mới tiếp nhận", S.ACCEPTED),
        ("Được tiếp nhận", S.ACCEPTED),
        ("Đã tiếp nhận", S.ACCEPTED),
        ("Tiếp nhận", S.ACCEPTED),
        ("Không được tiếp nhận", S.REFUSED),
        ("Từ chối tiếp nhận", S.REFUSED),
        ("Từ chối", S.REFUSED),
        ("Đang xử lý", S.PROCESSING),
        ("Đang giải quyết", S.PROCESSING),
        ("Yêu cầu bổ sung giấy tờ", S.SUPPLEMENT),
        ("Yêu cầu bổ sung", S.SUPPLEMENT),
        ("Chờ bổ sung", S.SUPPLEMENT),
        ("Bổ sung hồ sơ", S.SUPPLEMENT),
        ("Yêu cầu thực hiện nghĩa vụ tài chính", S.FINANCIAL),
        ("Chờ thực hiện nghĩa vụ tài chính", S.FINANCIAL),
        ("Thực hiện nghĩa vụ tài chính", S.FINANCIAL),
        ("Công dân yêu cầu rút hồ sơ", S.WITHDRAWN),
        ("Rút hồ sơ", S.WITHDRAWN),
        ("Đã rút hồ sơ", S.WITHDRAWN),
        ("Dừng xử lý", S.STOPPED),
        ("Dừng giải quyết", S.STOPPED),
        ("Đã xử lý xong", S.FINISHED),
        ("Đã giải quyết", S.FINISHED),
        ("Chờ trả kết quả", S.FINISHED),
        ("Đã trả kết quả", S.RETURNED),
        ("Đã trả", S.RETURNED),
        ("Hoàn thành", S.RETURNED),
    )
}
CHANNEL_LABELS: Final[Mapping[str, int]] = {
    fold(label): code
    for label, code in (
        ("Trực tiếp", 1), ("Tại bộ phận một cửa", 1), ("Trực tuyến", 2), ("Qua mạng", 2),
        ("Dịch vụ công trực tuyến", 2), ("Bưu chính", 3), ("Bưu chính công ích", 3),
        ("Qua bưu chính công ích", 3), ("Qua dịch vụ bưu chính công ích", 3),
    )
}
#: How the result is returned (HinhThuc): 1 by post, 0 at the desk.
RESULT_BY_POST_LABELS: Final[Mapping[str, int]] = {
    fold(label): code
    for label, code in (
        ("Qua bưu chính", 1), ("Bưu chính", 1), ("Bưu chính công ích", 1),
        ("Qua bưu chính công ích", 1), ("Qua dịch vụ bưu chính công ích", 1), ("Bưu điện", 1),
        ("Có", 1), ("Trực tiếp", 0), ("Tại bộ phận một cửa", 0), ("Tại cơ quan", 0),
        ("Không", 0),
    )
}
APPLICANT_LABELS: Final[Mapping[str, int]] = {
    fold(label): code
    for label, code in (
        ("Công dân", 1), ("Cá nhân", 1), ("Doanh nghiệp", 2), ("Cơ quan nhà nước", 3),
        ("Tổ chức", 4), ("Tổ chức khác", 4),
    )
}
_LABELS: Final[Mapping[str, Mapping[str, int]]] = {
    "TrangThaiHoSo": STATUS_LABELS,
    "HinhThuc": RESULT_BY_POST_LABELS,
    "KenhThucHien": CHANNEL_LABELS,
    "LoaiDoiTuong": APPLICANT_LABELS,
}


def to_text(value: Any) -> str:
    """A cell as text: integral floats lose their ``.0``; ``None`` is ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return clean_text(str(value))


def _portal(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(PORTAL_TZ)
    return value.strftime("%Y%m%d%H%M%S")


def to_portal_date(value: Any) -> str:
    """Any date a one-door export writes -> ``yyyyMMddHHmmss``; unrecognised -> unchanged text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _portal(value)
    if isinstance(value, date):
        return _portal(datetime.combine(value, time()))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _PORTAL_RE.fullmatch(to_text(value)):
            return to_text(value)
        low, high = _EXCEL_SERIAL_RANGE
        if low <= float(value) < high:  # an Excel serial date that lost its number format
            moment = _EXCEL_EPOCH + timedelta(days=float(value))
            return _portal(moment.replace(microsecond=0))
        return to_text(value)
    text = to_text(value)
    if text == "" or _PORTAL_RE.fullmatch(text):
        return text
    match = _DMY_RE.fullmatch(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        try:
            moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                              int(second or 0))
        except ValueError:
            return text
        return _portal(moment)
    try:
        return _portal(datetime.fromisoformat(text))
    except ValueError:
        return text


def to_code(field: str, value: Any) -> str:
    """A coded field given as a code or as its Vietnamese label; unknown labels pass through."""
    text = to_text(value)
    if text == "" or text.isdigit():
        return text
    return str(_LABELS[field][fold(text)]) if fold(text) in _LABELS[field] else text


def to_id_numbers(value: Any) -> list[dict[str, Any]]:
    """An ID cell -> DinhDanhCHS. 12 digits is a personal ID (1), 9 digits an old ID card (2);
    other values keep kind 1 so that parse_dossier reports the length."""
    text = to_text(value)
    if text == "":
        return []
    compact = re.sub(r"[\s.]", "", text)
    kind = 2 if len(compact) == 9 else 1
    return [{"LoaiDinhDanh": kind, "SoDinhDanh": compact}]


def convert(field: str, value: Any) -> Any:
    """The portal value for ``field`` from a cell."""
    converter: Callable[[Any], Any]
    if field in DATE_FIELDS:
        converter = to_portal_date
    elif field in _LABELS:
        return to_code(field, value)
    elif field == "DinhDanhCHS":
        converter = to_id_numbers
    else:
        converter = to_text
    return converter(value)
