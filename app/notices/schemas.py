"""Notice I/O: what the API and `tthc notices list --json` return, and what they accept."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field, field_validator


class NoticeEventOut(BaseModel):
    action: str
    actor: str
    at: datetime
    note: str | None


class NoticeFileOut(BaseModel):
    format: str
    sha256: str
    url: str


class NoticeOut(BaseModel):
    id: int
    dossier_code: str
    status: str
    number: str = Field(description='Register number as printed, e.g. "12/PXL-UBND".')
    year: int
    agency_code: str
    agency_name: str
    procedure_code: str
    procedure_name: str
    legal_basis: str
    reason: str
    original_due_at: datetime
    new_due_at: datetime
    signer_name: str | None
    signer_title: str | None
    approved_by: str | None
    approved_at: datetime | None
    issued_by: str | None
    issued_at: datetime | None
    issued_in_time: bool | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class NoticeDetailOut(NoticeOut):
    events: list[NoticeEventOut]
    files: list[NoticeFileOut]


class NoticePage(BaseModel):
    items: list[NoticeOut]
    next_cursor: str | None


def _printable(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL (SQLite would), and no official notice needs control
    # characters: refused alike on both backends.
    if value is not None and any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("control characters are not allowed")
    return value


class NoticeCreate(BaseModel):
    dossier_code: str = Field(min_length=1, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)
    new_due_at: AwareDatetime | None = None

    _text = field_validator("dossier_code", "reason")(_printable)


class NoticePatch(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)
    new_due_at: AwareDatetime | None = None
    signer_name: str | None = Field(default=None, max_length=255)
    signer_title: str | None = Field(default=None, max_length=255)

    _text = field_validator("reason", "signer_name", "signer_title")(_printable)


class NoticeCancel(BaseModel):
    note: str | None = Field(default=None, max_length=2000)

    _text = field_validator("note")(_printable)


class PublicApologyOut(BaseModel):
    """One apology as the public sees it: no phone, no ID number, the name masked."""

    number: str
    dossier_code: str
    procedure_name: str
    agency_name: str
    applicant: str
    original_due_at: datetime
    new_due_at: datetime
    reason: str
    issued_at: datetime | None
    published_at: datetime | None


class PublicApologyPage(BaseModel):
    items: list[PublicApologyOut]
    next_cursor: str | None
