from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class ScanWatermark(Base):
    """Where the scheduled scan goes on from (app/scan/jobs.py): written in the scan's own
    transaction, so it moves only when the scan's work commits."""

    __tablename__ = "scan_watermark"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # `now` of the last scan that committed, and of the last full one
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    full_scan_at: Mapped[datetime] = mapped_column(UTCDateTime())
