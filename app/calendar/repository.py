"""SQL for calendar overrides and office hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AgencyOfficeHours, CalendarOverrideRow


def list_overrides(
    session: Session, start: date | None = None, end: date | None = None
) -> Sequence[CalendarOverrideRow]:
    query = select(CalendarOverrideRow).order_by(CalendarOverrideRow.day)
    if start is not None:
        query = query.where(CalendarOverrideRow.day >= start)
    if end is not None:
        query = query.where(CalendarOverrideRow.day < end)
    return session.scalars(query).all()


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


def list_office_hours(session: Session) -> Sequence[AgencyOfficeHours]:
    return session.scalars(
        select(AgencyOfficeHours).order_by(
            AgencyOfficeHours.agency_id, AgencyOfficeHours.effective_from
        )
    ).all()


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
