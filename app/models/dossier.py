from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, TimestampMixin
from app.db.types import UTCDateTime


class Dossier(TimestampMixin, Base):
    """One dossier with its clock state. Applicant data lives in `dossier_applicant`."""

    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_agency_id_received_at", "agency_id", "received_at"),
        Index("ix_dossier_classification_due_at", "classification", "due_at"),
        # The work lists walk open dossiers in (due_at, id) order and stop after one page.
        Index("ix_dossier_due_at_id", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    # KenhThucHien: 1 in person, 2 online, 3 public postal service; None = unknown (never guessed).
    channel: Mapped[int | None] = mapped_column(SmallInteger)
    # HinhThuc "1": the result is returned by post.
    result_by_post: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    applicant_type: Mapped[int | None] = mapped_column(SmallInteger)
    summary: Mapped[str | None] = mapped_column(Text)
    receipt_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(SmallInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    portal_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Legal due when the procedure's processing time is known, else the portal appointment.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_is_legal: Mapped[bool] = mapped_column(Boolean, default=False)
    clock_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_working_minutes: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    classification: Mapped[str | None] = mapped_column(String(16))
    # When the current classification was first found (set only when it changes).
    classified_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appointment_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    # "61/2018/NĐ-CP" before 1 July 2025, "118/2025/NĐ-CP" after.
    legal_basis: Mapped[str] = mapped_column(String(32))
    # New date given in an apology notice; never used to classify.
    reappointed_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_without_apology: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    newest_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The newest instant the last applied snapshot stated itself (PORTAL.md: a snapshot is dated
    # by its own instants): an older snapshot changes no field, an equal or newer one does.
    snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    raw_record_id: Mapped[int | None] = mapped_column(ForeignKey("raw_record.id"))
    note: Mapped[str | None] = mapped_column(Text)
