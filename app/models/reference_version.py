from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class ReferenceVersion(Base):
    """One row: a number that changes, on PostgreSQL, in the same transaction as every write to
    the tables a deadline context is read from (calendar overrides, office hours), by the
    statement triggers of migration 0018. It is drawn from a sequence, so a number is never
    used twice, even when the transaction that drew it rolls back: a context cached under a
    number is the context of that committed state, or of a transaction nobody else saw
    (app/deadlines/store/context_cache.py). SQLite has the row but no triggers (nothing caches
    there)."""

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
