from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class RawRecord(Base):
    """Every payload received, kept before validation; an identical payload is stored once.

    Retention moves the payloads of long-finished dossiers to compressed archive files
    (app/retention): the row stays, with ``payload`` empty and ``archived_in`` naming the file.
    """

    __tablename__ = "raw_record"
    __table_args__ = (
        # Retention walks the payloads still here in id order; the archived ones leave the index.
        Index("ix_raw_record_unarchived", "id", sqlite_where=text("archived_in IS NULL"),
              postgresql_where=text("archived_in IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    dossier_code: Mapped[str | None] = mapped_column(String(64), index=True)
    first_received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    times_received: Mapped[int] = mapped_column(Integer, default=1)
    # File (relative to TTHC_ARCHIVE_DIR) holding the payload once archived; None while here.
    archived_in: Mapped[str | None] = mapped_column(String(255))
