"""The portal record format (PORTAL.md): the one place that turns raw records into typed ones.

``parse_dossier`` reads a DongBoHoSoMC record (with its embedded QuaTrinhXuLy), ``parse_progress``
a CapNhatTienDoHoSoMC record. Both raise :class:`~connectors.errors.RecordInvalid` with the field
(a path for nested values, e.g. ``QuaTrinhXuLy[3].ThoiDiemXuLy``), a reason and the value, which
the app stores as a quarantine row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from connectors.errors import RecordInvalid
from connectors.portal_fields import (
    echo,
    parse_status,
    read_choice,
    read_date,
    read_list,
    read_text,
    required_date,
    required_text,
    type_name,
)
from connectors.records import DossierRecord, IdNumber, ProgressRecord, SupplementRecord

APPLICANT_TYPES: Final[Mapping[int, str]] = {
    1: "công dân",
    2: "doanh nghiệp",
    3: "cơ quan nhà nước",
    4: "tổ chức khác",
}
CHANNELS: Final[Mapping[int, str]] = {
    1: "trực tiếp",
    2: "trực tuyến",
    3: "bưu chính công ích",
}
ID_KINDS: Final[Mapping[int, str]] = {1: "định danh cá nhân 12 số", 2: "CMND 9 số"}
_ID_LENGTHS: Final[Mapping[int, int]] = {1: 12, 2: 9}
_CODE_RE: Final = re.compile(r"\S+")
#: Key a connector uses to wrap an item that was not a JSON object, so it still gets quarantined.
RAW_ITEM_KEY: Final = "_raw"


def _as_record(payload: Any, what: str) -> Mapping[str, Any]:
    if isinstance(payload, Mapping):
        if set(payload) == {RAW_ITEM_KEY}:
            inner = payload[RAW_ITEM_KEY]
            raise RecordInvalid(
                "(record)", f"expected a JSON object for {what}, got {type_name(inner)}",
                echo(inner),
            )
        return payload
    raise RecordInvalid(
        "(record)", f"expected a JSON object for {what}, got {type_name(payload)}", echo(payload)
    )


def _dossier_code(record: Mapping[str, Any]) -> str:
    code = required_text(record, "MaHoSo")
    if not _CODE_RE.fullmatch(code):
        raise RecordInvalid("MaHoSo", "dossier code must not contain spaces", code)
    if code.strip(".") == "":
        # "." and ".." are path steps in every URL: such a dossier could never be linked
        raise RecordInvalid("MaHoSo", "dossier code must not be only dots", code)
    return code


def parse_progress(payload: Any, *, dossier_code: str | None = None) -> ProgressRecord:
    """Validate one progress record.

    ``dossier_code`` is given for records embedded in a dossier: a missing MaHoSo is taken from
    it, a different one is an error.
    """
    record = _as_record(payload, "a progress record")
    if dossier_code is not None and record.get("MaHoSo") in (None, ""):
        code = dossier_code
    else:
        code = _dossier_code(record)
        if dossier_code is not None and code != dossier_code:
            raise RecordInvalid(
                "MaHoSo", f"progress belongs to {code!r}, not to dossier {dossier_code!r}", code
            )
    if "TrangThai" not in record:
        raise RecordInvalid("TrangThai", "required field is missing")
    return ProgressRecord(
        dossier_code=code,
        at=required_date(record, "ThoiDiemXuLy"),
        status=parse_status(record["TrangThai"], "TrangThai"),
        content=read_text(record, "NoiDungXuLy") or "",
        officer=read_text(record, "NguoiXuLy", personal=True),
        officer_title=read_text(record, "ChucDanh"),
        department=read_text(record, "PhongBanXuLy"),
        step_started_at=read_date(record, "NgayBatDau"),
        step_due_at=read_date(record, "NgayKetThucTheoQuyDinh"),
    )


def _id_numbers(record: Mapping[str, Any]) -> tuple[IdNumber, ...]:
    result: list[IdNumber] = []
    for index, item in enumerate(read_list(record, "DinhDanhCHS")):
        where = f"DinhDanhCHS[{index}]"
        if not isinstance(item, Mapping):
            raise RecordInvalid(where, f"expected an object, got {type_name(item)}")
        try:
            kind = read_choice(item, "LoaiDinhDanh", ID_KINDS, required=True)
            number = read_text(item, "SoDinhDanh", required=True, personal=True)
        except RecordInvalid as exc:
            raise exc.nested(where) from None
        assert kind is not None and number is not None
        expected = _ID_LENGTHS[kind]
        if not (number.isdigit() and len(number) == expected):
            # personal data: describe the problem, never echo the number
            raise RecordInvalid(
                f"{where}.SoDinhDanh",
                f"ID of kind {kind} must be {expected} digits, got {len(number)} characters",
            )
        result.append(IdNumber(kind=kind, number=number))
    return tuple(result)


def _supplements(record: Mapping[str, Any]) -> tuple[SupplementRecord, ...]:
    result: list[SupplementRecord] = []
    for index, item in enumerate(read_list(record, "DanhSachHoSoBoSung")):
        where = f"DanhSachHoSoBoSung[{index}]"
        if not isinstance(item, Mapping):
            raise RecordInvalid(where, f"expected an object, got {type_name(item)}")
        try:
            result.append(
                SupplementRecord(
                    supplement_id=read_text(item, "HoSoBoSungId"),
                    content=read_text(item, "NoiDungBoSung"),
                    requested_at=read_date(item, "NgayBoSung"),
                    received_at=read_date(item, "NgayTiepNhanBoSung"),
                    status=read_text(item, "TrangThaiBoSung"),
                    previous_due_at=read_date(item, "NgayHenTraTruoc"),
                    new_due_at=read_date(item, "NgayHenTraMoi"),
                )
            )
        except RecordInvalid as exc:
            raise exc.nested(where) from None
    return tuple(result)


def _progress(record: Mapping[str, Any], code: str) -> tuple[ProgressRecord, ...]:
    result: list[ProgressRecord] = []
    for index, item in enumerate(read_list(record, "QuaTrinhXuLy")):
        try:
            result.append(parse_progress(item, dossier_code=code))
        except RecordInvalid as exc:
            raise exc.nested(f"QuaTrinhXuLy[{index}]") from None
    return tuple(result)


def _channel(record: Mapping[str, Any]) -> int | None:
    # Systems name the channel either HinhThuc or KenhThucHien; HinhThuc wins when both are set.
    channel = read_choice(record, "HinhThuc", CHANNELS)
    return channel if channel is not None else read_choice(record, "KenhThucHien", CHANNELS)


def parse_dossier(payload: Any) -> DossierRecord:
    """Validate one dossier record (DongBoHoSoMC) into a :class:`DossierRecord`."""
    record = _as_record(payload, "a dossier record")
    code = _dossier_code(record)
    if "TrangThaiHoSo" not in record:
        raise RecordInvalid("TrangThaiHoSo", "required field is missing")
    applicant_type = read_choice(record, "LoaiDoiTuong", APPLICANT_TYPES, required=True)
    assert applicant_type is not None
    return DossierRecord(
        code=code,
        procedure_code=required_text(record, "MaTTHC"),
        procedure_name=required_text(record, "TenTTHC"),
        field_code=required_text(record, "MaLinhVuc"),
        field_name=required_text(record, "TenLinhVuc"),
        applicant_type=applicant_type,
        applicant_name=read_text(record, "ChuHoSo", personal=True),
        phone=read_text(record, "SoDienThoai", personal=True),
        email=read_text(record, "Email", personal=True),
        fax=read_text(record, "Fax", personal=True),
        id_numbers=_id_numbers(record),
        summary=required_text(record, "TrichYeuHoSo"),
        received_at=required_date(record, "NgayTiepNhan"),
        portal_due_at=required_date(record, "NgayHenTra"),
        status=parse_status(record["TrangThaiHoSo"], "TrangThaiHoSo"),
        finished_at=read_date(record, "NgayKetThucXuLy"),
        returned_at=read_date(record, "NgayTra"),
        channel=_channel(record),
        agency=required_text(record, "DonViXuLy"),
        receipt_number=read_text(record, "SoBienNhan"),
        note=read_text(record, "GhiChu"),
        other_info=read_text(record, "ThongTinKhac"),
        return_info=read_text(record, "ThongTinTra"),
        supplements=_supplements(record),
        progress=_progress(record, code),
        submitted_files=tuple(read_list(record, "TaiLieuNop")),
        fees=tuple(read_list(record, "DanhSachLePhi")),
        result_documents=tuple(read_list(record, "DanhSachGiayToKetQua")),
    )


def parse_record(kind: str, payload: Any) -> DossierRecord | ProgressRecord:
    """Dispatch on a :class:`~connectors.base.SourceRecord` kind (``dossier`` / ``progress``)."""
    if kind == "dossier":
        return parse_dossier(payload)
    if kind == "progress":
        return parse_progress(payload)
    raise ValueError(f"unknown record kind {kind!r}")
