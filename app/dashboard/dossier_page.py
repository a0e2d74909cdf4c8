"""`/giam-sat/ho-so/{code}`: one dossier, its timeline and its explained deadline.

Calls the same service as `GET /api/v1/dossiers/{code}`: `detail` (which refuses a dossier of
another agency and explains the deadline), whose steps the page lays out so that a supervisor can
redo the arithmetic by hand.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.api.deps import SessionDep
from app.core.clock import utcnow
from app.core.privacy import masked_id_numbers
from app.dashboard.access import Supervisor, page_context
from app.dashboard.errors import page_errors
from app.dashboard.notices_page import done_message
from app.dashboard.step_timeline import timeline_picture
from app.dashboard.templating import render
from app.deadlines.explain_text import CLASSIFICATION_VI, PAUSE_STATUS_VI
from app.deadlines.status import CLOSED
from app.deadlines.step_types import UNATTRIBUTED_REASONS
from app.dossiers import service, step_views
from app.notices import repository as notices
from app.notices.drafting import DEFAULT_REASON
from app.notices.numbering import notice_number
from app.procedures.schemas import time_label, with_phrase
from connectors import NO_STATUS, STATUS_NAMES
from connectors.portal.vocabulary import CHANNEL_TITLES

router = APIRouter(prefix="/giam-sat", include_in_schema=False)

# A step may have no status (a sender with no mapping for its local one): said so, not "0".
STEP_NAMES = {**STATUS_NAMES, NO_STATUS: "Không có mã trạng thái"}
NOTICE_STATUS_VI = {
    "draft": "Bản nháp, chờ duyệt",
    "approved": "Đã duyệt, chờ phát hành",
    "issued": "Đã phát hành",
    "published": "Đã công khai",
    "cancelled": "Đã hủy",
}


@router.get("/ho-so/{code:path}")
def dossier_detail(
    code: str,
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    da: Annotated[str | None, Query(max_length=20)] = None,
    so: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    now = utcnow()
    with page_errors(f"Không mở được hồ sơ {code}."):
        view = service.detail(session, code, now, principal.agency_ids, with_applicant=True)
    state, explanation, applicant = view.state, view.explanation, view.applicant
    dossier = state.dossier
    notice = notices.for_dossier(session, dossier.id)
    # a dossier still being processed may get one apology (a cancelled draft may be redone)
    open_dossier = dossier.finished_at is None and dossier.status not in CLOSED
    steps = view.steps
    return render(
        request,
        "dossier.html.j2",
        {
            **page_context(request, principal, ""),
            "now": now,
            "d": dossier,
            "procedure": state.procedure,
            "agency": view.agency,
            "result": state.result,
            "x": explanation,
            "events": state.events,
            "status_names": STATUS_NAMES,
            "step_names": STEP_NAMES,
            "channels": CHANNEL_TITLES,
            "classification": CLASSIFICATION_VI,
            "pause_statuses": PAUSE_STATUS_VI,
            "notice": notice,
            "notice_number": notice_number(notice) if notice else None,
            "notice_status": NOTICE_STATUS_VI,
            "can_draft": open_dossier and (notice is None or notice.status == "cancelled"),
            "default_reason": DEFAULT_REASON,
            "message": done_message(da, so),
            "applicant": applicant,
            # half-masked even here: a supervisor needs to recognise one, not copy it
            "applicant_ids": [e["number"] for e in masked_id_numbers(
                applicant.id_numbers if applicant else None)],
            "explanation_text": explanation.to_text(),
            "anomalies": state.anomalies,
            # DEADLINES.md §8: who held it, and which step ate the time
            "step_timeline": steps,
            "steps_picture": timeline_picture(steps),
            "steps_text": step_views.steps_text(steps),
            "unattributed": UNATTRIBUTED_REASONS,
            "processing_time_shown": with_phrase(
                time_label(state.procedure.processing_time, state.procedure.processing_unit),
                state.procedure.processing_time_phrase,
            ) if state.procedure else None,
        },
    )
