"""What OpenCPS (VietOpenCPS/opencps-v2, DVCQGIntegrationActionImpl) sends, built from a local
dossier: after each change, the dossier alone (no KenhThucHien, HinhThuc "0"/"1", the agency's
name as DonViXuLy, the phone as Fax, the note as TrichYeuHoSo and GhiChu, absent when null, ""
for dates it has not, names from LayThuTuc or "") and then one flat step: the last action with
the dossier's current status, ChucDanh, PhongBanXuLy and step dates empty."""

from __future__ import annotations

from typing import Any

from tests.ingest.senders.scenarios import AGENCY_NAME, Local


def dossier(local: Local, index: int, names: tuple[str, str, str]) -> dict[str, Any]:
    status = local.steps[index].status
    record: dict[str, Any] = {
        "MaHoSo": local.code, "MaTTHC": local.procedure, "TenTTHC": names[0],
        "MaLinhVuc": names[1], "TenLinhVuc": names[2], "ChuHoSo": "Nguyễn Văn An",
        "LoaiDoiTuong": "1", "MaDoiTuong": "", "ThongTinKhac": "", "Email": "an@example.vn",
        "Fax": "0912345678", "SoDienThoai": "0912345678", "NgayTiepNhan": local.received,
        "NgayHenTra": local.due_after(index) or "", "TrangThaiHoSo": str(status),
        "NgayTra": local.first(10, index) or "", "ThongTinTra": "",
        "HinhThuc": "1" if local.by_post else "0",
        "NgayKetThucXuLy": local.first(9, index) or "", "DonViXuLy": AGENCY_NAME,
        "TaiLieuNop": [], "DanhSachLePhi": [], "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": [], "DanhSachGiayToKetQua": [],
    }
    if local.summary is not None:
        record["TrichYeuHoSo"] = record["GhiChu"] = local.summary
    return record


def step(local: Local, index: int) -> dict[str, Any]:
    current = local.steps[index]
    return {"MaHoSo": local.code, "NguoiXuLy": "Trần Thị Bình", "ChucDanh": "",
            "ThoiDiemXuLy": current.at, "PhongBanXuLy": "", "NoiDungXuLy": current.text,
            "TrangThai": str(current.status), "NgayBatDau": "", "NgayKetThucTheoQuyDinh": ""}


def envelope(session: str, service: str, **fields: Any) -> dict[str, Any]:
    return {"session": session, "madonvi": "000.00.00.H21", "service": service, **fields}
