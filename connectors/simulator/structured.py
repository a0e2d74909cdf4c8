"""A year of dossier history with the structure real one-door data has (for forecasts and demos).

`dataset.py` draws each dossier's outcome on its own; here outcomes *emerge*: every dossier is
routed through the units of its agency (one-stop desk → specialist office → leadership
signature → desk), each unit is a queue served by a few officers, some units are slow, arrivals
peak in the weeks before Tết, backlogs build up and drain, and some procedures habitually send
dossiers back for supplements (the clock stops meanwhile). A dossier ends late because it sat
in a slow, crowded unit — something its step history shows before the due, which is what a
forecast should learn.

Time runs on the simulator's own office week (Monday–Friday, 07:30–11:30 and 13:00–17:00, no
public holidays, as in `timeline.py`), counted in working hours from a Monday origin.
Records come out in the pull format (QuaTrinhXuLy embedded); no personal data.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from connectors.dvc_portal.mapping import record_updated_at
from connectors.portal.fields import PORTAL_TZ, format_portal_date
from connectors.simulator import reference as ref
from connectors.simulator.dataset import Dataset

#: Lunar New Year days: arrivals rise in the month before (year-end paperwork).
TET: Final = (date(2024, 2, 10), date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6),
              date(2028, 1, 26))
PEAK_DAYS: Final = 30
PEAK_FACTOR: Final = 1.6
DESK: Final = "Bộ phận Một cửa"
SIGNING: Final = "Lãnh đạo đơn vị"
_ORIGIN: Final = date(2000, 1, 3)  # a Monday
_DAY_HOURS: Final = 8.0


def moment(hours: float) -> datetime:
    """The portal-local instant `hours` office hours after the origin's 07:30."""
    day, within = divmod(max(hours, 0.0), _DAY_HOURS)
    weeks, weekday = divmod(int(day), 5)
    on = _ORIGIN + timedelta(days=weeks * 7 + weekday)
    start = time(7, 30) if within < 4 else time(13, 0)
    offset = within if within < 4 else within - 4
    return datetime.combine(on, start) + timedelta(seconds=round(offset * 3600))


def hours_at(day: date) -> float:
    """Office hours from the origin to the opening of `day` (a weekend day: the next Monday)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    days = (day - _ORIGIN).days
    return (days // 7 * 5 + days % 7) * _DAY_HOURS


@dataclass(frozen=True, slots=True)
class UnitSpec:
    name: str
    slow: bool  # stays last longer, and the unit has less spare capacity

    @property
    def slowness(self) -> float:
        return 1.5 if self.slow else 1.0

    @property
    def headroom(self) -> float:
        """Capacity over the average arrival rate: below the Tết peak's 1.8, so peaks queue."""
        return 1.35 if self.slow else 1.8


@dataclass(frozen=True, slots=True)
class Line:
    """A procedure handled by an agency: its route and habits."""

    procedure: ref.Procedure
    agency: ref.Agency
    per_day: float  # arrivals per working day outside the peak
    route: tuple[str, ...]  # unit names, desk first
    supplement_rate: float


def _lines(rng: random.Random) -> tuple[list[Line], dict[tuple[str, str], UnitSpec]]:
    lines: list[Line] = []
    units: dict[tuple[str, str], UnitSpec] = {}
    procedures = [p for p in ref.PROCEDURES if p.unit == "working_days" and p.amount >= 3]
    for agency in ref.AGENCIES:
        for procedure in procedures:
            # a provincial procedure is decided by its own department; a commune's by any commune
            if procedure.level != agency.level or procedure.agency not in (None, agency.code):
                continue
            for name in (DESK, SIGNING, procedure.office):
                if (agency.code, name) not in units:
                    slow = name == procedure.office and rng.random() < 0.4
                    units[(agency.code, name)] = UnitSpec(name, slow)
            lines.append(Line(procedure, agency, rng.uniform(0.6, 1.6),
                              (DESK, procedure.office, SIGNING), rng.choice((0.02, 0.05, 0.25))))
    return lines, units


def _stay(rng: random.Random, line: Line, stage: int, spec: UnitSpec) -> float:
    """Working hours of work at a unit (queueing comes on top)."""
    allowed = line.procedure.amount * _DAY_HOURS
    share = (0.04, 0.35, 0.1)[min(stage, 2)]
    return rng.lognormvariate(math.log(allowed * share * spec.slowness), 0.45)


@dataclass
class _Dossier:
    line: Line
    code: str
    received: float
    steps: list[tuple[float, int, str, str]]  # (hours, status, unit, content)
    ready: float  # when it reaches its next unit


def _arrivals(rng: random.Random, lines: list[Line], start: date, end: date) -> list[_Dossier]:
    out: list[_Dossier] = []
    day = start
    sequence = 0
    while day < end:
        if day.weekday() < 5:
            peak = any(0 <= (tet - day).days <= PEAK_DAYS for tet in TET)
            for line in lines:
                count = _poisson(rng, line.per_day * (PEAK_FACTOR if peak else 1.0))
                for _ in range(count):
                    sequence += 1
                    at = hours_at(day) + rng.uniform(0, _DAY_HOURS)
                    code = f"{line.agency.code}-{day:%y%m%d}-S{sequence:05d}"
                    out.append(_Dossier(line, code, at, [], at))
        day += timedelta(days=1)
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _serve(rng: random.Random, dossiers: list[_Dossier],
           units: dict[tuple[str, str], UnitSpec], lines: list[Line]) -> None:
    """Each stage in turn: a unit starts at most its capacity of dossiers a day, first come,
    first served; a started dossier then stays for its own work time."""
    load: dict[tuple[str, str], float] = {}
    for line in lines:
        for name in line.route:
            key = (line.agency.code, name)
            load[key] = load.get(key, 0.0) + line.per_day
    texts = ("Tiếp nhận hồ sơ", "Chuyển phòng chuyên môn thẩm định", "Trình lãnh đạo ký duyệt")
    for stage in range(3):
        next_slot: dict[tuple[str, str], float] = {}
        for d in sorted(dossiers, key=lambda d: d.ready):
            key = (d.line.agency.code, d.line.route[stage])
            spec = units[key]
            begins = max(d.ready, next_slot.get(key, 0.0))
            next_slot[key] = begins + _DAY_HOURS / (load[key] * spec.headroom)
            d.steps.append((d.ready, 2 if stage == 0 else 4, spec.name, texts[stage]))
            work = _stay(rng, d.line, stage, spec)
            waited = 0.0
            if stage == 1 and rng.random() < d.line.supplement_rate:
                asked = begins + work * rng.uniform(0.2, 0.6)
                waited = rng.uniform(1, 10) * _DAY_HOURS
                d.steps.append((asked, 5, spec.name, "Yêu cầu bổ sung hồ sơ"))
                d.steps.append((asked + waited, 4, spec.name, "Tiếp nhận hồ sơ bổ sung"))
            d.ready = begins + work + waited
    for d in dossiers:
        d.steps.append((d.ready, 9, SIGNING, "Hoàn thành xử lý"))
        d.steps.append((d.ready + rng.uniform(1, 24), 10, DESK, "Đã trả kết quả"))


def _payload(d: _Dossier, now_local: datetime) -> dict[str, Any] | None:
    received = moment(d.received)
    if received > now_local:
        return None
    steps = [(moment(h), s, u, c) for h, s, u, c in d.steps if moment(h) <= now_local]
    p = d.line.procedure
    finished = next((at for at, s, _, _ in steps if s == 9), None)
    returned = next((at for at, s, _, _ in steps if s == 10), None)
    return {
        "MaHoSo": d.code, "MaTTHC": p.code, "TenTTHC": p.name, "MaLinhVuc": p.field_code,
        "TenLinhVuc": p.field_name, "LoaiDoiTuong": "1", "ChuHoSo": "", "SoDienThoai": "",
        "Email": "", "DinhDanhCHS": [],
        "TrichYeuHoSo": f"Đề nghị {p.name[0].lower()}{p.name[1:]}",
        "NgayTiepNhan": format_portal_date(received), "NgayHenTra": "",
        "TrangThaiHoSo": str(steps[-1][1]),
        "NgayKetThucXuLy": format_portal_date(finished) if finished else "",
        "NgayTra": format_portal_date(returned) if returned else "",
        "DonViXuLy": d.line.agency.code, "SoBienNhan": d.code, "GhiChu": "",
        "DanhSachHoSoBoSung": [],
        "QuaTrinhXuLy": [
            {"MaHoSo": d.code, "NguoiXuLy": "", "ChucDanh": "", "PhongBanXuLy": unit,
             "ThoiDiemXuLy": format_portal_date(at), "NoiDungXuLy": text, "TrangThai": status}
            for at, status, unit, text in steps
        ],
    }


def structured_history(now: datetime, days: int = 365, seed: int = 1,
                       scale: float = 1.0) -> list[dict[str, Any]]:
    """Pull-format records of dossiers received in the `days` before `now` (aware), cut at
    `now`: the older ones finished, the recent ones still open. `scale` multiplies arrivals."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rng = random.Random(f"structured:{seed}")  # noqa: S311 (test data)
    lines, units = _lines(rng)
    if scale != 1.0:
        lines = [Line(x.procedure, x.agency, x.per_day * scale, x.route, x.supplement_rate)
                 for x in lines]
    now_local = now.astimezone(PORTAL_TZ).replace(tzinfo=None)
    dossiers = _arrivals(rng, lines, (now_local - timedelta(days=days)).date(), now_local.date())
    _serve(rng, dossiers, units, lines)
    payloads = (_payload(d, now_local) for d in dossiers)
    return [p for p in payloads if p is not None]


def with_history(dataset: Dataset, now: datetime, days: int = 365, seed: int = 1,
                 scale: float = 0.1) -> Dataset:
    """`dataset` plus a structured history to serve beside it (the demo's at-risk list)."""
    extra = structured_history(now, days=days, seed=seed, scale=scale)
    keyed = sorted([*zip(dataset.updated_keys, dataset.dossiers, strict=True),
                    *((record_updated_at(p) or "", p) for p in extra)],
                   key=lambda t: (t[0], str(t[1].get("MaHoSo", ""))))
    return Dataset(now=dataset.now, seed=dataset.seed, dossiers=[p for _, p in keyed],
                   updated_keys=[k for k, _ in keyed], malformed=dict(dataset.malformed),
                   receipt_to_code={**dataset.receipt_to_code,
                                    **{p["SoBienNhan"]: p["MaHoSo"] for p in extra}})
