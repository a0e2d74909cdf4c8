"""A few seconds' memory of the public figures (`/`, `/api/v1/public/rates`).

Those pages need no login, so anyone can ask for them as often as they like, and every answer
counts a year of dossiers: one computation per key and period of ``TTHC_PUBLIC_CACHE_SECONDS``
serves everyone else meanwhile. Concurrent misses of one key wait for the first one's result
instead of all counting the same thing (the first hits after expiry would otherwise pile up).
Each application instance keeps its own cache (`app.state`), so replicas may differ by up to the
cache's age; 0 seconds turns it off.

Written by hand rather than taken from a library: what is needed is the single computation per
key under threads, which the common TTL caches leave to the caller.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Annotated, Any, Final, TypeVar

from fastapi import Depends, Request

from app.api.deps import SettingsDep

T = TypeVar("T")
#: Public keys include user-chosen dates: the oldest entries go beyond this many.
MAX_ENTRIES: Final = 256


@dataclass(slots=True)
class _Entry:
    value: Any
    expires: float


class TtlCache:
    """Values by key for ``seconds``, at most ``max_entries`` of them (least recently used go)."""

    def __init__(
        self, seconds: float, *, max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.computed = 0  # how many times a value was computed (for tests and the soak)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The fresh value of ``key``, computing it (once, whoever else asks meanwhile)."""
        if self.seconds <= 0:
            self.computed += 1
            return compute()
        found, value = self._fresh(key)
        if found:
            return value  # type: ignore[no-any-return]
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            try:
                found, value = self._fresh(key)  # computed by the thread this one waited for
                if found:
                    return value  # type: ignore[no-any-return]
                result = compute()  # an error is not kept: the next request tries again
                with self._lock:
                    self.computed += 1
                    self._entries[key] = _Entry(result, self._clock() + self.seconds)
                    self._entries.move_to_end(key)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
                return result
            finally:
                with self._lock:
                    self._computing.pop(key, None)

    def _fresh(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            if entry.expires <= self._clock():
                del self._entries[key]
                return False, None
            self._entries.move_to_end(key)
            return True, entry.value


def public_cache(request: Request, settings: SettingsDep) -> TtlCache:
    """The application's cache of public figures, made on first use."""
    cache: TtlCache | None = getattr(request.app.state, "public_cache", None)
    if cache is None:
        cache = TtlCache(settings.public_cache_seconds)
        request.app.state.public_cache = cache
    return cache


PublicCacheDep = Annotated[TtlCache, Depends(public_cache)]
