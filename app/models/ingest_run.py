from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class IngestRun(Base):
    """One pull or file import with its counts; or the push deliveries of one sender in one
    minute (or, once retention folded them, one local day) summed in one row, ``pages`` counting
    the deliveries (app/ingest/receptions.py; on PostgreSQL a delivery accepted into the push
    queue is counted once processed, app/ingest/queue_repository.py)."""

    __tablename__ = "ingest_run"
    # An index rather than a constraint: SQLite adds it without rebuilding the table.
    __table_args__ = (Index("uq_ingest_run_summary_key", "summary_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    # "source|sender|minute or day" for a summary of push deliveries, None for a pull or import
    summary_key: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # running | succeeded | failed
    status: Mapped[str] = mapped_column(String(16))
    stored: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The sending agency (the envelope's madonvi) of a webhook delivery; None for pulls and
    # file imports, which carry many agencies' records: only admins see those runs.
    agency_code: Mapped[str | None] = mapped_column(String(64), index=True)
    # The registered sender of a push delivery (None: pulls, files, the signed webhook).
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("sender.id", ondelete="SET NULL"), index=True
    )


class ConnectorState(Base):
    """Where a pull connector stopped; advanced only after the page it describes is committed."""

    __tablename__ = "connector_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_since: Mapped[str | None] = mapped_column(String(14))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
