from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class WorkListEntry(BaseModel):
    code: str
    status: int
    procedure_code: str
    procedure_name: str
    field_code: str | None
    agency_code: str
    agency_name: str
    received_at: datetime
    due_at: datetime
    portal_due_at: datetime | None
    working_hours_late: float = Field(description="> 0: late by; < 0: working hours left")
    appointment_mismatch: bool
    reappointed_due_at: datetime | None
    late_without_apology: bool
    escalated: bool


class WorkListPage(BaseModel):
    as_of: datetime
    items: list[WorkListEntry]
    next_cursor: str | None


class TimelineEntry(BaseModel):
    at: datetime
    status: int
    content: str | None
    department: str | None


class ApplicantOut(BaseModel):
    name: str | None
    phone: str | None
    email: str | None
    id_numbers: list[Any] | None = Field(
        description="Masked as on the dashboard: the first 4 and last 2 characters at most"
    )


class AnomalyOut(BaseModel):
    code: str
    message: str


class DossierDetail(BaseModel):
    code: str
    status: int
    summary: str | None
    channel: int | None = Field(description="KenhThucHien: 1 in person, 2 online, 3 by post; "
                                            "null: the sender did not say")
    result_by_post: bool
    legal_basis: str
    procedure_code: str
    procedure_name: str
    procedure_in_catalogue: bool
    agency_code: str
    agency_name: str
    received_at: datetime
    finished_at: datetime | None
    returned_at: datetime | None
    state: dict[str, Any] = Field(description="The deadline state as of `as_of`")
    explanation: dict[str, Any] = Field(description="Step-by-step arithmetic of the due time")
    explanation_text: str
    timeline: list[TimelineEntry]
    applicant: ApplicantOut | None = Field(
        description="Personal data; shown to supervisors and admins of the dossier's agency only"
    )
    anomalies: list[AnomalyOut] = Field(
        default_factory=list, description="What the senders got wrong about this dossier"
    )
