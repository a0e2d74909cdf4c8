"""Bench data: a province's year of dossiers as a one-door CSV export, generated fast.

Distributions follow the simulator's reference data (connectors/simulator/reference.py): its
procedures and their legal times, a province with departments, districts and communes (more
units as N grows, with a skewed share of the load), receipts in office hours on weekdays, 45 %
in person / 50 % online / 5 % postal, 2 % refused, 1 % withdrawn, 6 % waiting for a supplement,
about 4 % finished late, the rest finished or still open depending on how long ago they came.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from connectors.simulator import reference as ref

LOCAL = timedelta(hours=7)
#: "now" of the bench data: receipts fill the year 2025, the data is as of the new year.
NOW = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC) - LOCAL  # local midnight, 1 January 2025
COLUMNS = (
    "MaHoSo", "SoBienNhan", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "LoaiDoiTuong",
    "ChuHoSo", "TrichYeuHoSo", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayKetThucXuLy",
    "NgayTra", "KenhThucHien", "DonViXuLy",
)


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    level: str


def units(n: int) -> list[Unit]:
    """The reference agencies plus synthetic ones: about one unit per 1,500 dossiers a year."""
    found = [Unit(a.code, a.name, a.level) for a in ref.AGENCIES]
    extra = max(0, min(400, n // 1500) - len(found))
    for i in range(extra):
        if i % 10 == 0:
            found.append(Unit(f"H21.{70 + i // 10}", f"UBND huyện số {70 + i // 10}", "district"))
        else:
            found.append(Unit(f"H21.{70 + i // 10}.{i % 10:02d}", f"UBND xã số {i}", "commune"))
    return found


def _portal(moments: np.ndarray) -> list[str]:
    """UTC datetime64[s] -> the portal's local yyyyMMddHHmmss."""
    local = (moments + np.timedelta64(7, "h")).astype("datetime64[s]").astype(str)
    return [s.replace("-", "").replace("T", "").replace(":", "") for s in local]


def write_csv(path: Path, n: int, seed: int = 1, *, changed_share: float = 0.0) -> int:
    """Write `n` dossiers; with `changed_share` > 0 write instead that share of them, changed
    (the open ones finished at NOW): the input of the incremental scan. Returns rows written."""
    rng = np.random.default_rng(seed)
    procs = ref.PROCEDURES
    all_units = units(n)
    by_level = {lvl: [u for u in all_units if u.level == lvl] for lvl in ("province", "district",
                                                                         "commune")}
    p_idx = rng.choice(len(procs), size=n, p=_weights(len(procs), rng))
    days = rng.integers(0, 365, size=n)
    weekday = (days + 2) % 7  # 1 January 2025 was a Wednesday
    days = np.where(weekday >= 5, days - (weekday - 4), days)  # weekend receipts -> Friday
    minute = rng.integers(7 * 60 + 30, 17 * 60, size=n)
    second = rng.integers(0, 60, size=n)
    start = np.datetime64(YEAR_START.replace(tzinfo=None), "s")
    received = start + days * 86400 + minute * 60 + second
    legal_days = np.array([max(1, p.amount if p.unit != "working_hours" else 1) for p in procs])
    due = received + (np.ceil(legal_days[p_idx] * 1.4) * 86400).astype("int64")
    took = rng.gamma(2.0, legal_days[p_idx] * 0.35) * 86400
    late = rng.random(n) < 0.04
    took = np.where(late, (legal_days[p_idx] * 1.4 + rng.integers(1, 10, n)) * 86400, took)
    finished = received + took.astype("int64")
    now = np.datetime64(NOW.replace(tzinfo=None), "s")
    roll = rng.random(n)
    status = np.where(finished < now, np.where(roll < 0.5, 10, 9), 4)
    status = np.where((status == 4) & (roll < 0.3), 5, status)
    status = np.where(roll > 0.97, 3, np.where(roll > 0.96, 7, status))
    channel = rng.choice(np.array([1, 2, 3]), size=n, p=[0.45, 0.50, 0.05])
    rows = range(n)
    if changed_share > 0:
        open_rows = np.flatnonzero(status == 4)
        k = min(len(open_rows), max(1, round(n * changed_share)))
        rows = sorted(rng.choice(open_rows, size=k, replace=False).tolist())
        status[rows] = 10
        finished[rows] = now
    rec_s, due_s, fin_s = _portal(received), _portal(due), _portal(finished)
    counters: dict[str, int] = {}
    pick = rng.random(n)
    names = [f"{f} {m} {g}" for f in ref.FAMILY_NAMES for m in ref.MIDDLE_NAMES
             for g in ref.GIVEN_NAMES]
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for i in rows:
            proc = procs[int(p_idx[i])]
            pool = by_level[proc.level]
            unit = pool[min(int(pick[i] ** 2 * len(pool)), len(pool) - 1)]  # skewed load
            seq = counters[unit.code] = counters.get(unit.code, 0) + 1
            done = int(status[i]) in (9, 10)
            out.writerow((
                f"{unit.code}-{rec_s[i][2:8]}-{seq:06d}-{i}", f"2025/{i + 1:07d}", proc.code,
                proc.name, proc.field_code, proc.field_name, "1", names[i % len(names)],
                f"Đề nghị {proc.name[0].lower()}{proc.name[1:]}",
                rec_s[i], due_s[i], str(int(status[i])), fin_s[i] if done else "",
                fin_s[i] if int(status[i]) == 10 else "", str(int(channel[i])), unit.code,
            ))
            written += 1
    return written


def _weights(k: int, rng: np.random.Generator) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** 0.8
    rng.shuffle(w)
    return w / w.sum()


def write_catalogue(path: Path) -> None:
    from connectors.simulator.dataset import Dataset

    path.write_text(json.dumps(Dataset.catalogue(), ensure_ascii=False), encoding="utf-8")
