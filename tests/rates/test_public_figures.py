"""The public figures: complete months from the rollup, the current one live, equal to the live
recount; and the short cache in front of them (`TTHC_PUBLIC_CACHE_SECONDS`)."""

from __future__ import annotations

import random
import threading
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.dashboard.public import period_start
from app.rates.cache import TtlCache
from app.rates.grouping import Scope
from app.rates.rollups import service as rollups
from app.rates.schemas import GroupBy
from app.rates.service import period_report, public_rates
from tests.factories import ICT
from tests.rates.rollups.test_equality import _populate

# "now" of the page: inside a month, as always in production (the data spans 2025 - 2026/03)
NOWS = [datetime(2025, 11, 17, 10, 5, tzinfo=ICT), datetime(2026, 2, 1, 0, 0, 1, tzinfo=ICT)]


def _without_rollup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rollups, "count_dossiers", lambda *args, **kwargs: None)


def _report(session: Session, now: datetime, group_by: GroupBy) -> dict[str, Any]:
    report = period_report(
        session, start=period_start(now, 12), end=now, group_by=group_by, scope=Scope(None),
        settings=Settings(), with_processing_times=False,
    )
    return report.model_dump()


@pytest.mark.parametrize("now", NOWS, ids=["mid-month", "a second into a month"])
def test_the_public_page_figures_equal_the_live_recount(
    db_session: Session, monkeypatch: pytest.MonkeyPatch, now: datetime
) -> None:
    _populate(db_session, random.Random(11), 300)
    ours = {group: _report(db_session, now, group) for group in ("agency", "month")}
    ours_api = public_rates(db_session, start=period_start(now, 3), end=now,
                            settings=Settings()).model_dump()
    assert ours["agency"]["received"] > 0 and ours["month"]["groups"]

    _without_rollup(monkeypatch)  # every counter from `dossier`, as before the rollup
    assert {group: _report(db_session, now, group) for group in ("agency", "month")} == ours
    assert public_rates(db_session, start=period_start(now, 3), end=now,
                        settings=Settings()).model_dump() == ours_api


# -- the cache ---------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_computed_once_per_key_and_period() -> None:
    clock, calls = Clock(), []
    cache = TtlCache(60, clock=clock)
    assert cache.get("a", lambda: calls.append("a") or 1) == 1
    clock.now += 59.9
    assert cache.get("a", lambda: calls.append("a") or 2) == 1
    assert cache.get("b", lambda: calls.append("b") or 3) == 3
    clock.now += 0.1
    assert cache.get("a", lambda: calls.append("a") or 4) == 4
    assert calls == ["a", "b", "a"] and cache.computed == 3


def test_zero_seconds_turns_the_cache_off_and_errors_are_not_kept() -> None:
    off = TtlCache(0)
    assert [off.get("k", lambda: n) for n in range(3)] == [0, 1, 2]
    cache = TtlCache(60)

    def fail() -> int:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        cache.get("k", fail)
    assert cache.get("k", lambda: 5) == 5


def test_the_oldest_keys_go_beyond_the_limit() -> None:
    cache = TtlCache(60, max_entries=2)
    for key in ("a", "b", "c"):
        cache.get(key, lambda key=key: key)
    assert cache.get("a", lambda: "again") == "again"  # evicted, so computed again
    assert cache.get("c", lambda: "not again") == "c"


def test_concurrent_misses_compute_once() -> None:
    cache, started, release = TtlCache(60), threading.Event(), threading.Event()
    results: list[int] = []

    def slow() -> int:
        started.set()
        release.wait(5)
        return 42

    first = threading.Thread(target=lambda: results.append(cache.get("k", slow)))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(cache.get("k", lambda: 0)))
              for _ in range(4)]
    for thread in others:
        thread.start()
    release.set()
    for thread in (first, *others):
        thread.join(5)
    assert results == [42] * 5 and cache.computed == 1


def test_the_public_page_and_api_are_served_from_the_cache(client: TestClient) -> None:
    clock = Clock()
    client.app.state.public_cache = cache = TtlCache(30, clock=clock)  # type: ignore[attr-defined]
    params = {"from": "2025-01-01", "to": "2025-04-01"}
    for _ in range(3):
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/public/rates", params=params).status_code == 200
    assert cache.computed == 2
    refused = client.get("/api/v1/public/rates", params={"from": "2025-04-01", "to": "2025-01-01"})
    assert refused.status_code == 400 and cache.computed == 2
    clock.now += 30
    assert client.get("/").status_code == 200 and cache.computed == 3


def test_the_cache_period_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTHC_PUBLIC_CACHE_SECONDS", "5")
    assert Settings().public_cache_seconds == 5
    assert Settings(public_cache_seconds=0).public_cache_seconds == 0
    with pytest.raises(ValueError, match="public_cache_seconds"):
        Settings(public_cache_seconds=-1)
