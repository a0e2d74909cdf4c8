"""Builders for test rows. They flush, never commit, and take explicit instants."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy.orm import Session

from app.models import Agency, Dossier, DossierApplicant, DossierEvent, Procedure

ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Vietnamese local instant (UTC+7)."""
    return datetime(year, month, day, hour, minute, tzinfo=ICT)


def make_agency(
    session: Session, code: str, name: str | None = None, parent: Agency | None = None
) -> Agency:
    agency = Agency(
        code=code,
        name=name or f"Đơn vị {code}",
        parent_id=parent.id if parent else None,
        created_at=T0,
        updated_at=T0,
    )
    session.add(agency)
    session.flush()
    return agency


def make_procedure(
    session: Session,
    code: str,
    value: str | None = "5",
    unit: str | None = "working_days",
    *,
    field_code: str = "LV01",
    cutoff: time | None = None,
    restart_on_supplement: bool = False,
) -> Procedure:
    procedure = Procedure(
        code=code,
        name=f"Thủ tục {code}",
        field_code=field_code,
        field_name=f"Lĩnh vực {field_code}",
        processing_time=Decimal(value) if value is not None else None,
        processing_unit=unit,
        processing_time_text=None,
        cutoff=cutoff,
        restart_on_supplement=restart_on_supplement,
        in_catalogue=value is not None,
        created_at=T0,
        updated_at=T0,
    )
    session.add(procedure)
    session.flush()
    return procedure


def make_dossier(
    session: Session,
    code: str,
    agency: Agency,
    procedure: Procedure,
    received_at: datetime,
    *,
    status: int = 4,
    portal_due_at: datetime | None = None,
    finished_at: datetime | None = None,
    returned_at: datetime | None = None,
    channel: int | None = 2,
    applicant_name: str | None = "Nguyễn Văn An",
) -> Dossier:
    dossier = Dossier(
        code=code,
        procedure_id=procedure.id,
        agency_id=agency.id,
        channel=channel,
        applicant_type=1,
        status=status,
        received_at=received_at,
        portal_due_at=portal_due_at,
        finished_at=finished_at,
        returned_at=returned_at,
        legal_basis="118/2025/NĐ-CP",
        created_at=T0,
        updated_at=T0,
    )
    session.add(dossier)
    session.flush()
    session.add(
        DossierApplicant(
            dossier_id=dossier.id,
            name=applicant_name,
            phone="0912345678",
            id_numbers=[{"kind": 1, "number": "079123456789"}],
        )
    )
    session.flush()
    return dossier


def add_event(
    session: Session, dossier: Dossier, at: datetime, status: int, content: str = ""
) -> DossierEvent:
    key = f"{dossier.code}|{at.isoformat()}|{status}|{content}"
    event = DossierEvent(
        dossier_id=dossier.id,
        dedup_hash=hashlib.sha256(key.encode()).hexdigest(),
        at=at,
        status=status,
        content=content or None,
        recorded_at=T0,
    )
    session.add(event)
    session.flush()
    return event
