"""Portal-shaped payloads for ingest tests (PORTAL.md field names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors import RecordKind, SourceRecord

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 9, 15, 3, 0, tzinfo=ZoneInfo("UTC"))


def stamp(day: int, hour: int, minute: int = 0, month: int = 9, year: int = 2025) -> str:
    return f"{year:04d}{month:02d}{day:02d}{hour:02d}{minute:02d}00"


def step(code: str, at: str, status: int, content: str = "") -> dict[str, Any]:
    return {
        "MaHoSo": code,
        "NguoiXuLy": "Trần Thị Bình",
        "ChucDanh": "Chuyên viên",
        "ThoiDiemXuLy": at,
        "PhongBanXuLy": "Bộ phận một cửa",
        "NoiDungXuLy": content or f"Chuyển trạng thái {status}",
        "TrangThai": str(status),
    }


def dossier(
    code: str = "H21.65-250908-0001",
    *,
    status: int = 4,
    received: str | None = None,
    steps: list[dict[str, Any]] | None = None,
    agency: str = "H21.65",
    procedure: str = "1.001234",
    **overrides: Any,
) -> dict[str, Any]:
    received = received or stamp(8, 8, 30)
    payload: dict[str, Any] = {
        "MaHoSo": code,
        "MaTTHC": procedure,
        "TenTTHC": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "MaLinhVuc": "XD",
        "TenLinhVuc": "Xây dựng",
        "LoaiDoiTuong": "1",
        "ChuHoSo": "Nguyễn Văn An",
        "SoDienThoai": "0912345678",
        "Email": "an@example.vn",
        "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": "079012345612"}],
        "TrichYeuHoSo": "Xin cấp phép xây dựng",
        "NgayTiepNhan": received,
        "NgayHenTra": stamp(19, 17),
        "TrangThaiHoSo": str(status),
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "DonViXuLy": agency,
        "QuaTrinhXuLy": steps
        if steps is not None
        else [step(code, received, 2, "Tiếp nhận hồ sơ"), step(code, stamp(9, 9), 4, "Thụ lý")],
    }
    payload.update(overrides)
    return payload


def as_records(
    payloads: list[Any], kind: RecordKind = "dossier", origin: str = "test"
) -> list[SourceRecord]:
    return [
        SourceRecord(kind=kind, payload=p, origin=f"{origin} item {i + 1}")
        for i, p in enumerate(payloads)
    ]
