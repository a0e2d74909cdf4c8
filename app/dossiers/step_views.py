"""A dossier's steps beside its deadline state: `tthc dossier show --json`, explain, the page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.deadlines.step_explain import timeline_lines
from app.deadlines.step_types import StepTimeline
from app.deadlines.store.step_sync import timeline_for_state
from app.deadlines.store.sync import DeadlineContext
from app.dossiers.service import DossierState


def timeline_of_state(
    session: Session, state: DossierState, context: DeadlineContext
) -> StepTimeline:
    return timeline_for_state(session, state.dossier, state.events, state.result, context)


def steps_summary(timeline: StepTimeline) -> dict[str, Any]:
    """`steps` (finished, then the open one) and `responsible_agency` (None while not late;
    "unattributed" when no step overran, the reason in `responsible`)."""
    return timeline.to_dict()


def steps_text(timeline: StepTimeline) -> str:
    lines = timeline_lines(timeline)
    if not lines:
        return "Các bước xử lý: chưa có bản ghi tiến độ, quy trình nội bộ chưa khai báo."
    return "\n".join(["Các bước xử lý (quy trình nội bộ):", *lines])
