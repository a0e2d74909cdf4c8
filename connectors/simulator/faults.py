"""What can go wrong at the fake portal, and the seeded dice that decide when."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Faults:
    """Fault rates per request (transport faults) and per page (content faults).

    Transport faults are drawn from one seeded generator, so a retried request may succeed.
    Content faults (duplicates, stale copies) depend only on the page's position, so a retried
    page has the same content.
    """

    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after_seconds: int = 1
    slow_rate: float = 0.0
    slow_seconds: float = 0.0
    duplicate_rate: float = 0.0
    stale_rate: float = 0.0
    seed: int = 0

    @classmethod
    def none(cls) -> Faults:
        return cls()

    @classmethod
    def chaos(cls, seed: int = 0, slow_seconds: float = 2.0) -> Faults:
        """The fault mode of ``run_simulator(faults=True)``."""
        return cls(error_rate=0.1, rate_limit_rate=0.08, retry_after_seconds=1, slow_rate=0.05,
                   slow_seconds=slow_seconds, duplicate_rate=0.1, stale_rate=0.1, seed=seed)

    def __post_init__(self) -> None:
        for name in ("error_rate", "rate_limit_rate", "slow_rate", "duplicate_rate", "stale_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")


class Dice:
    """Thread-safe seeded draws for transport faults (uvicorn serves from a thread pool)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)  # noqa: S311 (simulation, not security)
        self._lock = threading.Lock()

    def roll(self) -> float:
        with self._lock:
            return self._rng.random()
