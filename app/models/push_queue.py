from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime

#: PostgreSQL keeps the lists as arrays (`= ANY(...)`, `unnest`); SQLite never queues
#: (app/ingest/push_queue.py) and only needs the table to exist.
_INTS = JSON().with_variant(postgresql.ARRAY(Integer()), "postgresql")
_CODES = JSON().with_variant(postgresql.ARRAY(String(64)), "postgresql")


class PushQueue(Base):
    """A push delivery accepted and answered, whose records are not processed yet.

    Its raw records exist already (``raw_ids``, in the delivery's order); the background
    processor (app/ingest/push_queue.py) ingests them in id order and deletes the row in the
    same transaction. ``run_id`` is the delivery's row of the minute (`ingest_run`): the
    accept only finds it; the processor counts the delivery in it (its page, its first and last
    acceptance, its records' outcomes). ``page_counted``: the page was counted at acceptance
    (a delivery accepted by the code before migration 0021), so the processor does not count
    it again.
    ``dossier_codes``: the dossiers the delivery's snapshots name, so that a later progress
    step of one of them is accepted before the snapshot is processed.
    """

    __tablename__ = "push_queue"
    # a progress step's accept looks its dossier up here (migration 0022); PostgreSQL only
    __table_args__ = (
        Index("ix_push_queue_dossier_codes", "dossier_codes", postgresql_using="gin",
              postgresql_with={"fastupdate": "off"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_ids: Mapped[list[int]] = mapped_column(_INTS)
    source: Mapped[str] = mapped_column(String(32))
    # the delivery's service: dossier (DongBoHoSoMC) or progress (CapNhatTienDoHoSoMC); one
    # payload sent as both shares one raw row, which keeps the first kind only
    kind: Mapped[str] = mapped_column(String(16))
    # the registered sender (None: the signed webhook); no foreign key: a sender removed
    # while its delivery waits must not take the delivery with it
    sender_id: Mapped[int | None] = mapped_column(Integer)
    # the envelope's madonvi / MaDinhDanhDV: stands in for an empty DonViXuLy when parsing
    # (text: it is kept as the sender wrote it, whatever its length, as the records carry it)
    agency_code: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(Integer)
    dossier_codes: Mapped[list[str] | Any] = mapped_column(_CODES)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    page_counted: Mapped[bool] = mapped_column(Boolean, server_default=true())
