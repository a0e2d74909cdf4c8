"""The pull connector's HTTP behaviour: paging, watermark, retries, budget, errors."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connectors import (
    ConnectorState,
    PortalAuthError,
    PortalProtocolError,
    RetryBudgetExhausted,
    get_connector,
)
from connectors.dvc_portal import DvcPortalConnector
from connectors.dvc_portal.http import parse_retry_after

Handler = Callable[[httpx.Request], httpx.Response]
OK: dict[str, Any] = {"error_code": 0, "data": [], "next_cursor": None}


def connector(handler: Handler, sleeps: list[float] | None = None, **options: Any
              ) -> DvcPortalConnector:
    record = sleeps if sleeps is not None else []
    config: dict[str, Any] = {"base_url": "http://portal.test/", "token": "t0ken",
                              "page_size": 2, "base_delay": 1.0, "max_delay": 8.0}
    config.update(options)
    built = get_connector("dvc_portal", client=httpx.Client(transport=httpx.MockTransport(handler)),
                          sleep=record.append, rng=random.Random(4), **config)
    assert isinstance(built, DvcPortalConnector)
    return built


def sequence(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def run(built: DvcPortalConnector, state: ConnectorState | None = None) -> list[Any]:
    return list(built.pages(state or ConnectorState()))


def test_sends_token_limit_watermark_and_cursor() -> None:
    handler, seen = sequence(httpx.Response(200, json={**OK, "next_cursor": "n2"}),
                             httpx.Response(200, json=OK))
    run(connector(handler), ConnectorState(updated_since="20250301000000"))
    first, second = seen
    assert first.url.path == "/api/hoso"
    assert first.headers["Authorization"] == "Bearer t0ken"
    assert dict(first.url.params) == {"limit": "2", "updated_since": "20250301000000"}
    assert dict(second.url.params) == {"limit": "2", "updated_since": "20250301000000",
                                       "cursor": "n2"}


def test_watermark_moves_only_after_the_last_page() -> None:
    item_a = {"MaHoSo": "A", "NgayTiepNhan": "20250302080000",
              "QuaTrinhXuLy": [{"ThoiDiemXuLy": "20250305090000"}]}
    item_b = {"MaHoSo": "B", "NgayTiepNhan": "20250304080000", "NgayTra": "bad date"}
    handler, _ = sequence(
        httpx.Response(200, json={"error_code": 0, "data": [item_a], "next_cursor": "n2"}),
        httpx.Response(200, json={"error_code": "00", "data": [item_b], "next_cursor": None}),
    )
    pages = run(connector(handler), ConnectorState(updated_since="20250301000000"))
    middle, last = pages[0].state_after, pages[1].state_after
    assert (middle.cursor, middle.updated_since) == ("n2", "20250301000000")
    assert middle.extra["max_seen"] == "20250305090000"
    assert last == ConnectorState(cursor=None, updated_since="20250305090000", extra={})
    assert pages[1].records[0].origin == "dvc_portal page 2 item 1"


def test_an_empty_result_keeps_the_watermark() -> None:
    handler, _ = sequence(httpx.Response(200, json=OK))
    pages = run(connector(handler), ConnectorState(updated_since="20250301000000"))
    assert len(pages) == 1 and pages[0].records == []
    assert pages[0].state_after.updated_since == "20250301000000"


def test_retries_5xx_then_succeeds_with_full_jitter_backoff() -> None:
    handler, seen = sequence(httpx.Response(503), httpx.Response(500), httpx.Response(502),
                             httpx.Response(200, json=OK))
    sleeps: list[float] = []
    run(connector(handler, sleeps))
    assert len(seen) == 4 and len(sleeps) == 3
    for attempt, delay in enumerate(sleeps):
        assert 0.0 <= delay <= 1.0 * 2**attempt


def test_timeouts_and_connection_errors_are_retried() -> None:
    handler, seen = sequence(httpx.ReadTimeout("slow"), httpx.ConnectError("refused"),
                             httpx.Response(200, json=OK))
    run(connector(handler))
    assert len(seen) == 3


def test_429_honours_retry_after_capped() -> None:
    handler, _ = sequence(httpx.Response(429, headers={"Retry-After": "7"}),
                          httpx.Response(429, headers={"Retry-After": "3600"}),
                          httpx.Response(200, json=OK))
    sleeps: list[float] = []
    run(connector(handler, sleeps, retry_after_cap=60.0))
    assert sleeps == [7.0, 60.0]


def test_retry_after_http_date_and_garbage() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(" 2 ") == 2.0


def test_retry_count_budget_gives_a_clear_error() -> None:
    handler, seen = sequence(httpx.Response(500, json={"error_code": 500, "message": "Lỗi"}))
    with pytest.raises(RetryBudgetExhausted) as caught:
        run(connector(handler, max_retries=3))
    assert len(seen) == 4
    error = caught.value
    assert error.attempts == 4 and error.url == "http://portal.test/api/hoso"
    assert "HTTP 500" in error.last_error and "http://portal.test/api/hoso" in str(error)


def test_retry_seconds_budget_stops_before_oversleeping() -> None:
    handler, _ = sequence(httpx.Response(429, headers={"Retry-After": "30"}))
    sleeps: list[float] = []
    with pytest.raises(RetryBudgetExhausted):
        run(connector(handler, sleeps, max_retries=50, budget_seconds=100.0))
    assert sleeps == [30.0, 30.0, 30.0]
    assert sum(sleeps) <= 100.0


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_are_not_retried(status: int) -> None:
    handler, seen = sequence(httpx.Response(status, json={"message": "Token hết hạn"}))
    with pytest.raises(PortalAuthError, match="Token hết hạn"):
        run(connector(handler))
    assert len(seen) == 1


def test_truncated_json_is_retried_then_reported_as_protocol_error() -> None:
    handler, seen = sequence(httpx.Response(200, content=b'{"error_code": 0, "data": [{"Ma'))
    with pytest.raises(PortalProtocolError, match="invalid JSON"):
        run(connector(handler, max_retries=2))
    assert len(seen) == 3


def test_truncated_json_once_recovers() -> None:
    handler, _ = sequence(httpx.Response(200, content=b'{"error_'),
                          httpx.Response(200, json={**OK, "data": [{"MaHoSo": "A"}]}))
    assert len(run(connector(handler))[0].records) == 1


@pytest.mark.parametrize(("body", "match"), [
    ({"error_code": 1, "message": "Sai tham số"}, "Sai tham số"),
    ({"error_code": "99", "message": "Hết phiên"}, "Hết phiên"),
    ([1, 2], "expected a JSON object"),
    ({"error_code": 0, "data": {"a": 1}}, "'data' must be a list"),
    ({"error_code": 0, "data": [], "next_cursor": {"x": 1}}, "next_cursor"),
])
def test_portal_level_errors_are_protocol_errors(body: Any, match: str) -> None:
    handler, seen = sequence(httpx.Response(200, content=json.dumps(body).encode()))
    with pytest.raises(PortalProtocolError, match=match):
        run(connector(handler))
    assert len(seen) == 1


def test_other_4xx_is_a_protocol_error() -> None:
    handler, _ = sequence(httpx.Response(404, text="not here"))
    with pytest.raises(PortalProtocolError, match="HTTP 404"):
        run(connector(handler))


def test_non_object_items_are_wrapped_not_dropped() -> None:
    handler, _ = sequence(httpx.Response(200, json={**OK, "data": ["x", {"MaHoSo": "A"}]}))
    records = run(connector(handler))[0].records
    assert [r.payload for r in records] == [{"_raw": "x"}, {"MaHoSo": "A"}]


@pytest.mark.parametrize(("options", "match"), [
    ({"base_url": "portal.test"}, "base_url"), ({"token": " "}, "token"),
    ({"page_size": 0}, "page_size"), ({"max_retries": -1}, "max_retries"),
])
def test_bad_configuration_is_refused(options: dict[str, Any], match: str) -> None:
    config: dict[str, Any] = {"base_url": "http://p", "token": "t", **options}
    with pytest.raises(ValueError, match=match):
        get_connector("dvc_portal", **config)


def test_closing_leaves_an_injected_client_open() -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=OK)))
    built = get_connector("dvc_portal", base_url="http://p", token="t", client=client)
    built.close()
    assert not client.is_closed
