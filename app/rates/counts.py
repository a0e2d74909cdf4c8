"""The period's counters and the pure arithmetic that turns them into rates (RATES.md).

Counting (SQL, `repository.py`) and assembly (here) are kept apart so that a rollup table can
feed the same `assemble()` later. Every counter is additive: the counts of a province are the
sum of its agencies' counts, and a report's totals are the sum of its groups.

The identity every report must satisfy, for the period [from, to):

    received + carried_over == resolved + open_at_end + excluded

where `received` counts every dossier accepted in the period (excluded ones included),
`carried_over` the non-excluded ones accepted before `from` and still open at `from`,
`resolved` those finished in the period, `open_at_end` those still open at `to` and `excluded`
those accepted in the period whose status is 1, 3, 7 or 8. A dossier breaks it only when its
stored times contradict each other (finished before it was received); `findings` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Self


@dataclass(frozen=True, slots=True)
class PeriodCounts:
    received: int = 0
    received_online: int = 0  # channel 2
    received_postal: int = 0  # channel 3
    carried_over: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    resolved_no_due: int = 0  # finished, but no due time stored: cannot be classified
    open_in_time: int = 0  # paused ones included, as RATES.md says
    open_paused: int = 0
    open_overdue: int = 0
    open_no_due: int = 0
    excluded: int = 0
    excluded_not_accepted: int = 0  # status 1
    excluded_refused: int = 0  # status 3
    excluded_withdrawn: int = 0  # status 7
    excluded_stopped: int = 0  # status 8
    late_without_apology: int = 0
    apologies_issued: int = 0
    apologies_on_time: int = 0
    # Data-quality counters: shown as findings, never silently dropped.
    finished_before_received: int = 0
    finished_status_without_time: int = 0

    def __add__(self, other: PeriodCounts) -> PeriodCounts:
        return PeriodCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v or 0) for k, v in values.items() if k in names})

    @property
    def received_in_person_or_postal(self) -> int:
        return self.received - self.received_online

    @property
    def early_or_on_time(self) -> int:
        return self.resolved_early + self.resolved_on_time

    @property
    def resolved(self) -> int:
        return self.early_or_on_time + self.resolved_late + self.resolved_no_due

    @property
    def open_at_end(self) -> int:
        return self.open_in_time + self.open_overdue + self.open_no_due

    @property
    def total_to_process(self) -> int:
        """Biểu II.06a's 'Tổng số' of dossiers to handle: received in the period + carried over."""
        return self.received + self.carried_over


@dataclass(frozen=True, slots=True)
class RateFigures:
    counts: PeriodCounts
    on_time_rate: float | None
    late_rate_all: float | None
    progress_score: float | None
    early_share: float | None
    online_share: float | None
    postal_share: float | None
    apologies_on_time_share: float | None
    sample_size: int
    small_sample: bool
    reconciles: bool
    findings: tuple[str, ...]


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def reconciliation_findings(c: PeriodCounts) -> tuple[bool, list[str]]:
    left = c.received + c.carried_over
    right = c.resolved + c.open_at_end + c.excluded
    findings: list[str] = []
    reconciles = left == right
    if not reconciles:
        findings.append(
            f"Số liệu không khớp: tiếp nhận ({c.received}) + kỳ trước chuyển qua "
            f"({c.carried_over}) = {left}, nhưng đã giải quyết ({c.resolved}) + đang giải quyết "
            f"({c.open_at_end}) + không tính ({c.excluded}) = {right}; chênh lệch {left - right}."
        )
    if c.finished_before_received:
        findings.append(
            f"{c.finished_before_received} hồ sơ có thời điểm kết thúc xử lý trước thời điểm "
            "tiếp nhận."
        )
    if c.finished_status_without_time:
        findings.append(
            f"{c.finished_status_without_time} hồ sơ ở trạng thái đã xử lý xong/đã trả kết quả "
            "nhưng không có thời điểm kết thúc: đang được tính là chưa giải quyết."
        )
    if c.resolved_no_due:
        findings.append(
            f"{c.resolved_no_due} hồ sơ đã giải quyết không có hạn xử lý: không xếp loại "
            "được, không tính vào tỷ lệ."
        )
    if c.open_no_due:
        findings.append(
            f"{c.open_no_due} hồ sơ đang giải quyết không có hạn xử lý: không tính vào tỷ lệ."
        )
    return reconciles, findings


def assemble(
    counts: PeriodCounts, *, progress_score_weight: float, small_sample_threshold: int
) -> RateFigures:
    """RATES.md's rates from the counters. A rate is None when its denominator is zero.

    - on_time_rate = (early + on_time) / resolved (the rate provinces publish);
    - late_rate_all = (late + open overdue) / (resolved + open at the end) (some portals);
    - progress_score = weight × (early + on_time + open in time) / (resolved + open at the end).
    Dossiers without a due time are left out of every denominator (and named in `findings`).
    """
    c = counts
    classified_resolved = c.early_or_on_time + c.resolved_late
    classified_open = c.open_in_time + c.open_overdue
    population = classified_resolved + classified_open
    progress = _ratio(c.early_or_on_time + c.open_in_time, population)
    reconciles, findings = reconciliation_findings(c)
    return RateFigures(
        counts=c,
        on_time_rate=_ratio(c.early_or_on_time, classified_resolved),
        late_rate_all=_ratio(c.resolved_late + c.open_overdue, population),
        progress_score=None if progress is None else progress_score_weight * progress,
        early_share=_ratio(c.resolved_early, classified_resolved),
        online_share=_ratio(c.received_online, c.received),
        postal_share=_ratio(c.received_postal, c.received),
        apologies_on_time_share=_ratio(c.apologies_on_time, c.apologies_issued),
        sample_size=population,
        small_sample=population < small_sample_threshold,
        reconciles=reconciles,
        findings=tuple(findings),
    )
