"""SQL of the calendar admin's changes (the reads the clock needs: app.deadlines.store)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AgencyOfficeHours, CalendarOverrideRow


def get_override(session: Session, day: date) -> CalendarOverrideRow | None:
    return session.scalars(
        select(CalendarOverrideRow).where(CalendarOverrideRow.day == day)
    ).first()


def add_override(session: Session, row: CalendarOverrideRow) -> CalendarOverrideRow:
    session.add(row)
    session.flush()
    return row


def delete_override(session: Session, row: CalendarOverrideRow) -> None:
    session.delete(row)
    session.flush()


def get_office_hours(
    session: Session, agency_id: int | None, effective_from: date
) -> AgencyOfficeHours | None:
    agency_match = (
        AgencyOfficeHours.agency_id.is_(None)
        if agency_id is None
        else AgencyOfficeHours.agency_id == agency_id
    )
    return session.scalars(
        select(AgencyOfficeHours).where(
            agency_match, AgencyOfficeHours.effective_from == effective_from
        )
    ).first()
