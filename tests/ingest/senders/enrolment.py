"""What a provincial enrolment system sends: bare lists to .../DongBoHoSoMC?MaDinhDanhDV=<agency>
&isUpdating=True, every application online, no DonViXuLy, NgayTiepNhan "" until accepted,
the steps inside each record."""

from __future__ import annotations

from typing import Any

from tests.ingest.senders.scenarios import Local


def dossier(local: Local) -> dict[str, Any]:
    return {
        "MaHoSo": local.code, "MaTTHC": local.procedure, "TenTTHC": "", "MaLinhVuc": "",
        "TenLinhVuc": "", "KenhThucHien": "2", "HinhThuc": "0", "LoaiDoiTuong": "1",
        "ChuHoSo": "Nguyễn Văn An", "TrichYeuHoSo": local.summary or "",
        "NgayNopHoSo": local.received, "NgayTiepNhan": local.received,
        "NgayHenTra": local.due_after(len(local.steps)) or "",
        "TrangThaiHoSo": str(local.status), "NgayKetThucXuLy": local.first(9) or "",
        "NgayTra": local.first(10) or "",
        "QuaTrinhXuLy": [{"ThoiDiemXuLy": s.at, "TrangThai": str(s.status),
                          "NoiDungXuLy": s.text} for s in local.steps],
    }
