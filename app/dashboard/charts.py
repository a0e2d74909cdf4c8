"""Chart geometry for the public page, drawn server-side as SVG: no script, no CDN, and the
numbers are in the HTML for screen readers and for tests. Rates are fractions (0.9833)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.dashboard.templating import month_label, percent
from app.rates.schemas import ReportGroup

# The trend chart's drawing box (SVG user units); the page scales it to the screen.
TREND_HEIGHT = 200
TREND_TOP = 22  # room for the percentage above a full column
TREND_BOTTOM = 36  # room for the month labels
TREND_COLUMN = 56
TREND_BAR = 34


@dataclass(frozen=True, slots=True)
class Bar:
    key: str
    label: str
    level: int
    rate: float | None
    width: float  # 0..100, the bar's length in percent of the track
    text: str  # "98,3 %" or "—"
    small_sample: bool
    resolved: int
    on_time: int  # early + on time
    late: int
    open_overdue: int


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    short_label: str
    rate: float | None
    text: str
    x: float
    y: float
    height: float
    label_x: float
    small_sample: bool


@dataclass(frozen=True, slots=True)
class Trend:
    columns: tuple[Column, ...]
    width: int
    height: int
    baseline: float


def _width(rate: float | None) -> float:
    return 0.0 if rate is None else round(max(0.0, min(1.0, rate)) * 100, 2)


def agency_bars(groups: Sequence[ReportGroup]) -> list[Bar]:
    return [
        Bar(
            key=g.key,
            label=g.label,
            level=min(g.level, 3),
            rate=g.on_time_rate,
            width=_width(g.on_time_rate),
            text=percent(g.on_time_rate),
            small_sample=g.small_sample,
            resolved=g.resolved,
            on_time=g.early + g.on_time,
            late=g.late,
            open_overdue=g.open_overdue,
        )
        for g in groups
    ]


def month_trend(groups: Sequence[ReportGroup]) -> Trend:
    usable = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    baseline = float(TREND_HEIGHT - TREND_BOTTOM)
    columns = []
    for index, g in enumerate(groups):
        height = round(usable * _width(g.on_time_rate) / 100, 2)
        left = index * TREND_COLUMN + (TREND_COLUMN - TREND_BAR) / 2
        year, _, month = g.key.partition("-")
        columns.append(
            Column(
                key=g.key,
                label=month_label(g.key),
                short_label=f"{int(month)}/{year[2:]}" if month.isdigit() else g.key,
                rate=g.on_time_rate,
                text=percent(g.on_time_rate),
                x=left,
                y=baseline - height,
                height=height,
                label_x=index * TREND_COLUMN + TREND_COLUMN / 2,
                small_sample=g.small_sample,
            )
        )
    return Trend(
        columns=tuple(columns),
        width=max(1, len(columns)) * TREND_COLUMN,
        height=TREND_HEIGHT,
        baseline=baseline,
    )
