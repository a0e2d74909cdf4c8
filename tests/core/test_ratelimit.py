from __future__ import annotations

import pytest

from app.core.errors import TooManyRequests
from app.core.ratelimit import RateLimiter


def test_burst_then_refill() -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=3)
    for _ in range(3):
        limiter.check("a", now=100.0)
    with pytest.raises(TooManyRequests) as caught:
        limiter.check("a", now=100.0)
    assert caught.value.details["retry_after_seconds"] == 1
    limiter.check("a", now=101.0)  # one token back after a second at 60/min
    with pytest.raises(TooManyRequests):
        limiter.check("a", now=101.5)


def test_keys_are_independent() -> None:
    limiter = RateLimiter(rate_per_minute=1, burst=1)
    limiter.check("a", now=0.0)
    limiter.check("b", now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.check("a", now=1.0)


def test_injectable_clock_and_bounded_memory() -> None:
    ticks = iter([0.0, 0.0, 1000.0, 1000.0])
    limiter = RateLimiter(rate_per_minute=60, burst=1, clock=lambda: next(ticks), max_keys=2)
    limiter.check("a")
    limiter.check("b")
    limiter.check("c")  # a and b refilled long ago: forgotten, not kept forever
    limiter.check("a")
    assert len(limiter._buckets) <= 2


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate_per_minute=0, burst=1)
    with pytest.raises(ValueError):
        RateLimiter(rate_per_minute=1, burst=0)


def test_check_available_never_takes_a_token() -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=2)
    for _ in range(5):
        limiter.check_available("a", now=0.0)  # unknown key: full bucket
    limiter.check("a", now=0.0)
    limiter.check("a", now=0.0)
    with pytest.raises(TooManyRequests) as caught:
        limiter.check_available("a", now=0.5)
    assert caught.value.details["retry_after_seconds"] == 1
    limiter.check_available("a", now=1.0)
    limiter.check_available("a", now=1.0)  # still one token: peeking took none
    limiter.check("a", now=1.0)
