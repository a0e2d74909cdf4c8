"""Pushing envelopes to a webhook, signed like a one-door system configured for us would."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import httpx

from connectors.portal.envelope import build_envelope
from connectors.portal.signing import SIGNATURE_HEADER, sign


@dataclass(frozen=True, slots=True)
class PushResult:
    agency_code: str
    records: int
    status_code: int
    body: str


def signed_request_parts(secret: str | bytes, envelope: dict[str, Any], t: int
                         ) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a signed push (exposed for tests of the receiving side)."""
    body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8",
               SIGNATURE_HEADER: sign(secret, body, t)}
    return body, headers


def push_webhooks(
    target_url: str,
    secret: str | bytes,
    records: Iterable[dict[str, Any]],
    client: httpx.Client | None = None,
    *,
    service: str = "DongBoHoSoMC",
    agency_code: str | None = None,
    batch_size: int = 100,
    session: str = "",
    clock: Callable[[], float] = time.time,
) -> list[PushResult]:
    """POST ``records`` as signed envelopes, one envelope per agency and batch.

    Records are grouped by ``agency_code`` if given, else by their own DonViXuLy (consecutive runs:
    sort records by agency first for fewer requests). Returns one result per request; HTTP errors
    are reported in the results, not raised, so a caller can show what the receiver answered.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    owns = client is None
    http = client or httpx.Client(timeout=30.0)
    results: list[PushResult] = []
    try:
        def key(record: dict[str, Any]) -> str:
            return agency_code or str(record.get("DonViXuLy") or "")

        for agency, group in groupby(records, key=key):
            batch: list[dict[str, Any]] = []
            for record in group:
                batch.append(record)
                if len(batch) == batch_size:
                    results.append(_post(http, target_url, secret, service, agency, batch,
                                         session, clock))
                    batch = []
            if batch:
                results.append(_post(http, target_url, secret, service, agency, batch, session,
                                     clock))
    finally:
        if owns:
            http.close()
    return results


def _post(http: httpx.Client, url: str, secret: str | bytes, service: str, agency: str,
          batch: list[dict[str, Any]], session: str, clock: Callable[[], float]) -> PushResult:
    envelope = build_envelope(service, agency, batch, session=session,
                              is_updating=False)
    body, headers = signed_request_parts(secret, envelope, int(clock()))
    response = http.post(url, content=body, headers=headers)
    return PushResult(agency, len(batch), response.status_code, response.text[:500])
