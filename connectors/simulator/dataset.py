"""Deterministic synthetic data for the fake portal: same ``seed`` and ``now``, same data."""

from __future__ import annotations

import copy
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from connectors.dvc_portal.mapping import record_updated_at
from connectors.portal.fields import PORTAL_TZ, format_portal_date
from connectors.simulator import reference as ref
from connectors.simulator.processes import follow_process, process
from connectors.simulator.timeline import (
    Step,
    Story,
    add_working_hours,
    portal_due,
    rounded_up_due,
    story,
    to_office_hours,
    working_hours_between,
    working_moment,
)

HISTORY_DAYS: Final = 150
#: Share of appointments a sloppy one-door system sets a day late (flagged as mismatches).
ROUNDED_UP_SHARE: Final = 0.04
#: How records are broken in the malformed share: (field, how).
CORRUPTIONS: Final = (
    ("NgayTiepNhan", "invalid date"),
    ("TrangThaiHoSo", "unknown status"),
    ("MaHoSo", "missing"),
    ("QuaTrinhXuLy[0].ThoiDiemXuLy", "invalid date"),
)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum()).lower()


@dataclass
class Dataset:
    """Final versions of every dossier, in serving order (by update instant, then code)."""

    now: datetime
    seed: int
    dossiers: list[dict[str, Any]]
    updated_keys: list[str]
    #: original dossier code -> the field that was deliberately broken
    malformed: dict[str, str] = field(default_factory=dict)
    receipt_to_code: dict[str, str] = field(default_factory=dict)
    histories: dict[str, int] = field(default_factory=dict)

    @property
    def malformed_codes(self) -> frozenset[str]:
        """Codes of the dossiers served broken (the one without MaHoSo included, by origin)."""
        return frozenset(self.malformed)

    @property
    def valid_codes(self) -> frozenset[str]:
        return frozenset(self.receipt_to_code.values()) - self.malformed_codes

    def code_of(self, payload: dict[str, Any]) -> str | None:
        """The dataset code of a served payload, also when MaHoSo was removed (via SoBienNhan)."""
        code = payload.get("MaHoSo")
        if isinstance(code, str) and code:
            return code
        receipt = payload.get("SoBienNhan")
        return self.receipt_to_code.get(receipt) if isinstance(receipt, str) else None

    def by_code(self) -> dict[str, dict[str, Any]]:
        return {c: p for p in self.dossiers if (c := self.code_of(p)) is not None}

    def stale_copy(self, payload: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
        """An older version of ``payload``: fewer progress steps, the status of that time."""
        steps = payload.get("QuaTrinhXuLy")
        if not isinstance(steps, list) or len(steps) < 2:
            return None
        keep = rng.randint(1, len(steps) - 1)
        older = copy.deepcopy(payload)
        older["QuaTrinhXuLy"] = older["QuaTrinhXuLy"][:keep]
        older["TrangThaiHoSo"] = str(older["QuaTrinhXuLy"][-1]["TrangThai"])
        cutoff = older["QuaTrinhXuLy"][-1]["ThoiDiemXuLy"]
        for name in ("NgayKetThucXuLy", "NgayTra"):
            if isinstance(older.get(name), str) and older[name] > cutoff:
                older[name] = ""
        return older

    def split(self, agencies: frozenset[str]) -> tuple[list[dict[str, Any]], Dataset]:
        """The dossiers of `agencies` (pushed by their own one-door systems), and a dataset of
        the others, for the pull API to serve."""
        # The pull API's corruptions (a deleted MaHoSo...) are not what these systems send.
        mine = [p for p in self.dossiers
                if p.get("DonViXuLy") in agencies and self.code_of(p) not in self.malformed]
        kept = [(k, p) for k, p in zip(self.updated_keys, self.dossiers, strict=True)
                if p.get("DonViXuLy") not in agencies]
        rest = Dataset(now=self.now, seed=self.seed, dossiers=[p for _, p in kept],
                       updated_keys=[k for k, _ in kept],
                       malformed={c: f for c, f in self.malformed.items()
                                  if any(c == self.code_of(p) for _, p in kept)},
                       receipt_to_code=dict(self.receipt_to_code))
        return mine, rest

    @staticmethod
    def catalogue() -> list[dict[str, Any]]:
        """The procedure catalogue in PORTAL.md's shape (the app imports it). Like the national
        catalogue it gives the processing time as text only: the app reads it."""
        return [
            {
                "MaTTHC": p.code,
                "TenTTHC": p.name,
                "MaLinhVuc": p.field_code,
                "TenLinhVuc": p.field_name,
                "ThoiHanGiaiQuyet": p.time_text,
                "restart_on_supplement": p.restart_on_supplement,
                **({"steps": steps} if (steps := process(p)) else {}),
            }
            for p in ref.PROCEDURES
        ]

    @staticmethod
    def agencies() -> list[dict[str, str]]:
        return [{"code": a.code, "name": a.name, "level": a.level} for a in ref.AGENCIES]


def _person(rng: random.Random) -> tuple[str, str]:
    family, middle, given = (rng.choice(ref.FAMILY_NAMES), rng.choice(ref.MIDDLE_NAMES),
                             rng.choice(ref.GIVEN_NAMES))
    email = f"{_ascii(given)}.{_ascii(family)}{rng.randint(1, 999)}@gmail.com"
    return f"{family} {middle} {given}", email


def _dossier(rng: random.Random, now_local: datetime, received: datetime, code: str,
             receipt: str, agency: ref.Agency, procedure: ref.Procedure) -> dict[str, Any]:
    due = portal_due(procedure, received)
    if rng.random() < ROUNDED_UP_SHARE:
        due = rounded_up_due(due)
    reason = rng.choice(ref.SUPPLEMENT_REASONS)
    told: Story = story(rng, procedure, received, due, reason)
    # its own random stream: the internal process must not change the rest of the dataset
    process_rng = random.Random(f"{code}/process")  # noqa: S311 (test data)
    told.steps = follow_process(process_rng, told.steps, procedure, agency)
    previous: datetime | None = None
    for step in told.steps:
        step.at = to_office_hours(step.at).replace(microsecond=0)  # the portal has seconds
        # moving a step into office hours must not put it before the step it followed
        if previous is not None and step.at < previous:
            step.at = previous
        previous = step.at
    steps = [s for s in told.steps if s.at <= now_local]
    supplements = _supplements(told, steps, code, due, procedure)
    # step.department_index: 0 the service centre that received it, else the processing office
    departments = (ref.RECEPTION[agency.level], procedure.office)
    business = rng.random() < 0.2
    name, email = (rng.choice(ref.BUSINESS_NAMES), "") if business else _person(rng)
    progress = [
        {
            "MaHoSo": code,
            "NguoiXuLy": _person(rng)[0],
            "ChucDanh": rng.choice(ref.OFFICER_TITLES),
            "ThoiDiemXuLy": format_portal_date(s.at),
            "PhongBanXuLy": s.department
            or departments[min(s.department_index, len(departments) - 1)],
            "NoiDungXuLy": s.content,
            "TrangThai": s.status,
        }
        for s in steps
    ]
    finished = next((s.at for s in steps if s.status == 9), None)
    returned = next((s.at for s in steps if s.status == 10), None)
    return {
        "MaHoSo": code, "MaTTHC": procedure.code, "TenTTHC": procedure.name,
        "MaLinhVuc": procedure.field_code, "TenLinhVuc": procedure.field_name,
        "LoaiDoiTuong": "2" if business else "1", "ChuHoSo": name,
        "SoDienThoai": rng.choice(("09", "03", "08")) + f"{rng.randrange(10**8):08d}",
        "Email": email,
        "DinhDanhCHS": [] if business else [{"LoaiDinhDanh": 1,
                                             "SoDinhDanh": f"0{rng.randrange(10**11):011d}"}],
        "TrichYeuHoSo": f"{rng.choice(ref.SUMMARY_PREFIXES)} {procedure.name[0].lower()}"
                        f"{procedure.name[1:]}",
        "NgayTiepNhan": format_portal_date(received),
        "NgayHenTra": supplements[0]["NgayHenTraMoi"] if supplements
        and supplements[0]["NgayHenTraMoi"] else format_portal_date(due),
        "TrangThaiHoSo": str(steps[-1].status),
        "NgayKetThucXuLy": format_portal_date(finished) if finished else "",
        "NgayTra": format_portal_date(returned) if returned else "",
        "KenhThucHien": rng.choices(("1", "2", "3"), weights=(45, 50, 5))[0],
        "HinhThuc": "1" if rng.random() < 0.06 else "0",
        "DonViXuLy": agency.code, "SoBienNhan": receipt, "GhiChu": "",
        "DanhSachHoSoBoSung": supplements, "QuaTrinhXuLy": progress,
    }


def _supplements(
    told: Story, served: list[Step], code: str, due: datetime, procedure: ref.Procedure
) -> list[dict[str, Any]]:
    """The portal's supplement list, from the steps as served (moved into office hours, cut at
    now): asked when the pausing step happened, received when the resuming one did, and the
    appointment moved by the office hours the dossier waited, or counted afresh from the supplement
    for a procedure whose time restarts then."""
    if told.supplement is None or not any(s is told.supplement[0] for s in served):
        return []
    asked, back, why = told.supplement
    received = back.at if back is not None and any(s is back for s in served) else None
    new_due = None
    if received is not None:
        waited = working_hours_between(asked.at, received)
        new_due = (portal_due(procedure, received) if procedure.restart_on_supplement
                   else add_working_hours(due, waited))
    return [{
        "HoSoBoSungId": f"{code}-BS1", "NoiDungBoSung": why,
        "NgayBoSung": format_portal_date(asked.at),
        "NgayTiepNhanBoSung": format_portal_date(received) if received else "",
        "TrangThaiBoSung": "Đã bổ sung" if received else "Chờ bổ sung",
        "NgayHenTraTruoc": format_portal_date(due),
        "NgayHenTraMoi": format_portal_date(new_due) if new_due else "",
    }]


def _received_moment(rng: random.Random, start: datetime, now_local: datetime) -> datetime:
    """An office-hours moment in [start, now_local]; drawn again when it falls after now."""
    while True:
        day = start + timedelta(seconds=rng.randrange(HISTORY_DAYS * 86_400))
        moment = working_moment(rng, day)
        if moment <= now_local:
            return moment


def _corrupt(payload: dict[str, Any], how: int) -> str:
    name, _ = CORRUPTIONS[how % len(CORRUPTIONS)]
    if name == "NgayTiepNhan":
        payload[name] = "31/02/2025 08:00"
    elif name == "TrangThaiHoSo":
        payload[name] = "Quá hạn"
    elif name == "MaHoSo":
        del payload[name]
    else:
        payload["QuaTrinhXuLy"][0]["ThoiDiemXuLy"] = "2025-13-01 08:00:00"
    return name


def _victims(rng: random.Random, payloads: list[dict[str, Any]], count: int
             ) -> list[dict[str, Any]]:
    """``count`` dossiers to break, taken from each agency in turn, so that every agency's
    supervisor has quarantined records of their own to look at (as a real province does)."""
    by_agency: dict[str, list[dict[str, Any]]] = {}
    for payload in payloads:
        by_agency.setdefault(str(payload.get("DonViXuLy")), []).append(payload)
    pools = [rng.sample(group, len(group)) for _, group in sorted(by_agency.items())]
    chosen: list[dict[str, Any]] = []
    while len(chosen) < count:
        for pool in pools:
            if pool and len(chosen) < count:
                chosen.append(pool.pop())
    return chosen


def generate_dataset(dossiers: int = 500, seed: int = 1, now: datetime | None = None,
                     malformed_ratio: float = 0.0) -> Dataset:
    """``dossiers`` synthetic dossiers received in the ``HISTORY_DAYS`` before ``now`` (aware).

    ``malformed_ratio`` of them (at least one per corruption kind when > 0) are served broken.
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rng = random.Random(f"{seed}:{now.isoformat()}")  # noqa: S311 (test data)
    now_local = now.astimezone(PORTAL_TZ).replace(tzinfo=None)
    start = now_local - timedelta(days=HISTORY_DAYS)
    moments = sorted(_received_moment(rng, start, now_local) for _ in range(dossiers))
    sequences: dict[tuple[str, str], int] = {}
    payloads: list[dict[str, Any]] = []
    for index, received in enumerate(moments):
        procedure = rng.choice(ref.PROCEDURES)
        agency = rng.choice([a for a in ref.AGENCIES if a.level == procedure.level
                             and procedure.agency in (None, a.code)])
        day = received.strftime("%y%m%d")
        seq = sequences[(agency.code, day)] = sequences.get((agency.code, day), 0) + 1
        code = f"{agency.code}-{day}-{seq:04d}"
        receipt = f"{received:%Y}/{index + 1:06d}"
        payloads.append(_dossier(rng, now_local, received, code, receipt, agency, procedure))
    keyed = sorted(((record_updated_at(p) or "", p["MaHoSo"], p) for p in payloads),
                   key=lambda t: (t[0], t[1]))
    dataset = Dataset(now=now, seed=seed, dossiers=[p for _, _, p in keyed],
                      updated_keys=[k for k, _, _ in keyed])
    dataset.receipt_to_code = {p["SoBienNhan"]: p["MaHoSo"] for p in dataset.dossiers}
    if malformed_ratio > 0 and dossiers:
        count = max(min(len(CORRUPTIONS), dossiers), round(dossiers * malformed_ratio))
        for how, victim in enumerate(_victims(rng, dataset.dossiers, count)):
            code = victim["MaHoSo"]
            dataset.malformed[code] = _corrupt(victim, how)
    return dataset
