"""The portal record format (PORTAL.md): the one place that turns raw records into typed ones.

``parse_dossier`` reads a DongBoHoSoMC record (with its embedded QuaTrinhXuLy), ``parse_progress``
a CapNhatTienDoHoSoMC record. Both raise :class:`~connectors.errors.RecordInvalid` with the field
(a path for nested values, e.g. ``QuaTrinhXuLy[3].ThoiDiemXuLy``), a reason and the value, which
the app stores as a quarantine row, only when the record cannot be stored: what the real senders
get wrong in optional parts is stored and flagged (:mod:`connectors.portal.lenient`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from connectors.base import RecordKind
from connectors.errors import RecordInvalid
from connectors.portal import lenient
from connectors.portal.fields import (
    echo,
    parse_status,
    read_date,
    read_list,
    read_text,
    required_date,
    required_text,
    type_name,
)
from connectors.portal.vocabulary import CHANNEL_NAMES, NO_STATUS, DossierStatus
from connectors.records import DataFlag, DossierRecord, ProgressRecord

APPLICANT_TYPES: Final[Mapping[int, str]] = {
    1: "công dân",
    2: "doanh nghiệp",
    3: "cơ quan nhà nước",
    4: "tổ chức khác",
}
ID_KINDS: Final[Mapping[int, str]] = {1: "định danh cá nhân 12 số", 2: "CMND 9 số"}
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


def _step_status(record: Mapping[str, Any]) -> tuple[int, tuple[DataFlag, ...]]:
    if "TrangThai" not in record:
        raise RecordInvalid("TrangThai", "required field is missing")
    raw = record["TrangThai"]
    if isinstance(raw, str) and not raw.strip():
        # PORTAL.md: a sender with no mapping for its local status; the step is kept
        return NO_STATUS, (DataFlag(lenient.STATUS_UNMAPPED, "TrangThai", ""),)
    return parse_status(raw, "TrangThai"), ()


def parse_progress(payload: Any, *, dossier_code: str | None = None) -> ProgressRecord:
    """Validate one progress record.

    ``dossier_code`` is given for records embedded in a dossier: a missing MaHoSo is taken from
    it, a different one is an error. TrangThai ``""`` gives :data:`NO_STATUS` (flagged).
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
    status, flags = _step_status(record)
    return ProgressRecord(
        dossier_code=code,
        at=required_date(record, "ThoiDiemXuLy"),
        status=status,
        content=read_text(record, "NoiDungXuLy") or "",
        officer=read_text(record, "NguoiXuLy", personal=True),
        officer_title=read_text(record, "ChucDanh"),
        department=read_text(record, "PhongBanXuLy"),
        step_started_at=read_date(record, "NgayBatDau"),
        step_due_at=read_date(record, "NgayKetThucTheoQuyDinh"),
        flags=flags,
    )


def _progress(record: Mapping[str, Any], code: str) -> tuple[ProgressRecord, ...]:
    result: list[ProgressRecord] = []
    for index, item in enumerate(read_list(record, "QuaTrinhXuLy")):
        try:
            result.append(parse_progress(item, dossier_code=code))
        except RecordInvalid as exc:
            raise exc.nested(f"QuaTrinhXuLy[{index}]") from None
    return tuple(result)


def _dossier_status(record: Mapping[str, Any]) -> int:
    if "TrangThaiHoSo" not in record:
        raise RecordInvalid("TrangThaiHoSo", "required field is missing")
    raw = record["TrangThaiHoSo"]
    if isinstance(raw, str) and not raw.strip():
        raise RecordInvalid(
            "TrangThaiHoSo", "required field is empty (no national status for the local one)", ""
        )
    return parse_status(raw, "TrangThaiHoSo")


def _agency(record: Mapping[str, Any], hint: str | None, flags: list[DataFlag]) -> str:
    agency = read_text(record, "DonViXuLy")
    if agency is not None:
        return agency
    if hint:
        flags.append(DataFlag(lenient.AGENCY_FROM_DELIVERY, "DonViXuLy", hint))
        return hint
    raise RecordInvalid(
        "DonViXuLy", "required field is empty and the delivery names no agency "
        "(madonvi, MaDinhDanhDV or the sender's agency)"
    )


def parse_dossier(payload: Any, *, agency_hint: str | None = None) -> DossierRecord:
    """Validate one dossier record (DongBoHoSoMC) into a :class:`DossierRecord`.

    Required: MaHoSo, MaTTHC, TrangThaiHoSo, NgayTiepNhan (except status 1) and a processing
    agency (DonViXuLy, else ``agency_hint``: the delivery's madonvi / MaDinhDanhDV). Optional
    parts senders get wrong become flags (:mod:`connectors.portal.lenient`).
    """
    record = _as_record(payload, "a dossier record")
    code = _dossier_code(record)
    procedure_code = required_text(record, "MaTTHC")
    status = _dossier_status(record)
    received_at = read_date(record, "NgayTiepNhan", required=status != DossierStatus.SUBMITTED)
    flags: list[DataFlag] = []
    if received_at is None:  # status 1: the app dates it by NgayNopHoSo or its arrival
        flags.append(DataFlag(lenient.RECEIVED_UNKNOWN, "NgayTiepNhan"))
    procedure_name, field_code, field_name = lenient.names(record, flags)
    return DossierRecord(
        code=code,
        procedure_code=procedure_code,
        status=status,
        agency=_agency(record, agency_hint, flags),
        received_at=received_at,
        procedure_name=procedure_name,
        field_code=field_code,
        field_name=field_name,
        applicant_type=lenient.optional_choice(record, "LoaiDoiTuong", APPLICANT_TYPES, flags),
        summary=lenient.summary(record, flags),
        portal_due_at=read_date(record, "NgayHenTra"),
        submitted_at=read_date(record, "NgayNopHoSo"),
        refused_at=read_date(record, "NgayTuChoi"),
        applicant_name=read_text(record, "ChuHoSo", personal=True),
        phone=read_text(record, "SoDienThoai", personal=True),
        email=read_text(record, "Email", personal=True),
        fax=read_text(record, "Fax", personal=True),
        id_numbers=lenient.id_numbers(record, flags),
        finished_at=read_date(record, "NgayKetThucXuLy"),
        returned_at=read_date(record, "NgayTra"),
        channel=lenient.optional_choice(record, "KenhThucHien", CHANNEL_NAMES, flags),
        result_by_post=lenient.result_by_post(record, flags),
        receipt_number=read_text(record, "SoBienNhan"),
        note=read_text(record, "GhiChu"),
        other_info=read_text(record, "ThongTinKhac"),
        return_info=read_text(record, "ThongTinTra"),
        supplements=lenient.supplements(record, flags),
        progress=_progress(record, code),
        submitted_files=tuple(read_list(record, "TaiLieuNop")),
        fees=tuple(read_list(record, "DanhSachLePhi")),
        result_documents=tuple(read_list(record, "DanhSachGiayToKetQua")),
        flags=tuple(flags),
    )


def guess_kind(payload: Any) -> RecordKind:
    """A record's kind when nothing says it (a bare list in a file): a progress step has an
    instant and a step status, a dossier has a procedure code or a dossier status."""
    if isinstance(payload, Mapping) and "ThoiDiemXuLy" in payload and "TrangThai" in payload \
            and "MaTTHC" not in payload and "TrangThaiHoSo" not in payload:
        return "progress"
    return "dossier"


def parse_record(
    kind: str, payload: Any, agency_hint: str | None = None
) -> DossierRecord | ProgressRecord:
    """Dispatch on a :class:`~connectors.base.SourceRecord` kind (``dossier`` / ``progress``)."""
    if kind == "dossier":
        return parse_dossier(payload, agency_hint=agency_hint)
    if kind == "progress":
        return parse_progress(payload)
    raise ValueError(f"unknown record kind {kind!r}")
