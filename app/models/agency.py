from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, TimestampMixin


class Agency(TimestampMixin, Base):
    """A processing agency; `parent_id` lets rates roll up (commune -> district -> province)."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    governing_body: Mapped[str | None] = mapped_column(String(255))
    place: Mapped[str | None] = mapped_column(String(128))
    # Created from a dossier record rather than by an admin: worth a look.
    auto_created: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_approve_notices: Mapped[bool] = mapped_column(Boolean, default=False)
