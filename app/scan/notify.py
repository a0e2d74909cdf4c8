"""Outbox messages the scan raises: a dossier became overdue, a re-appointed one escalated.

Payloads carry facts only (codes, dates, flags): never the applicant's name, phone or ID.
The idempotency key names the fact, so a second scan, or a scan racing another, queues nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from app.deadlines.store.open_rows import OpenDossier
from app.delivery.service import Message
from app.models import Agency

CHANNEL: Final = "webhook"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _facts(dossier: OpenDossier, agency: Agency | None) -> dict[str, object]:
    return {
        "dossier_code": dossier.code,
        "agency_code": agency.code if agency else None,
        "agency_name": agency.name if agency else None,
        "due_at": _iso(dossier.due_at),
        "reappointed_due_at": _iso(dossier.reappointed_due_at),
        "late_without_apology": dossier.late_without_apology,
    }


def overdue(dossier: OpenDossier, agency: Agency | None) -> Message:
    return Message(
        key=f"overdue:{dossier.code}",
        kind="dossier_overdue",
        channel=CHANNEL,
        payload={"event": "dossier_overdue", **_facts(dossier, agency)},
    )


def escalation(dossier: OpenDossier, agency: Agency | None) -> Message:
    return Message(
        key=f"escalation:{dossier.code}",
        kind="escalation",
        channel=CHANNEL,
        payload={
            "event": "escalation",
            "reason": "Hồ sơ đã quá ngày hẹn lại; không được hẹn lại lần thứ hai, "
            "chuyển Thủ trưởng cơ quan xử lý.",
            **_facts(dossier, agency),
        },
    )
