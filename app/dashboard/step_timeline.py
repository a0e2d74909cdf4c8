"""The dossier page's step picture (DEADLINES.md §8): one row per step, its working time against
its allotment, so a supervisor sees at a glance which step ate the time — on a phone too (the
SVG scales to the width; one row per step, labels above the bars, no hover needed).

Per row: the allotment as a dashed frame; the working time used inside it (green, or blue when
the step has no allotment); the overrun past it (red); the citizen's paused time (grey, after).
This module computes the geometry; `_steps.html.j2` draws it (autoescaped).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.deadlines.explain_text import hours_text
from app.deadlines.step_explain import STEP_CLASS_VI
from app.deadlines.step_types import StepSpan, StepTimeline

WIDTH = 360
ROW = 52
BAR = 16
LABEL = 15


@dataclass(frozen=True)
class Bar:
    kind: str  # used | free | over | paused
    x: float
    width: float


@dataclass(frozen=True)
class Row:
    step: StepSpan
    y: int  # top of the row
    name: str
    caption: str
    bars: tuple[Bar, ...]
    allotted_width: float | None  # the dashed frame

    @property
    def bar_y(self) -> int:
        return self.y + LABEL + 4


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    bar: int
    rows: tuple[Row, ...]


def _scale(steps: tuple[StepSpan, ...]) -> Decimal:
    """Pixels per working hour. A month-long overrun would shrink every allotment to a sliver:
    the scale shows at most three times the largest allotment, longer bars run to the edge
    (their figures are in the caption)."""
    longest = max((max(s.allotted_hours or 0, s.working_hours + s.paused_hours)
                   for s in steps), default=Decimal(0))
    allotted = max((s.allotted_hours or Decimal(0) for s in steps), default=Decimal(0))
    if allotted > 0:
        longest = min(Decimal(longest), allotted * 3)
    return Decimal(WIDTH) / max(Decimal(longest), Decimal(1))


def _clip(bars: list[Bar]) -> tuple[Bar, ...]:
    kept = []
    for bar in bars:
        width = min(bar.width, WIDTH - bar.x)
        if width > 0:
            kept.append(Bar(bar.kind, bar.x, width))
    return tuple(kept)


def _row(step: StepSpan, y: int, scale: Decimal) -> Row:
    allotted = step.allotted_hours
    used, over, paused = step.working_hours, step.overrun_working_hours, step.paused_hours
    name = f"{step.position + 1}. {step.unit}" + (f" — {step.name}" if step.name else "")
    figures = (f"{hours_text(used)}/{hours_text(allotted)} giờ" if allotted is not None
               else f"{hours_text(used)} giờ")
    if over:
        figures += f", vượt {hours_text(over)}"
    caption = f"{STEP_CLASS_VI[step.classification]} · {figures}"
    if step.open:
        caption += " · đang xử lý"
    inside = max(used - over, Decimal(0))
    bars = [Bar("used" if allotted is not None else "free", 0.0, float(inside * scale))]
    if over:
        bars.append(Bar("over", float(inside * scale), float(over * scale)))
    if paused:
        bars.append(Bar("paused", float((inside + over) * scale), float(paused * scale)))
    frame = None if allotted is None else min(float(allotted * scale), float(WIDTH))
    return Row(step, y, name, caption, _clip(bars), frame)


def timeline_picture(timeline: StepTimeline) -> Picture | None:
    steps = timeline.all_steps
    if not steps:
        return None
    scale = _scale(steps)
    rows = tuple(_row(step, i * ROW, scale) for i, step in enumerate(steps))
    return Picture(WIDTH, ROW * len(steps), BAR, rows)
