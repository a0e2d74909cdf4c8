"""Settings of the dvc_portal pull connector."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by a count and a total sleep budget.

    Attempt ``n`` (0-based) of a retry sleeps ``uniform(0, min(max_delay, base_delay * 2**n))``
    seconds, or the server's ``Retry-After`` capped at ``retry_after_cap``. When the next sleep
    would exceed ``budget_seconds`` in total, or ``max_retries`` retries are used up, the request
    fails with ``RetryBudgetExhausted``. Worst-case wall time of one request is therefore about
    ``budget_seconds + (max_retries + 1) * timeout``.
    """

    max_retries: int = 5
    budget_seconds: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.budget_seconds < 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("retry delays and budget must be >= 0")
        if self.retry_after_cap < 0:
            raise ValueError("retry_after_cap must be >= 0")


@dataclass(frozen=True, slots=True)
class DvcPortalConfig:
    """Where the portal is and how to talk to it."""

    base_url: str
    token: str
    page_size: int = 200
    timeout: float = 30.0
    retry: RetryPolicy = RetryPolicy()
    path: str = "/api/hoso"

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if not self.token.strip():
            raise ValueError("the portal token must not be empty")
        if not 1 <= self.page_size <= 10_000:
            raise ValueError(f"page_size must be between 1 and 10000, got {self.page_size}")
        if self.timeout <= 0:
            raise ValueError("timeout must be > 0")

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + self.path
