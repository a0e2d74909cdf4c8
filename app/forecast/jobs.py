"""The scheduled forecast: tell a unit, once, when one of its dossiers becomes likely late.

Kept apart from the five-minute scan: it learns from a year of history on every run, and an
hour is soon enough for a warning meant to come days before the due-soon rule. "Once" is the
outbox's idempotency key (`risk:<code>`): a second run, or a dossier that dips under the
threshold and crosses it again, queues nothing new.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.jobs import JobSpec
from app.delivery.service import Message, enqueue_many
from app.forecast import service
from app.forecast.forecasting import Forecast

CHANNEL: Final = "webhook"


def risk_message(f: Forecast) -> Message:
    """Facts only: codes, instants, the probability and the reasons (no applicant data)."""
    return Message(
        key=f"risk:{f.code}",
        kind="dossier_at_risk",
        channel=CHANNEL,
        payload={
            "event": "dossier_at_risk", "dossier_code": f.code, "agency_code": f.agency,
            "unit": f.unit, "probability_late": f.probability_late,
            "due_at": f.due_at.isoformat(), "expected_finish_at": f.expected_finish_at.isoformat(),
            "reasons": list(f.reasons),
        },
    )


def notify_at_risk(session: Session, now: datetime, threshold: float) -> dict[str, int]:
    # Already past the due is the overdue notice's business, not a forecast's.
    result = service.at_risk(session, now, min_probability=threshold, include_overdue=False)
    crossing = result.items
    queued = enqueue_many(session, [risk_message(f) for f in crossing], now)
    return {"open": result.open_dossiers, "at_risk": len(crossing), "notifications": queued}


def forecast_job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    return notify_at_risk(session, now, settings.forecast_risk_threshold)


JOBS = [
    JobSpec(
        id="forecast",
        func=forecast_job,
        interval_setting="forecast_interval_seconds",
        description="Forecast open dossiers; tell each unit once when one becomes likely late.",
    ),
]
