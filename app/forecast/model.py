"""Remaining legal working time, learned as empirical distributions (pure numpy, no database).

Each finished dossier contributes, for every point of a 4-working-hour grid of its legal time,
one sample "remaining time until the finish", keyed by where it stood then: procedure, agency,
unit (current step) and a bin of the legal time already consumed. A forecast looks up the
samples of the open dossier's key and reads P(remaining > time left to the due) and the median.

Thin keys are pooled hierarchically by shrinkage: the estimate at each level is pulled toward
its parent's by `SHRINK` pseudo-samples (all → procedure → procedure × unit → procedure ×
agency × unit), so a unit seen 3 times says little and one seen 300 times says most. Empirical
frequencies are calibrated by construction when tomorrow resembles the learning window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Legal working hours consumed, bin edges: finer early, where most dossiers are.
BIN_EDGES = np.array([4, 8, 16, 24, 40, 56, 80, 120, 160, 240, 400], dtype=np.float64)
#: Hours held at the current unit, bin edges (a dossier parked for days is news).
HELD_EDGES = np.array([8, 24, 56], dtype=np.float64)
GRID_HOURS = 4.0
SHRINK = 20.0
#: Fewest samples for a level's median to be used for the expected finish.
MEDIAN_MIN = 10
_SPAN = 1e6  # > any remaining time in hours: separates groups inside one sorted array


@dataclass(frozen=True, slots=True)
class Segment:
    """A finished dossier's stay at one unit, in legal working hours from its clock start."""

    procedure: str
    agency: str
    unit: str
    start: float
    end: float
    total: float  # consumed at the finish
    crowding: int = 0  # how crowded the unit was when the dossier reached it (0–2)


@dataclass(frozen=True, slots=True)
class Query:
    procedure: str
    agency: str
    unit: str
    consumed: float  # legal hours consumed so far
    held: float  # legal hours at the current unit so far
    left: float  # legal hours left to the due (negative: already past)
    crowding: int = 0


@dataclass(frozen=True, slots=True)
class Prediction:
    probability_late: F64
    median_remaining: F64  # legal working hours
    samples: I64  # samples at the finest level that had any (how much the estimate rests on)


class _Level:
    """Sorted samples per key, concatenated, with offsets: one searchsorted answers all."""

    def __init__(self, keys: I64, values: F64) -> None:
        self.keys, inverse = np.unique(keys, return_inverse=True)
        order = np.lexsort((values, inverse))
        group = inverse[order].astype(np.float64)
        self.sorted = values[order]
        self.combined = group * _SPAN + self.sorted
        self.counts = np.bincount(inverse, minlength=len(self.keys)).astype(np.int64)
        self.offsets = np.concatenate(([0], np.cumsum(self.counts)[:-1])).astype(np.int64)

    def lookup(self, keys: I64) -> I64:
        """Group of each key, -1 when unseen."""
        if len(self.keys) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.keys, keys), 0, len(self.keys) - 1)
        return np.where(self.keys[pos] == keys, pos, -1).astype(np.int64)

    def tail(self, groups: I64, threshold: F64) -> tuple[F64, I64]:
        """P(sample > threshold) within each group, and the group's size (0 when unseen)."""
        seen = groups >= 0
        g = np.where(seen, groups, 0)
        n = np.where(seen, self.counts[g] if len(self.counts) else 0, 0)
        at_most = np.searchsorted(self.combined, g * _SPAN + threshold, side="right")
        p = 1.0 - (at_most - self.offsets[g] if len(self.offsets) else 0) / np.maximum(n, 1)
        return np.where(n > 0, p, np.nan), n.astype(np.int64)

    def median(self, groups: I64) -> F64:
        g = np.where(groups >= 0, groups, 0)
        if len(self.counts) == 0:
            return np.full(len(groups), np.nan)
        return np.where(groups >= 0, self.sorted[self.offsets[g] + self.counts[g] // 2], np.nan)


class _Vocabulary:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def id(self, name: str) -> int:
        return self.ids.setdefault(name, len(self.ids))

    def known(self, name: str) -> int:
        return self.ids.get(name, -1)


def _bins(consumed: F64) -> I64:
    return np.searchsorted(BIN_EDGES, consumed, side="right").astype(np.int64)


def _held_bins(held: F64) -> I64:
    return np.searchsorted(HELD_EDGES, held, side="right").astype(np.int64)


def _keys(p: I64, a: I64, u: I64, b: I64, h: I64, c: I64) -> list[I64]:
    """Composite keys, coarsest level first. Ids stay below 2**16, bins below 2**4."""
    unit = (((((p << 16) | u) << 2) | c) << 4) | b
    agency = (unit << 16) | a
    return [b, (p << 4) | b, unit, agency, (agency << 2) | h]


class RemainingTimeModel:
    def __init__(self, segments: Sequence[Segment]) -> None:
        self.procedures, self.agencies, self.units = _Vocabulary(), _Vocabulary(), _Vocabulary()
        rows_p: list[int] = []
        rows_a: list[int] = []
        rows_u: list[int] = []
        rows_c: list[int] = []
        points: list[F64] = []
        helds: list[F64] = []
        totals: list[F64] = []
        stays: dict[tuple[str, str], list[float]] = {}
        for s in segments:
            stays.setdefault((s.procedure, s.unit), []).append(s.end - s.start)
            stays.setdefault(("", s.unit), []).append(s.end - s.start)
            grid = np.arange(np.ceil(s.start / GRID_HOURS) * GRID_HOURS, s.end, GRID_HOURS)
            if len(grid) == 0:
                continue
            points.append(grid)
            helds.append(grid - s.start)
            totals.append(np.full(len(grid), s.total))
            count = len(grid)
            rows_p += [self.procedures.id(s.procedure)] * count
            rows_a += [self.agencies.id(s.agency)] * count
            rows_u += [self.units.id(s.unit)] * count
            rows_c += [s.crowding] * count
        consumed = np.concatenate(points) if points else np.zeros(0)
        remaining = (np.concatenate(totals) if totals else np.zeros(0)) - consumed
        held = np.concatenate(helds) if helds else np.zeros(0)
        keys = _keys(np.asarray(rows_p, dtype=np.int64), np.asarray(rows_a, dtype=np.int64),
                     np.asarray(rows_u, dtype=np.int64), _bins(consumed), _held_bins(held),
                     np.asarray(rows_c, dtype=np.int64))
        self.levels = [_Level(k, remaining) for k in keys]
        self.overall = _Level(np.zeros(len(remaining), dtype=np.int64), remaining)
        self.sample_count = len(remaining)
        self.typical_stay = {key: float(np.median(v)) for key, v in stays.items()}

    def stay_of(self, procedure: str, unit: str) -> float | None:
        """Median legal hours a dossier of this procedure stays at this unit."""
        found = self.typical_stay.get((procedure, unit))
        return found if found is not None else self.typical_stay.get(("", unit))

    def predict(self, queries: Sequence[Query]) -> Prediction:
        n = len(queries)
        p_ids, a_ids, u_ids = self.ids_many([(q.procedure, q.agency, q.unit) for q in queries])
        consumed = np.fromiter((q.consumed for q in queries), np.float64, n)
        held = np.fromiter((q.held for q in queries), np.float64, n)
        left = np.fromiter((q.left for q in queries), np.float64, n)
        crowding = np.fromiter((q.crowding for q in queries), np.int64, n)
        return self.predict_arrays(p_ids, a_ids, u_ids, consumed, held, left, crowding)

    def ids_many(self, keys: Sequence[tuple[str, str, str]]) -> tuple[I64, I64, I64]:
        """The (procedure, agency, unit) ids of each key (-1 = never seen), each distinct key
        looked up once: a province's 100,000 open dossiers share a few thousand keys."""
        found: dict[tuple[str, str, str], tuple[int, int, int]] = {}
        for key in keys:
            if key not in found:
                procedure, agency, unit = key
                found[key] = (self.procedures.known(procedure), self.agencies.known(agency),
                              self.units.known(unit))
        ids = np.asarray([found[key] for key in keys], dtype=np.int64).reshape(-1, 3)
        return ids[:, 0], ids[:, 1], ids[:, 2]

    def predict_arrays(
        self, p_ids: I64, a_ids: I64, u_ids: I64, consumed: F64, held: F64, left: F64,
        crowding: I64,
    ) -> Prediction:
        """`predict` on id arrays (`ids_many`; -1 = never seen), for callers that batch."""
        n = len(consumed)
        base, _ = self.overall.tail(np.zeros(n, dtype=np.int64), np.maximum(left, 0))
        probability = np.where(np.isnan(base), 0.5, base)
        median = np.full(n, np.nan)
        samples = np.zeros(n, dtype=np.int64)
        no_unit = (p_ids < 0) | (u_ids < 0)
        no_agency = no_unit | (a_ids < 0)
        unknown = (np.zeros(n, dtype=bool), p_ids < 0, no_unit, no_agency, no_agency)
        keys = _keys(np.maximum(p_ids, 0), np.maximum(a_ids, 0), np.maximum(u_ids, 0),
                     _bins(consumed), _held_bins(held), crowding)
        for depth, (level, key, missing) in enumerate(zip(self.levels, keys, unknown,
                                                           strict=True)):
            groups = np.where(missing, -1, level.lookup(key))
            p, count = level.tail(groups, left)
            has = count > 0
            p = np.nan_to_num(p)
            # the coarsest level (every dossier at this legal time) stands on its own
            pooled = (count * p + SHRINK * probability) / (count + SHRINK) if depth else p
            probability = np.where(has, pooled, probability)
            enough = count >= MEDIAN_MIN
            median = np.where(enough, level.median(groups), median)
            samples = np.where(has, count, samples)
        fallback = self.overall.median(np.zeros(n, dtype=np.int64))
        median = np.where(np.isnan(median), fallback, median)
        # Past the due, the dossier is late whatever happens next.
        probability = np.where(left <= 0, 1.0, probability)
        return Prediction(np.clip(probability, 0.0, 1.0), np.nan_to_num(median), samples)
