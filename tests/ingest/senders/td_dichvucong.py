"""What TD.DichVuCong (HuanVu201/DichVuCong_KhoaLuan_PASETO, SyncLocalDataToDVCQGService) sends,
built from a local dossier: the dossier alone in a list (local 5/6/8 as "9", KenhThucHien and
HinhThuc as held, "Dinhkem" for an empty summary, the placeholder ID 000000001 of kind "2" for a
missing or odd one, JSON null for empty fields, NgayNopHoSo = NgayTiepNhan), then its steps not
sent yet in lists of 10, after a synthetic "Tiếp nhận hồ sơ"/2 and with "Kết thúc xử lý hồ
sơ"/9 (at NgayKetThucXuLy, or NgayTiepNhan when empty) for a "9"/"10", or "Hồ sơ không có ngày
hẹn trả"/9 when there is no appointment. A supplement handed in is "Hoàn thành bổ sung hồ sơ"
with "5". The dossier is sent again when it changes (an update) with the steps since."""

from __future__ import annotations

from typing import Any

from tests.ingest.senders.scenarios import AGENCY_NAME, Local

CHUNK = 10


def dossier(local: Local, index: int) -> dict[str, Any]:
    status = str(local.steps[index].status)
    ident = local.id_number if local.id_number and len(local.id_number) in (9, 12) else None
    return {
        "MaHoSo": local.code, "MaTTHC": local.procedure,
        "TenTTHC": "Đăng ký kết hôn" if local.names_known else None,
        "MaLinhVuc": "G15" if local.names_known else None,
        "TenLinhVuc": "Hộ tịch" if local.names_known else None,
        "KenhThucHien": local.channel, "SoGiayToChuHoSo": local.id_number,
        "ChuHoSo": "Nguyễn Văn An", "LoaiDoiTuong": "1",
        "MaDoiTuong": "" if local.channel == "2" else None, "ThongTinKhac": "",
        "Email": "an@example.vn", "Fax": "", "SoDienThoai": "0912345678",
        "TrichYeuHoSo": local.summary or "Dinhkem", "NgayTiepNhan": local.received,
        "NgayHenTra": local.due_after(index),
        "TrangThaiHoSo": "9" if status in ("5", "6", "8") else status,
        "NgayTra": local.first(10, index), "ThongTinTra": "",
        "HinhThuc": "1" if local.by_post else "0",
        "NgayKetThucXuLy": local.first(9, index), "DonViXuLy": AGENCY_NAME, "GhiChu": "",
        "TaiLieuNop": [], "DanhSachLePhi": [], "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": [], "DanhSachGiayToKetQua": [], "NoiNopHoSo": "2",
        "HoSoCoThanhPhanSoHoa": "0", "TaiKhoanDuocXacThucVoiVNeID": "0",
        "DuocThanhToanTrucTuyen": "0", "NgayTuChoi": None,
        "DinhDanhCHS": [{"LoaiDinhDanh": "2" if ident and len(ident) == 9 else "1",
                         "SoDinhDanh": ident}] if ident else
        [{"LoaiDinhDanh": "2", "SoDinhDanh": "000000001"}],
        "NgayNopHoSo": local.received, "DSKetNoiCSDL": [{"MaCSDL": "7"}],
    }


def _step(code: str, at: str, text: str, status: str, officer: str = "Cán bộ một cửa"
          ) -> dict[str, Any]:
    return {"MaHoSo": code, "NguoiXuLy": officer, "ChucDanh": "", "ThoiDiemXuLy": at,
            "PhongBanXuLy": "", "NoiDungXuLy": text, "TrangThai": status, "NgayBatDau": "",
            "NgayKetThucTheoQuyDinh": ""}


def steps(local: Local, record: dict[str, Any], start: int, end: int) -> list[dict[str, Any]]:
    """The local steps start..end not sent yet, with the synthetic ones of this push."""
    sent = []
    for s in local.steps[start: end + 1]:
        if s.status == 2 and s.at == local.received:
            continue  # the local receipt step is the synthetic one below
        text, status = s.text, str(s.status)
        if "bổ sung" in text and s.status == 4:
            text, status = "Hoàn thành bổ sung hồ sơ", "5"
        sent.append(_step(local.code, s.at, text, status, "Chuyên viên"))
    if start == 0:
        sent.insert(0, _step(local.code, local.received, "Tiếp nhận hồ sơ", "2"))
    if record["TrangThaiHoSo"] in ("9", "10"):
        sent.append(_step(local.code, record["NgayKetThucXuLy"] or local.received,
                          "Kết thúc xử lý hồ sơ", "9"))
    elif not record["NgayHenTra"]:
        sent.append(_step(local.code, local.received, "Hồ sơ không có ngày hẹn trả", "9"))
    return sent


def pushes(local: Local) -> list[tuple[dict[str, Any], list[list[dict[str, Any]]]]]:
    """(dossier, progress lists) per push: the last state, and the one before each
    re-appointment (the dossier was synchronised then, and changed since)."""
    cuts = [after - 1 for after, _ in local.reappointed] + [len(local.steps) - 1]
    found, start = [], 0
    for end in cuts:
        record = dossier(local, end)
        sent = steps(local, record, start, end)
        found.append((record, [sent[i: i + CHUNK] for i in range(0, len(sent), CHUNK)]))
        start = end + 1
    return found
