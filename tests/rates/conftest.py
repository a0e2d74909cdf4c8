"""A dataset shaped like Lâm Đồng's Q1/2024 figures (RATES.md) at about 1/252 scale, chosen so the
published 98.33 % on-time rate is exact: 600 resolved (400 early, 190 on time, 10 late), 34 in
progress at the end (31 in time of which 3 paused, 3 overdue), 5 refused, 54 carried over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.models import Agency, Dossier, Procedure

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2023, 1, 1, tzinfo=UTC)
Q1_FROM = datetime(2024, 1, 1, tzinfo=VN)
Q1_TO = datetime(2024, 4, 1, tzinfo=VN)


@dataclass
class Dataset:
    agencies: dict[str, Agency]
    procedures: dict[str, Procedure]
    per_agency: dict[str, dict[str, int]]


def _local(year: int, month: int, day: int, hour: int = 8) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VN).astimezone(UTC)


@pytest.fixture
def lam_dong(db_session: Session) -> Dataset:
    agencies: dict[str, Agency] = {}
    for code, name, parent in (
        ("TINH", "UBND tỉnh Lâm Đồng", None),
        ("HUYEN-A", "UBND huyện Đức Trọng", "TINH"),
        ("XA-A1", "UBND xã Hiệp Thạnh", "HUYEN-A"),
        ("HUYEN-B", "UBND huyện Lạc Dương", "TINH"),
    ):
        agencies[code] = Agency(
            code=code, name=name, parent_id=agencies[parent].id if parent else None,
            created_at=T0, updated_at=T0,
        )
        db_session.add(agencies[code])
        db_session.flush()
    procedures: dict[str, Procedure] = {}
    for code, field in (("1.001", "HT"), ("1.002", "DD")):
        procedures[code] = Procedure(
            code=code, name=f"Thủ tục {code}", field_code=field, field_name=f"Lĩnh vực {field}",
            in_catalogue=True, created_at=T0, updated_at=T0,
        )
        db_session.add(procedures[code])
    db_session.flush()

    rows: list[dict[str, Any]] = []
    per_agency: dict[str, dict[str, int]] = {}
    order = ("XA-A1", "HUYEN-A", "HUYEN-B")

    def add(kind: str, *, carried: bool = False, status: int = 4, **extra: Any) -> None:
        n = len(rows)
        agency = order[n % 3]
        per_agency.setdefault(agency, {}).setdefault(kind, 0)
        per_agency[agency][kind] += 1
        received = _local(2023, 12, 20) if carried else _local(2024, 2, 1) + timedelta(minutes=n)
        rows.append({
            "code": f"H{n:05d}", "procedure_id": procedures["1.001" if n % 2 else "1.002"].id,
            "agency_id": agencies[agency].id, "channel": 3 if n % 10 == 0 else 2 - n % 2,
            "status": status, "received_at": received, "clock_started_at": received,
            "legal_basis": "61/2018/NĐ-CP", "created_at": T0, "updated_at": T0,
            "due_at": None, "finished_at": None, "returned_at": None, "paused_since": None,
            "late_without_apology": False, **extra,
        })

    due = _local(2024, 3, 1, 16)
    for i in range(600):
        carried = i < 50
        if i < 400:
            add("early", carried=carried, status=10, due_at=due,
                finished_at=due - timedelta(days=2), returned_at=due)
        elif i < 590:  # same local day, earlier hour; half of them finished only by return
            finish = due - timedelta(hours=1)
            fields = {"finished_at": finish} if i % 2 else {"returned_at": finish}
            add("on_time", carried=carried, status=9 if i % 2 else 10, due_at=due, **fields)
        else:
            add("late", carried=carried, status=9, due_at=due,
                finished_at=due + timedelta(days=1), late_without_apology=i % 2 == 0)
    for i in range(34):
        carried = i < 4
        if i < 28:
            add("open_in_time", carried=carried, due_at=_local(2024, 4, 10))
        elif i < 31:
            add("open_paused", carried=carried, status=5, due_at=_local(2024, 3, 28),
                paused_since=_local(2024, 3, 25))
        else:
            add("open_overdue", carried=carried, due_at=_local(2024, 3, 20))
    for _ in range(5):
        add("excluded", status=3)
    # Outside the period: finished before it, refused before it, received after it.
    add("outside", carried=True, status=10, due_at=due, finished_at=_local(2023, 12, 22))
    add("outside", carried=True, status=3)
    add("outside", status=2, received_at=_local(2024, 4, 2), clock_started_at=_local(2024, 4, 2))
    db_session.execute(insert(Dossier), rows)
    db_session.commit()
    return Dataset(agencies, procedures, per_agency)


@pytest.fixture
def settings_for_rates() -> Callable[[], Any]:
    from app.core.config import Settings

    return lambda: Settings(environment="test", webhook_secret="x" * 20, secret_key="k" * 40)
