"""A small in-memory token-bucket rate limiter for the login and webhook routes.

Each client key owns a bucket of `burst` tokens refilled at `rate_per_minute`; a request takes one
token or is refused with `TooManyRequests`. State lives in one process: behind several workers
each keeps its own buckets, which is acceptable for slowing guessing, not for billing.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.errors import TooManyRequests


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        rate_per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate_per_second = rate_per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str, now: float | None = None) -> None:
        """Take one token for `key` at `now` (seconds, monotonic) or raise TooManyRequests."""
        at = self.clock() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                self._evict(at)
                bucket = _Bucket(tokens=float(self.burst), updated=at)
                self._buckets[key] = bucket
            elapsed = max(0.0, at - bucket.updated)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate_per_second)
            bucket.updated = at
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            retry_after = math.ceil((1.0 - bucket.tokens) / self.rate_per_second)
        raise TooManyRequests(
            f"too many requests; retry in {retry_after} s", retry_after_seconds=retry_after
        )

    def check_available(self, key: str, now: float | None = None) -> None:
        """Raise TooManyRequests when `key` has no token left, without taking one: for a limit
        on failures only (each failure takes its token with `check`)."""
        at = self.clock() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return
            tokens = min(float(self.burst),
                         bucket.tokens + max(0.0, at - bucket.updated) * self.rate_per_second)
            if tokens >= 1.0:
                return
            retry_after = math.ceil((1.0 - tokens) / self.rate_per_second)
        raise TooManyRequests(
            f"too many requests; retry in {retry_after} s", retry_after_seconds=retry_after
        )

    def _evict(self, now: float) -> None:
        # A bucket that has refilled completely carries no information: dropping it is exact.
        if len(self._buckets) < self.max_keys:
            return
        full_after = self.burst / self.rate_per_second
        for key in [k for k, b in self._buckets.items() if now - b.updated >= full_after]:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            # Still full of active clients: forget the stalest half rather than grow unbounded.
            stale = sorted(self._buckets, key=lambda k: self._buckets[k].updated)
            for key in stale[: len(stale) // 2]:
                del self._buckets[key]

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


#: Set in an ASGI scope once a push delivery's rate-limit token was taken (by the push routes'
#: fast lane, app/ingest/fast_lane.py, before it hands the request to the application): the
#: route's own check then takes none.
PUSH_RATE_CHECKED = "tthc.push_rate_checked"


def client_key(name: str, scope: Any) -> str:
    """Limiter ``name``'s key for the ASGI request ``scope``'s client address."""
    client = scope.get("client")
    return f"{name}:{client[0] if client else 'unknown'}"


def shared_limiter(state: Any, name: str, rate_per_minute: float, burst: int) -> RateLimiter:
    """The application's limiter ``name`` (an attribute of ``state``, made at first use)."""
    found: RateLimiter | None = getattr(state, name, None)
    if found is None:
        found = RateLimiter(rate_per_minute, burst)
        setattr(state, name, found)
    return found
