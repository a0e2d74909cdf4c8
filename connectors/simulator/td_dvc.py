"""A one-door system in TD.DichVuCong's manner (HuanVu201/DichVuCong_KhoaLuan_PASETO,
SyncLocalDataToDVCQGService), pushing bare JSON lists: as wrong as the real one.

A dossier goes alone in a list to the "new" URL; only when the reply's error_code reads "0" and
its message contains "thành công" do its progress steps follow, in lists of 10, to the progress
URL (accepted when the raw reply contains "thành công"). Quirks, from its code: local statuses 5,
6 and 8 go out as "9"; the steps get a synthetic "Tiếp nhận hồ sơ"/2 at NgayTiepNhan first and
"Kết thúc xử lý hồ sơ"/9 (at NgayKetThucXuLy, or NgayTiepNhan when empty) for a "9"/"10", or
"Hồ sơ không có ngày hẹn trả"/9 at NgayTiepNhan when there is no appointment; a step without a
local status goes out as "4"; "Hoàn thành bổ sung hồ sơ" carries "5"; an empty summary is
"Dinhkem"; a missing or odd ID number is the placeholder 000000001 of kind "2"; empty fields
are JSON null; NgayNopHoSo repeats NgayTiepNhan.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.simulator.history import final
from connectors.simulator.opencps import Exchange

CHUNK = 10
NO_SUMMARY_SHARE = 0.05
PAUSED_AS_FINISHED = frozenset({"5", "6", "8"})
#: Procedures whose dossiers this site keeps without an appointment (same-hour services).
NO_APPOINTMENT_UNITS = frozenset({"working_hours"})


def _share(code: str, salt: str) -> float:
    return zlib.crc32(f"{salt}:{code}".encode()) / 2**32


def _id_numbers(payload: dict[str, Any]) -> list[dict[str, str]]:
    numbers = [str(i.get("SoDinhDanh") or "") for i in payload.get("DinhDanhCHS") or []]
    kept = [{"LoaiDinhDanh": "2" if len(n) == 9 else "1", "SoDinhDanh": n}
            for n in numbers if len(n) in (9, 12)]
    return kept or [{"LoaiDinhDanh": "2", "SoDinhDanh": "000000001"}]


def dossier_record(payload: dict[str, Any], agency_names: Mapping[str, str],
                   no_appointment: bool) -> dict[str, Any]:
    d = final(payload)
    code = str(d["MaHoSo"])
    status = str(d["TrangThaiHoSo"])
    channel = d.get("KenhThucHien") or None
    summary = d.get("TrichYeuHoSo") if _share(code, "summary") >= NO_SUMMARY_SHARE else None
    ids = _id_numbers(d)
    return {
        "MaHoSo": code, "MaTTHC": d["MaTTHC"], "TenTTHC": d.get("TenTTHC"),
        "MaLinhVuc": d.get("MaLinhVuc"), "TenLinhVuc": d.get("TenLinhVuc"),
        "KenhThucHien": channel, "SoGiayToChuHoSo": ids[0]["SoDinhDanh"],
        "ChuHoSo": d.get("ChuHoSo") or None, "LoaiDoiTuong": str(d.get("LoaiDoiTuong") or "1"),
        "MaDoiTuong": "" if channel == "2" else None, "ThongTinKhac": "",
        "Email": d.get("Email") or None, "Fax": "", "SoDienThoai": d.get("SoDienThoai") or None,
        "TrichYeuHoSo": summary or "Dinhkem",
        "NgayTiepNhan": d["NgayTiepNhan"],
        "NgayHenTra": None if no_appointment else d.get("NgayHenTra") or None,
        "TrangThaiHoSo": "9" if status in PAUSED_AS_FINISHED else status,
        "NgayTra": d.get("NgayTra") or None, "ThongTinTra": "",
        "HinhThuc": str(d.get("HinhThuc") or "0"),
        "NgayKetThucXuLy": d.get("NgayKetThucXuLy") or None,
        "DonViXuLy": agency_names.get(str(d["DonViXuLy"]), str(d["DonViXuLy"])),
        "GhiChu": "", "TaiLieuNop": [{"TepDinhKemId": "", "TenTepDinhKem": "Dinhkem",
                                      "IsDeleted": "False", "MaThanhPhanHoSo": "",
                                      "DuongDanTaiTepTin": "", "DuocSoHoa": "1",
                                      "DuocTaiSuDung": "0", "DuocLayTuKhoDMQG": "0"}],
        "DanhSachLePhi": [], "DanhSachTepDinhKemKhac": [], "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [], "NoiNopHoSo": "2", "HoSoCoThanhPhanSoHoa": "1",
        "TaiKhoanDuocXacThucVoiVNeID": "0", "DuocThanhToanTrucTuyen": "0", "NgayTuChoi": None,
        "DinhDanhCHS": ids, "NgayNopHoSo": d["NgayTiepNhan"], "DSKetNoiCSDL": [{"MaCSDL": "7"}],
    }


def _local_step(code: str, step: dict[str, Any]) -> dict[str, Any]:
    content = str(step.get("NoiDungXuLy") or "")
    status = str(step.get("TrangThai") or "")
    if "bổ sung" in content.lower() and status in ("2", "4"):  # the supplement came back
        content, status = "Hoàn thành bổ sung hồ sơ", "5"
    elif "trình lãnh đạo" in content.lower():  # a local step with no status
        status = ""
    officer = str(step.get("NguoiXuLy") or "") or "Chuyên viên"
    return {"MaHoSo": code, "NguoiXuLy": officer[:46] + "..." if len(officer) > 50 else officer,
            "ChucDanh": step.get("ChucDanh") or "", "ThoiDiemXuLy": step["ThoiDiemXuLy"],
            "PhongBanXuLy": step.get("PhongBanXuLy") or "", "NoiDungXuLy": content,
            "TrangThai": status or "4", "NgayBatDau": "", "NgayKetThucTheoQuyDinh": ""}


def _synthetic(code: str, at: str, content: str, status: str) -> dict[str, Any]:
    return {"MaHoSo": code, "NguoiXuLy": "Cán bộ một cửa", "ChucDanh": "", "ThoiDiemXuLy": at,
            "PhongBanXuLy": "", "NoiDungXuLy": content, "TrangThai": status, "NgayBatDau": "",
            "NgayKetThucTheoQuyDinh": ""}


def progress_records(payload: dict[str, Any], record: dict[str, Any]) -> list[dict[str, Any]]:
    code, received = record["MaHoSo"], record["NgayTiepNhan"]
    steps = [_local_step(code, s) for s in payload.get("QuaTrinhXuLy") or []]
    steps.insert(0, _synthetic(code, received, "Tiếp nhận hồ sơ", "2"))
    if record["TrangThaiHoSo"] in ("9", "10"):
        ended = record["NgayKetThucXuLy"] or received
        steps.append(_synthetic(code, ended, "Kết thúc xử lý hồ sơ", "9"))
    elif not record["NgayHenTra"]:
        steps.append(_synthetic(code, received, "Hồ sơ không có ngày hẹn trả", "9"))
    return steps


def _dossier_accepted(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    code, message = body.get("error_code"), body.get("message")
    return message is not None and str(code) == "0" and "thành công" in str(message).lower()


@dataclass
class TdDichVuCongSender:
    """``base`` + the three configured paths, as its settings hold them."""

    base: str
    new_url: str = "DongBoHoSoMC"
    update_url: str = "DongBoHoSoMC?isUpdating=True"
    progress_url: str = "CapNhatTienDoHoSoMC"
    agency_names: Mapping[str, str] = field(default_factory=dict)
    no_appointment_procedures: frozenset[str] = frozenset()
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0))
    exchanges: list[Exchange] = field(default_factory=list)

    def _post(self, path: str, service: str, body: list[Any]) -> httpx.Response:
        response = self.client.post(self.base + path, json=body)
        self.exchanges.append(Exchange(service, response.status_code, response.text[:500]))
        return response

    def sync(self, payload: dict[str, Any]) -> bool:
        """One dossier and, once accepted, its steps; True when everything was accepted."""
        record = dossier_record(payload, self.agency_names,
                                payload["MaTTHC"] in self.no_appointment_procedures)
        if not _dossier_accepted(self._post(self.new_url, "DongBoHoSoMC", [record])):
            return False
        steps = progress_records(payload, record)
        accepted = True
        for start in range(0, len(steps), CHUNK):
            reply = self._post(self.progress_url, "CapNhatTienDoHoSoMC",
                               steps[start:start + CHUNK])
            accepted = "thành công" in reply.text.lower() and accepted
        return accepted

    def push(self, payloads: Iterable[dict[str, Any]]) -> tuple[int, int]:
        done = accepted = 0
        for payload in payloads:
            done += 1
            accepted += self.sync(payload)
        return done, accepted
