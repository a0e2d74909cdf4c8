"""Outbox messages the scan raises: a dossier became overdue, a re-appointed one escalated.

Payloads carry facts only (codes, dates, flags): never the applicant's name, phone or ID.
The idempotency key names the fact, so a second scan, or a scan racing another, queues nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from app.deadlines.store.open_rows import OpenDossier
from app.delivery.payloads import PayloadShape
from app.delivery.service import ShapedMessage
from app.models import Agency

CHANNEL: Final = "webhook"
_FACTS: Final = ("dossier_code", "agency_code", "agency_name", "due_at", "reappointed_due_at",
                 "late_without_apology")
OVERDUE: Final = PayloadShape(CHANNEL, ("event", *_FACTS))
ESCALATION: Final = PayloadShape(CHANNEL, ("event", "reason", *_FACTS))
ESCALATION_REASON: Final = ("Hồ sơ đã quá ngày hẹn lại; không được hẹn lại lần thứ hai, "
                            "chuyển Thủ trưởng cơ quan xử lý.")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _facts(dossier: OpenDossier, agency: Agency | None) -> tuple[object, ...]:
    """The values of `_FACTS`, in order."""
    return (
        dossier.code,
        agency.code if agency else None,
        agency.name if agency else None,
        iso(dossier.due_at),
        iso(dossier.reappointed_due_at),
        dossier.late_without_apology,
    )


def overdue(dossier: OpenDossier, agency: Agency | None) -> ShapedMessage:
    return ShapedMessage(f"overdue:{dossier.code}", "dossier_overdue", OVERDUE,
                         ("dossier_overdue", *_facts(dossier, agency)))


def escalation(dossier: OpenDossier, agency: Agency | None) -> ShapedMessage:
    return ShapedMessage(f"escalation:{dossier.code}", "escalation", ESCALATION,
                         ("escalation", ESCALATION_REASON, *_facts(dossier, agency)))
