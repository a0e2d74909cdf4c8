from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class WebhookDelivery(Base):
    """A signed delivery already taken, kept while its signature could still be replayed.

    `digest` is SHA-256 over the signature's timestamp and the MAC that matched: the same body
    sent again with the same signature has the same digest, however the header is decorated.
    The unique index makes two replicas agree on which of two simultaneous copies was first.
    """

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    endpoint: Mapped[str] = mapped_column(String(64))
    # the signature's timestamp: once older than the signature window, the row can go
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_id: Mapped[int | None] = mapped_column(Integer)
