"""A one-door system in OpenCPS's manner (VietOpenCPS/opencps-v2, DVCQGIntegrationActionImpl),
pushing to a DVCQG-compatible receiver: as wrong as the real one.

After every change of a dossier it logs in (``{"username", "password"}`` to the auth endpoint,
header ``dstcode``; the public code logs in before each sync), asks TraCuuHoSo whether the
receiver knows the dossier (isUpdating), asks LayThuTuc for the procedure's names (``""`` when
unanswered), sends the dossier alone in a DongBoHoSoMC envelope, and only if the reply's
error_code is 0 sends ONE flat CapNhatTienDoHoSoMC step: the last action, stamped with the
dossier's current status. Its records have no KenhThucHien (the channel is unknown), HinhThuc
"0"/"1" (result by post), the agency's NAME as DonViXuLy, the phone number as Fax, the note as
TrichYeuHoSo (absent when there is none), and TrangThaiHoSo ``""`` for a local status it has no
mapping for.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.simulator.history import Stage, stages

#: Share of sites whose "financial obligation" status has no national mapping: their dossiers
#: at that status are sent with TrangThaiHoSo "" (and refused until the status moves on).
UNMAPPED_SHARE = 0.2
NO_NOTE_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Exchange:
    service: str
    status_code: int
    body: str


def _share(code: str, salt: str) -> float:
    return zlib.crc32(f"{salt}:{code}".encode()) / 2**32


def _status(code: str, status: str) -> str:
    return "" if status == "6" and _share(code, "unmapped") < UNMAPPED_SHARE else status


def dossier_record(stage: Stage, agency_names: Mapping[str, str],
                   names: tuple[str, str, str]) -> dict[str, Any]:
    d = stage.dossier
    code = str(d["MaHoSo"])
    record: dict[str, Any] = {
        "MaHoSo": code, "MaTTHC": d["MaTTHC"],
        "TenTTHC": names[0], "MaLinhVuc": names[1], "TenLinhVuc": names[2],
        "ChuHoSo": d.get("ChuHoSo"), "LoaiDoiTuong": "2" if d.get("LoaiDoiTuong") == "2" else "1",
        "MaDoiTuong": "", "ThongTinKhac": "", "Email": d.get("Email") or "",
        "Fax": d.get("SoDienThoai") or "", "SoDienThoai": d.get("SoDienThoai") or "",
        "NgayTiepNhan": d.get("NgayTiepNhan") or "", "NgayHenTra": d.get("NgayHenTra") or "",
        "TrangThaiHoSo": _status(code, str(d["TrangThaiHoSo"])),
        "NgayTra": d.get("NgayTra") or "", "ThongTinTra": "",
        "HinhThuc": "1" if d.get("HinhThuc") == "1" else "0",
        "NgayKetThucXuLy": d.get("NgayKetThucXuLy") or "",
        "DonViXuLy": agency_names.get(str(d["DonViXuLy"]), str(d["DonViXuLy"])),
        "TaiLieuNop": [], "DanhSachLePhi": [], "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": [], "DanhSachGiayToKetQua": [],
    }
    if _share(code, "note") >= NO_NOTE_SHARE:  # JSONObject.put(key, null) drops the key
        record["TrichYeuHoSo"] = d.get("TrichYeuHoSo")
        record["GhiChu"] = d.get("TrichYeuHoSo")
    return record


def status_record(stage: Stage, dossier: dict[str, Any]) -> dict[str, Any]:
    step = stage.step
    return {
        "MaHoSo": dossier["MaHoSo"], "NguoiXuLy": step.get("NguoiXuLy") or "", "ChucDanh": "",
        "ThoiDiemXuLy": step["ThoiDiemXuLy"], "PhongBanXuLy": "",
        "NoiDungXuLy": step.get("NoiDungXuLy") or "",
        "TrangThai": dossier["TrangThaiHoSo"],  # the dossier's status, not the step's
        "NgayBatDau": "", "NgayKetThucTheoQuyDinh": "",
    }


def _error_code_is_zero(response: httpx.Response) -> bool:
    """JSONObject.getInt: a number, or a string parsed as one (an unparsable string is 0)."""
    try:
        code = response.json().get("error_code")
    except ValueError:
        return False
    if response.status_code >= 400 or code is None:
        return False
    try:
        return int(code) == 0
    except (TypeError, ValueError):
        return True


@dataclass
class OpenCPSSender:
    """``auth_url`` and ``api_url`` are adapter_url + auth_endpoint / integration_endpoint."""

    auth_url: str
    api_url: str
    username: str
    password: str
    madonvi: str
    agency_names: Mapping[str, str] = field(default_factory=dict)
    dstcode: str = "000.00.00.H21"
    login_every_sync: bool = True
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0))
    exchanges: list[Exchange] = field(default_factory=list)
    _session: str = ""

    def _post(self, url: str, service: str, body: dict[str, Any]) -> httpx.Response:
        response = self.client.post(url, json=body, headers={"dstcode": self.dstcode})
        self.exchanges.append(Exchange(service, response.status_code, response.text[:500]))
        return response

    def _login(self) -> str:
        if self._session and not self.login_every_sync:
            return self._session
        reply = self._post(self.auth_url, "auth",
                           {"username": self.username, "password": self.password})
        self._session = str(reply.json().get("session") or "") if _error_code_is_zero(reply) \
            else ""
        return self._session

    def _envelope(self, session: str, service: str, **fields: Any) -> dict[str, Any]:
        return {"session": session, "madonvi": self.madonvi, "service": service, **fields}

    def _names(self, session: str, procedure: str) -> tuple[str, str, str]:
        reply = self._post(self.api_url, "LayThuTuc",
                           self._envelope(session, "LayThuTuc", maTTHC=procedure))
        result = reply.json().get("result") if reply.status_code < 400 else None
        if not result:
            return "", "", ""
        field_ = result[0]["LINHVUCTHUCHIEN"][0]
        return result[0]["TENTTHC"], field_["MALINHVUC"], field_["TENLINHVUC"]

    def sync(self, stage: Stage) -> bool:
        """One change of one dossier; True when the receiver took both messages."""
        session = self._login()
        if not session:
            return False
        code = stage.dossier["MaHoSo"]
        known = self._post(self.api_url, "TraCuuHoSo",
                           self._envelope(session, "TraCuuHoSo", mahoso=code))
        updating = known.status_code < 400 and bool(known.json().get("result"))
        record = dossier_record(stage, self.agency_names,
                                self._names(session, stage.dossier["MaTTHC"]))
        reply = self._post(self.api_url, "DongBoHoSoMC", self._envelope(
            session, "DongBoHoSoMC", isUpdating="True" if updating else "False", data=[record]))
        if not _error_code_is_zero(reply):
            return False
        step = self._post(self.api_url, "CapNhatTienDoHoSoMC", self._envelope(
            session, "CapNhatTienDoHoSoMC", data=[status_record(stage, record)]))
        return _error_code_is_zero(step)

    def push(self, payloads: Iterable[dict[str, Any]]) -> tuple[int, int]:
        """Replay each dossier's life change by change; returns (syncs, syncs accepted)."""
        done = accepted = 0
        for payload in payloads:
            for stage in stages(payload):
                done += 1
                accepted += self.sync(stage)
        return done, accepted
