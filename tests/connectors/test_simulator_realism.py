"""The demo's province must tell no impossible story: over a demo-sized dataset every dossier's
steps are in order and in office hours, its supplement list agrees with its steps, and the map
is the 2026 one (two levels, merged departments, procedures with the bodies that handle them)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time
from typing import Any

import holidays
import pytest

from connectors.portal.fields import PORTAL_DATE_FORMAT, PORTAL_TZ
from connectors.simulator import generate_dataset
from connectors.simulator import reference as ref
from connectors.simulator.dataset import Dataset
from connectors.simulator.timeline import working_hours_between

NOW = datetime(2026, 3, 4, 2, 30, tzinfo=UTC)  # 09:30 local, a Wednesday
OFFICE = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
PAUSING = {5, 6}
VN_HOLIDAYS = holidays.country_holidays("VN")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate_dataset(1500, seed=7, now=NOW)


def _at(text: str) -> datetime:
    return datetime.strptime(text, PORTAL_DATE_FORMAT)


def _steps(payload: dict[str, Any]) -> list[tuple[datetime, int]]:
    return [(_at(s["ThoiDiemXuLy"]), s["TrangThai"]) for s in payload["QuaTrinhXuLy"]]


def test_every_dossiers_steps_are_ordered_in_office_hours_and_past(dataset: Dataset) -> None:
    now_local = NOW.astimezone(PORTAL_TZ).replace(tzinfo=None)
    for payload in dataset.dossiers:
        steps = _steps(payload)
        moments = [at for at, _ in steps]
        assert moments == sorted(moments), payload["MaHoSo"]
        assert _at(payload["NgayTiepNhan"]) <= moments[0], payload["MaHoSo"]
        assert moments[-1] <= now_local, payload["MaHoSo"]
        for at in moments:
            in_office = any(opens <= at.time() <= closes for opens, closes in OFFICE)
            working = at.weekday() < 5 and at.date() not in VN_HOLIDAYS
            assert working and in_office, (payload["MaHoSo"], at)


def test_supplement_lists_agree_with_the_steps(dataset: Dataset) -> None:
    """A dossier waiting for a supplement ends paused; a received supplement is followed by a
    step that resumes processing at that instant; the appointment moves by the wait."""
    checked = 0
    restarts = {p.code: p.restart_on_supplement for p in ref.PROCEDURES}
    for payload in dataset.dossiers:
        steps = _steps(payload)
        for supplement in payload["DanhSachHoSoBoSung"]:
            checked += 1
            asked = _at(supplement["NgayBoSung"])
            pause = next(at for at, status in steps if status in PAUSING)
            assert asked == pause, payload["MaHoSo"]
            if not supplement["NgayTiepNhanBoSung"]:
                assert steps[-1][1] in PAUSING and not payload["NgayKetThucXuLy"]
                continue
            back = _at(supplement["NgayTiepNhanBoSung"])
            assert (back, 4) in steps and back >= asked, payload["MaHoSo"]
            assert payload["NgayHenTra"] == supplement["NgayHenTraMoi"]
            if not restarts[payload["MaTTHC"]]:  # moved by the office hours it waited
                moved = working_hours_between(
                    _at(supplement["NgayHenTraTruoc"]), _at(supplement["NgayHenTraMoi"]))
                assert moved == pytest.approx(working_hours_between(asked, back)), payload
            else:  # counted afresh from the supplement
                assert _at(supplement["NgayHenTraMoi"]) > back, payload["MaHoSo"]
        if steps[-1][1] in PAUSING:
            assert payload["DanhSachHoSoBoSung"] or steps[-1][1] == 6, payload["MaHoSo"]
    assert checked > 50


def test_the_province_is_the_2026_one(dataset: Dataset) -> None:
    names = {a.code: a.name for a in ref.AGENCIES}
    for name in names.values():
        assert name.startswith(("Sở ", "UBND xã ", "UBND phường ")), name
        for gone in ("huyện", "thị xã", "thị trấn", "Kế hoạch và Đầu tư",
                     "Tài nguyên và Môi trường", "Giao thông vận tải", "Lao động - Thương binh"):
            assert gone not in name, name
    handled_by: dict[str, set[str]] = defaultdict(set)
    for payload in dataset.dossiers:
        handled_by[payload["MaTTHC"]].add(names[payload["DonViXuLy"]])
        reception = payload["QuaTrinhXuLy"][0]["PhongBanXuLy"]
        assert reception.startswith("Trung tâm Phục vụ hành chính công"), reception
    assert handled_by["1.004227"] == {"Sở Nông nghiệp và Môi trường"}  # land
    assert handled_by["1.003003"] == {"Sở Nông nghiệp và Môi trường"}  # environment
    assert handled_by["2.001610"] == {"Sở Tài chính"}  # company registration
    assert handled_by["1.001978"] == {"Sở Nội vụ"}  # unemployment benefit
    for commune_level in ("1.001193", "1.000894", "1.000656", "1.009972"):
        # civil status, household businesses and house permits: the commune since July 2025
        assert len(handled_by[commune_level]) > 1
        assert all(n.startswith(("UBND xã ", "UBND phường ")) for n in handled_by[commune_level])
