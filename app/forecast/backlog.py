"""How many dossiers each unit held at any instant, as known at `as_of` (pure).

A stay at a unit runs from the step that brought the dossier there to the next unit's step, the
finish, or a withdrawal/refusal; a stay still running at `as_of` runs on. Counts are two
searchsorted calls per unit on sorted entry and exit instants.

A unit's *crowding* compares its count at an instant with what is usual for it (the median count
met by the dossiers that reached it): 0 usual, 1 at least 1.5 times, 2 at least 3 times. Queues
before Tết, or after an officer leaves, show here before they show in the dossiers' own times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np

from app.deadlines.status import EXCLUDED, FINISHED
from app.forecast.history import Case

CROWDED = (1.5, 3.0)
_NEVER = np.iinfo(np.int64).max

UnitKey = tuple[str, str]  # (agency, unit)


def _us(value: datetime) -> int:
    return int(value.timestamp() * 1_000_000)


class Backlog:
    def __init__(self, cases: Iterable[Case], as_of: datetime) -> None:
        entries: dict[UnitKey, list[int]] = {}
        exits: dict[UnitKey, list[int]] = {}
        for case in cases:
            if case.received_at > as_of:
                continue
            current: str | None = None
            for step in case.steps:
                if step.at > as_of:
                    break
                at = _us(step.at)
                ends = step.status in FINISHED or step.status in EXCLUDED
                moves = bool(step.unit) and step.unit != current and not ends
                if current is not None and (ends or moves):
                    exits.setdefault((case.agency, current), []).append(at)
                    current = None
                if moves and step.unit:
                    current = step.unit
                    entries.setdefault((case.agency, current), []).append(at)
            if current is not None:
                exits.setdefault((case.agency, current), []).append(_NEVER)
        self._entries = {k: np.sort(np.asarray(v, dtype=np.int64)) for k, v in entries.items()}
        self._exits = {k: np.sort(np.asarray(v, dtype=np.int64)) for k, v in exits.items()}
        self._usual: dict[UnitKey, float] = {}

    def count(self, key: UnitKey, instants: Sequence[datetime]) -> np.ndarray:
        """Dossiers at the unit at each instant (an entry at the instant counts)."""
        at = np.asarray([_us(t) for t in instants], dtype=np.int64)
        entries = self._entries.get(key)
        if entries is None:
            return np.zeros(len(at), dtype=np.int64)
        exits = self._exits[key]
        inside = np.searchsorted(entries, at, side="right")
        left = np.searchsorted(exits, at, side="right")
        return (inside - left).astype(np.int64)

    def usual(self, key: UnitKey) -> float:
        """The median count a dossier met on reaching the unit."""
        if key not in self._usual:
            entries = self._entries.get(key)
            if entries is None or len(entries) == 0:
                self._usual[key] = 0.0
            else:
                met = np.searchsorted(entries, entries, side="right") - np.searchsorted(
                    self._exits[key], entries, side="right")
                self._usual[key] = float(np.median(met))
        return self._usual[key]

    def crowding(self, key: UnitKey, instants: Sequence[datetime]) -> np.ndarray:
        counts = self.count(key, instants)
        ratio = counts / max(self.usual(key), 1.0)
        return np.searchsorted(np.asarray(CROWDED), ratio, side="right").astype(np.int64)
