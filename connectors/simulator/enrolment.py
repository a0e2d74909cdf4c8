"""A provincial enrolment system pushing bare lists of dossiers to
``.../DongBoHoSoMC?MaDinhDanhDV=<agency>&isUpdating=True``: every application is online
(KenhThucHien "2"), the records name no DonViXuLy (the query does), an application not yet
accepted (status 1) has no NgayTiepNhan, and the steps ride inside each record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

import httpx

from connectors.simulator.opencps import Exchange

BATCH = 25


def enrolment_record(payload: dict[str, Any]) -> dict[str, Any]:
    status = str(payload["TrangThaiHoSo"])
    steps = payload.get("QuaTrinhXuLy") or []
    return {
        "MaHoSo": payload["MaHoSo"], "MaTTHC": payload["MaTTHC"],
        "TenTTHC": payload.get("TenTTHC") or "", "MaLinhVuc": payload.get("MaLinhVuc") or "",
        "TenLinhVuc": payload.get("TenLinhVuc") or "", "KenhThucHien": "2", "HinhThuc": "0",
        "LoaiDoiTuong": "1", "ChuHoSo": payload.get("ChuHoSo") or "",
        "TrichYeuHoSo": payload.get("TrichYeuHoSo") or "",
        "NgayNopHoSo": payload["NgayTiepNhan"],
        "NgayTiepNhan": "" if status == "1" else payload["NgayTiepNhan"],
        "NgayHenTra": payload.get("NgayHenTra") or "", "TrangThaiHoSo": status,
        "NgayKetThucXuLy": payload.get("NgayKetThucXuLy") or "",
        "NgayTra": payload.get("NgayTra") or "",
        "QuaTrinhXuLy": [{k: s.get(k) for k in ("ThoiDiemXuLy", "TrangThai", "NoiDungXuLy",
                                               "PhongBanXuLy")} for s in steps],
    }


@dataclass
class EnrolmentSender:
    """``url`` is the receiver's DongBoHoSoMC address (for us: /dvcqg/k/{url_key}/DongBoHoSoMC)."""

    url: str
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0))
    exchanges: list[Exchange] = field(default_factory=list)

    def push(self, payloads: Iterable[dict[str, Any]]) -> tuple[int, int]:
        """Lists of up to BATCH records per agency; returns (lists, lists accepted)."""
        done = accepted = 0
        ordered = sorted(payloads, key=lambda p: str(p["DonViXuLy"]))
        for agency, group in groupby(ordered, key=lambda p: str(p["DonViXuLy"])):
            records = [enrolment_record(p) for p in group]
            query = urlencode({"MaDinhDanhDV": agency, "isUpdating": "True"})
            for start in range(0, len(records), BATCH):
                response = self.client.post(f"{self.url}?{query}",
                                            json=records[start:start + BATCH])
                self.exchanges.append(Exchange("DongBoHoSoMC", response.status_code,
                                               response.text[:500]))
                done += 1
                accepted += response.status_code == 200 and \
                    response.json().get("error_code") == 0
        return done, accepted
