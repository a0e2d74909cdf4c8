from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

#: Month index standing for "never" (no finish, no due, not paused): later than any period.
NEVER_MONTH = 999_999


class RateRollup(Base):
    """Dossier counters by agency and month signature, kept exact by database triggers.

    The key is the agency and the local month index (year * 12 + month - 1) of the receipt
    (`rm`), the finish (`fm`), the due (`dm`) and the pause start (`pm`) of the dossiers counted
    in the row, NEVER_MONTH when absent. Values count dossiers (`n`) and the period-independent
    facts the rates need (see app/rates/rollups/repository.py). Written by the triggers of
    migration 0002, and by the scan's grouped counts while they defer the UPDATE trigger
    (migration 0017); app/rates/rollups reads it and can rebuild it.
    """

    __tablename__ = "rate_rollup"

    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rm: Mapped[int] = mapped_column(Integer, primary_key=True)
    fm: Mapped[int] = mapped_column(Integer, primary_key=True)
    dm: Mapped[int] = mapped_column(Integer, primary_key=True)
    pm: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, server_default="0")
    online: Mapped[int] = mapped_column(BigInteger, server_default="0")
    postal: Mapped[int] = mapped_column(BigInteger, server_default="0")
    ex1: Mapped[int] = mapped_column(BigInteger, server_default="0")
    ex3: Mapped[int] = mapped_column(BigInteger, server_default="0")
    ex7: Mapped[int] = mapped_column(BigInteger, server_default="0")
    ex8: Mapped[int] = mapped_column(BigInteger, server_default="0")
    early: Mapped[int] = mapped_column(BigInteger, server_default="0")
    on_time: Mapped[int] = mapped_column(BigInteger, server_default="0")
    late: Mapped[int] = mapped_column(BigInteger, server_default="0")
    lwa: Mapped[int] = mapped_column(BigInteger, server_default="0")
    lwa_late: Mapped[int] = mapped_column(BigInteger, server_default="0")
    fbr: Mapped[int] = mapped_column(BigInteger, server_default="0")
    fswt: Mapped[int] = mapped_column(BigInteger, server_default="0")


class RateRollupDeferral(Base):
    """While the writing transaction holds a row here, the rollup's UPDATE trigger skips that
    transaction's updates: it counts them itself, grouped (migration 0017,
    `app.rates.rollups.service.counted_in_bulk`). Other transactions never see the row."""

    __tablename__ = "rate_rollup_deferral"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
