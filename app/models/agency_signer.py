from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, TimestampMixin


class AgencySigner(TimestampMixin, Base):
    """How an agency signs and numbers its apology notices (form 04). A table of its own, not
    columns of `agency`: ingest reads agencies on every record and never needs these."""

    __tablename__ = "agency_signer"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    # The abbreviation after "PXL-" in notice numbers (e.g. "UBND", "STP"); None: initials.
    notice_symbol: Mapped[str | None] = mapped_column(String(32))
    # e.g. "Trần Văn Hùng", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    signer_name: Mapped[str | None] = mapped_column(String(255))
    signer_title: Mapped[str | None] = mapped_column(String(255))
