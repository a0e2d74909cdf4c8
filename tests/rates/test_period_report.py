from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.core.errors import BadRequest
from app.models import Dossier
from app.rates.grouping import Scope
from app.rates.schemas import PeriodReport
from app.rates.service import period_report

VN = ZoneInfo("Asia/Ho_Chi_Minh")
Q1_FROM = datetime(2024, 1, 1, tzinfo=VN)
Q1_TO = datetime(2024, 4, 1, tzinfo=VN)


def _report(
    session: Session, settings: Any, group_by: Any = None, scope: Scope | None = None
) -> PeriodReport:
    return period_report(
        session, start=Q1_FROM, end=Q1_TO, group_by=group_by, scope=scope or Scope(None),
        settings=settings,
    )


def test_lam_dong_shaped_totals(
    db_session: Session, lam_dong: Any, settings_for_rates: Callable[[], Any]
) -> None:
    r = _report(db_session, settings_for_rates())
    assert (r.received, r.carried_over, r.excluded) == (585, 54, 5)
    assert (r.resolved, r.early, r.on_time, r.late) == (600, 400, 190, 10)
    assert (r.open_at_end, r.open_in_time, r.open_paused, r.open_overdue) == (34, 31, 3, 3)
    assert r.reconciles and r.findings == []
    assert r.received + r.carried_over == r.resolved + r.open_at_end + r.excluded
    assert r.on_time_rate is not None and round(r.on_time_rate * 100, 2) == 98.33
    assert r.progress_score is not None
    assert round(r.progress_score, 6) == round(20 * (590 + 31) / 634, 6)
    assert r.late_without_apology == 5
    assert r.received_online + r.received_in_person_or_postal == r.received
    assert r.excluded_refused == 5
    assert r.groups is None
    by_code = {p.procedure_code: p for p in r.processing_times}
    assert set(by_code) == {"1.001", "1.002"}
    assert sum(p.finished for p in r.processing_times) == 600
    assert all(p.mean_working_days > 0 for p in r.processing_times)


def test_agency_roll_up(
    db_session: Session, lam_dong: Any, settings_for_rates: Callable[[], Any]
) -> None:
    r = _report(db_session, settings_for_rates(), "agency")
    groups = {g.key: g for g in r.groups or []}
    assert [g.key for g in r.groups or []] == ["TINH", "HUYEN-A", "XA-A1", "HUYEN-B"]
    assert groups["TINH"].resolved == r.resolved == 600
    own = lam_dong.per_agency
    assert groups["XA-A1"].late == own["XA-A1"].get("late", 0)
    assert groups["HUYEN-A"].late == own["XA-A1"].get("late", 0) + own["HUYEN-A"].get("late", 0)
    assert groups["HUYEN-A"].parent_key == "TINH" and groups["XA-A1"].level == 2
    assert all(g.reconciles for g in groups.values())


@pytest.mark.parametrize("group_by", ["procedure", "field", "channel"])
def test_groups_partition_the_totals(
    db_session: Session, lam_dong: Any, settings_for_rates: Callable[[], Any], group_by: str
) -> None:
    r = _report(db_session, settings_for_rates(), group_by)
    groups = r.groups or []
    assert len(groups) >= 2
    for name in ("received", "carried_over", "resolved", "early", "late", "open_overdue"):
        assert sum(getattr(g, name) for g in groups) == getattr(r, name), name
    if group_by == "procedure":
        assert all(g.median_working_days is not None for g in groups)
    if group_by == "channel":
        assert {g.label for g in groups} >= {"Trực tuyến", "Trực tiếp"}


def test_month_groups(
    db_session: Session, lam_dong: Any, settings_for_rates: Callable[[], Any]
) -> None:
    r = _report(db_session, settings_for_rates(), "month")
    months = {g.key: g for g in r.groups or []}
    assert list(months) == ["2024-01", "2024-02", "2024-03"]
    assert sum(g.received for g in months.values()) == r.received
    assert months["2024-01"].carried_over == 54 and months["2024-01"].received == 0
    # Early ones finished on 28 February, the others in March.
    assert (months["2024-02"].resolved, months["2024-03"].resolved) == (400, 200)
    assert months["2024-02"].open_at_end == months["2024-03"].carried_over
    assert all(g.reconciles for g in months.values())
    assert months["2024-01"].label == "Tháng 01/2024"


def test_scope_counts_only_the_subtree(
    db_session: Session, lam_dong: Any, settings_for_rates: Callable[[], Any]
) -> None:
    a = lam_dong.agencies
    scope = Scope(frozenset({a["HUYEN-A"].id, a["XA-A1"].id}), "HUYEN-A")
    r = _report(db_session, settings_for_rates(), "agency", scope)
    own = lam_dong.per_agency
    assert r.late == own["XA-A1"].get("late", 0) + own["HUYEN-A"].get("late", 0)
    assert [g.key for g in r.groups or []] == ["HUYEN-A", "XA-A1"]


def test_small_sample_flag(
    db_session: Session, lam_dong: Any, settings_for_rates: Callable[[], Any]
) -> None:
    settings = settings_for_rates().model_copy(update={"small_sample_threshold": 300})
    groups = {g.key: g for g in _report(db_session, settings, "agency").groups or []}
    assert groups["TINH"].small_sample is False
    assert groups["XA-A1"].small_sample is True


def test_contradictory_times_are_a_finding(
    db_session: Session, lam_dong: Any, settings_for_rates: Callable[[], Any]
) -> None:
    received = datetime(2024, 2, 10, 3, tzinfo=UTC)
    db_session.execute(insert(Dossier), [{
        "code": "BAD-1", "procedure_id": lam_dong.procedures["1.001"].id,
        "agency_id": lam_dong.agencies["XA-A1"].id, "status": 10, "received_at": received,
        "finished_at": datetime(2023, 12, 1, tzinfo=UTC), "legal_basis": "61/2018/NĐ-CP",
        "created_at": received, "updated_at": received,
    }])
    r = _report(db_session, settings_for_rates())
    assert not r.reconciles
    assert any("trước thời điểm tiếp nhận" in f for f in r.findings)


def test_bad_period_is_refused(db_session: Session, settings_for_rates: Callable[[], Any]) -> None:
    with pytest.raises(BadRequest):
        period_report(
            db_session, start=Q1_TO, end=Q1_FROM, group_by=None, scope=Scope(None),
            settings=settings_for_rates(),
        )
