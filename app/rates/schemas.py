"""Pydantic I/O of the rates package. Rates are fractions (0.9833 = 98.33 %), null when their
denominator is zero."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

GroupBy = Literal["agency", "procedure", "field", "channel", "month"]
ExportFormat = Literal["json", "csv", "xlsx"]

RATE_DEFINITIONS: dict[str, str] = {
    "on_time_rate": "(early + on_time) / resolved — the rate provinces publish",
    "late_rate_all": "(late + open_overdue) / (resolved + open_at_end) — some portals publish it",
    "progress_score": "weight × (early + on_time + open_in_time) / (resolved + open_at_end) — "
    "the national scorecard's progress group (Decision 766/QĐ-TTg)",
    "early_share": "early / resolved",
    "online_share": "received online (channel 2) / received",
    "postal_share": "received by public postal service (channel 3) / received",
    "identity": "received + carried_over = resolved + open_at_end + excluded",
}


class Figures(BaseModel):
    received: int
    received_online: int
    received_in_person_or_postal: int
    received_postal: int
    carried_over: int
    total_to_process: int = Field(description="received + carried_over (II.06a 'Tổng số')")
    resolved: int
    early: int
    on_time: int
    late: int
    resolved_no_due: int
    open_at_end: int
    open_in_time: int = Field(description="includes paused dossiers")
    open_paused: int
    open_overdue: int
    open_no_due: int
    excluded: int
    excluded_not_accepted: int
    excluded_refused: int
    excluded_withdrawn: int
    excluded_stopped: int
    late_without_apology: int
    apologies_issued: int
    apologies_on_time: int
    on_time_rate: float | None
    late_rate_all: float | None
    progress_score: float | None
    early_share: float | None
    online_share: float | None
    postal_share: float | None
    apologies_on_time_share: float | None
    sample_size: int = Field(description="resolved + open at the end, with a due time")
    small_sample: bool
    reconciles: bool
    findings: list[str]


class ReportGroup(Figures):
    key: str
    label: str
    parent_key: str | None = None
    level: int = 0
    mean_working_days: float | None = None
    median_working_days: float | None = None


class ProcessingTimeRow(BaseModel):
    procedure_code: str
    procedure_name: str
    finished: int
    mean_working_days: float
    median_working_days: float


class UnitRate(BaseModel):
    """One unit's steps finished in the period."""

    unit: str
    agency: str
    inter_agency: bool
    steps: int
    early: int
    on_time: int
    late: int
    no_due: int
    on_time_rate: float | None  # (early + on_time) / (early + on_time + late)
    overrun_working_hours: float  # the late steps' overruns added up
    small_sample: bool


class PeriodReport(Figures):
    period_from: datetime
    period_to: datetime
    group_by: GroupBy | None
    scope: str | None = Field(description="agency code the report is limited to; null: all")
    progress_score_weight: float
    small_sample_threshold: int
    groups: list[ReportGroup] | None
    processing_times: list[ProcessingTimeRow]
    definitions: dict[str, str]
    # DEADLINES.md §8: units whose steps finished late in the period (with processing times)
    late_steps_by_unit: list[UnitRate] = []


class PublicRateRow(BaseModel):
    agency_code: str
    agency_name: str
    month: str
    received: int
    resolved: int
    early: int
    on_time: int
    late: int
    open_in_time: int
    open_overdue: int
    on_time_rate: float | None
    late_rate_all: float | None
    progress_score: float | None
    small_sample: bool


class PublicRates(BaseModel):
    period_from: datetime
    period_to: datetime
    small_sample_threshold: int
    rows: list[PublicRateRow]
