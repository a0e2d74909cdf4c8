"""GET with retries: exponential backoff, full jitter, Retry-After, a bounded budget."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from connectors.dvc_portal.config import RetryPolicy
from connectors.errors import (
    PortalAuthError,
    PortalProtocolError,
    RetryBudgetExhausted,
)

Sleep = Callable[[float], None]


class _Retryable(Exception):
    """One attempt failed in a way worth retrying."""

    def __init__(self, reason: str, retry_after: float | None = None, *, bad_json: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.bad_json = bad_json


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _portal_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200]
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])[:200]
    return response.text[:200]


@dataclass
class RetryingGetter:
    """Performs GET requests on ``client`` and returns decoded JSON, retrying what is transient."""

    client: httpx.Client
    policy: RetryPolicy
    sleep: Sleep
    rng: random.Random = field(default_factory=random.Random)
    #: total seconds slept so far, across requests of this getter (for reporting)
    slept: float = 0.0

    def _attempt(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> Any:
        try:
            response = self.client.get(url, params=params, headers=headers)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timeout ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection error ({type(exc).__name__}: {exc})") from None
        status = response.status_code
        if status in (401, 403):
            raise PortalAuthError(
                f"{url}: HTTP {status}, the portal refused the token: {_portal_message(response)}"
            )
        if status == 429:
            raise _Retryable("HTTP 429 Too Many Requests",
                             parse_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise _Retryable(f"HTTP {status}: {_portal_message(response)}",
                             parse_retry_after(response.headers.get("Retry-After")))
        if status >= 400:
            raise PortalProtocolError(f"{url}: HTTP {status}: {_portal_message(response)}")
        try:
            return json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _Retryable(f"invalid JSON in the response ({exc})", bad_json=True) from None

    def _delay(self, retry_index: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.policy.retry_after_cap)
        ceiling = min(self.policy.max_delay, self.policy.base_delay * (2**retry_index))
        return self.rng.uniform(0.0, ceiling)

    def get_json(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> Any:
        spent = 0.0
        attempts = 0
        while True:
            attempts += 1
            try:
                return self._attempt(url, params, headers)
            except _Retryable as failure:
                retries_done = attempts - 1
                delay = self._delay(retries_done, failure.retry_after)
                over_count = retries_done >= self.policy.max_retries
                over_time = spent + delay > self.policy.budget_seconds
                if over_count or over_time:
                    if failure.bad_json:
                        raise PortalProtocolError(
                            f"{url}: {failure.reason}, still after {attempts} attempt(s)"
                        ) from None
                    raise RetryBudgetExhausted(url, attempts, failure.reason) from None
                self.sleep(delay)
                spent += delay
                self.slept += delay
