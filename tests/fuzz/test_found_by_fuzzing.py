"""The 5xx schemathesis found, kept as fixed examples: now a 4xx with a reason (or, for a NUL
in a filter on SQLite, which can store it, an empty result)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/v1/dossiers/overdue", {"params": {"as_of": "0164-12-04T12:41:27-12:01"}}),
    ("GET", "/api/v1/dossiers/due-soon", {"params": {"as_of": "9999-01-01T00:00:00Z"}}),
    ("GET", "/api/v1/calendar/overrides", {"params": {"year": "1749797"}}),
    ("POST", "/api/v1/calendar/overrides", {"json": {
        "day": "0083-09-27", "kind": "working_day", "reason": "x", "source": "y"}}),
    ("POST", "/api/v1/calendar/overrides", {"json": {
        "day": "2026-09-27", "kind": "working_day", "reason": "a\u0000b", "source": "y"}}),
    ("POST", "/api/v1/notices/55798615104181512437760/issue", {}),
    ("GET", "/api/v1/notices/2147483648", {}),
    ("POST", "/api/v1/quarantine/retry", {"json": {"ids": [1029105207575]}}),
    ("GET", "/api/v1/ingest/runs", {"params": {"source": "a\u0000b"}}),
    ("POST", "/api/v1/notices", {"json": {"dossier_code": "\u0000\u0019C"}}),
]


@pytest.mark.parametrize(("method", "path", "request_kwargs"), CASES)
def test_hostile_values_are_refused_with_a_reason(
    client: TestClient, auth_headers: Callable[..., dict[str, str]], method: str, path: str,
    request_kwargs: dict[str, Any],
) -> None:
    response = client.request(method, path, headers=auth_headers("admin"), **request_kwargs)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["reason"]
    else:  # SQLite stores and matches NUL: a filter with one finds nothing
        assert (method, response.json()) == ("GET", [])
