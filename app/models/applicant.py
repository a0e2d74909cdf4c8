from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class DossierApplicant(Base):
    """Personal data of a dossier's applicant, kept apart so public queries never join it."""

    __tablename__ = "dossier_applicant"

    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(255))
    fax: Mapped[str | None] = mapped_column(String(64))
    # [{"kind": 1, "number": "079..."}]
    id_numbers: Mapped[list[Any] | None] = mapped_column(JSON)
