"""All SQL of data quality: recording anomalies and counting them for the dashboard."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import Agency, Dossier, DossierAnomaly, Sender

IN_CHUNK = 500


def record(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert anomalies; one already recorded (same dossier, code and subject) counts once more
    and takes the latest message, sender and instant."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement: Any = (postgresql.insert(DossierAnomaly) if dialect == "postgresql"
                      else sqlite.insert(DossierAnomaly))
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["dossier_id", "code", "subject"],
        set_={
            "count": DossierAnomaly.count + excluded.count,
            "last_seen_at": excluded.last_seen_at,
            "message": excluded.message,
            "source": excluded.source,
            "sender_id": func.coalesce(excluded.sender_id, DossierAnomaly.sender_id),
        },
    )
    session.flush()
    session.connection().execute(statement, list(rows))


def of_dossier(session: Session, dossier_id: int) -> list[DossierAnomaly]:
    return list(session.scalars(
        select(DossierAnomaly).where(DossierAnomaly.dossier_id == dossier_id)
        .order_by(DossierAnomaly.first_seen_at, DossierAnomaly.id)
    ))


def _scope(agency_ids: Collection[int] | None) -> ColumnElement[bool]:
    return true() if agency_ids is None else Dossier.agency_id.in_(sorted(agency_ids))


@dataclass(frozen=True, slots=True)
class CountRow:
    key: str  # sender name, or the source for deliveries without a registered sender
    code: str
    dossiers: int
    times: int


def by_sender(session: Session, agency_ids: Collection[int] | None) -> list[CountRow]:
    who = func.coalesce(Sender.name, DossierAnomaly.source)
    rows = session.execute(
        select(who, DossierAnomaly.code, func.count(func.distinct(DossierAnomaly.dossier_id)),
               func.sum(DossierAnomaly.count))
        .join(Dossier, Dossier.id == DossierAnomaly.dossier_id)
        .outerjoin(Sender, Sender.id == DossierAnomaly.sender_id)
        .where(_scope(agency_ids))
        .group_by(who, DossierAnomaly.code)
        .order_by(who, DossierAnomaly.code)
    )
    return [CountRow(str(k), str(c), int(d), int(t or 0)) for k, c, d, t in rows]


def by_agency(session: Session, agency_ids: Collection[int] | None) -> list[CountRow]:
    rows = session.execute(
        select(Agency.name, DossierAnomaly.code,
               func.count(func.distinct(DossierAnomaly.dossier_id)),
               func.sum(DossierAnomaly.count))
        .join(Dossier, Dossier.id == DossierAnomaly.dossier_id)
        .join(Agency, Agency.id == Dossier.agency_id)
        .where(_scope(agency_ids))
        .group_by(Agency.name, DossierAnomaly.code)
        .order_by(Agency.name, DossierAnomaly.code)
    )
    return [CountRow(str(k), str(c), int(d), int(t or 0)) for k, c, d, t in rows]


@dataclass(frozen=True, slots=True)
class WorstRow:
    code: str
    agency: str
    kinds: int
    times: int
    last_seen_at: datetime


def worst_dossiers(
    session: Session, agency_ids: Collection[int] | None, limit: int
) -> list[WorstRow]:
    kinds = func.count(DossierAnomaly.id)
    rows = session.execute(
        select(Dossier.code, Agency.name, kinds, func.sum(DossierAnomaly.count),
               func.max(DossierAnomaly.last_seen_at))
        .join(Dossier, Dossier.id == DossierAnomaly.dossier_id)
        .join(Agency, Agency.id == Dossier.agency_id)
        .where(_scope(agency_ids))
        .group_by(Dossier.code, Agency.name)
        .order_by(kinds.desc(), func.sum(DossierAnomaly.count).desc(), Dossier.code)
        .limit(limit)
    )
    return [WorstRow(str(c), str(a), int(k), int(t or 0), last) for c, a, k, t, last in rows]


def codes_of(session: Session, dossier_codes: Sequence[str]) -> dict[str, list[str]]:
    """The anomaly codes of each of these dossiers."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(dossier_codes), IN_CHUNK):
        part = list(dossier_codes[start:start + IN_CHUNK])
        rows = session.execute(
            select(Dossier.code, DossierAnomaly.code)
            .join(Dossier, Dossier.id == DossierAnomaly.dossier_id)
            .where(Dossier.code.in_(part)).order_by(DossierAnomaly.code)
        )
        for dossier_code, code in rows:
            found.setdefault(dossier_code, []).append(code)
    return found


def per_sender(session: Session) -> dict[int, int]:
    """Anomalies recorded for each registered sender."""
    rows = session.execute(
        select(DossierAnomaly.sender_id, func.sum(DossierAnomaly.count))
        .where(DossierAnomaly.sender_id.is_not(None)).group_by(DossierAnomaly.sender_id)
    )
    return {int(s): int(n or 0) for s, n in rows if s is not None}
