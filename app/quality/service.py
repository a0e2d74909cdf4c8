"""Recording and summarising data-quality anomalies (the "Chất lượng dữ liệu" page).

An anomaly is keyed by (dossier, code, subject): the field a parser flag names, or the step
(instant and text) a reading flag names. Seeing it again counts it again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from app.deadlines.store.steps import StepReading
from app.quality import repository
from app.quality.vocabulary import field_message, step_message, title
from connectors import DataFlag

SUBJECT_CHARS: Final = 128
WORST_LIMIT: Final = 20


@dataclass(frozen=True, slots=True)
class Anomaly:
    code: str
    title: str
    message: str
    count: int
    first_seen_at: datetime
    last_seen_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


def _row(dossier_id: int, code: str, subject: str, message: str, source: str,
         sender_id: int | None, now: datetime) -> dict[str, Any]:
    return {"dossier_id": dossier_id, "code": code, "subject": subject[:SUBJECT_CHARS],
            "message": message, "source": source, "sender_id": sender_id,
            "first_seen_at": now, "last_seen_at": now, "count": 1}


def record(
    session: Session,
    *,
    flags: Iterable[tuple[int, DataFlag]],
    readings: Mapping[int, StepReading],
    source: str,
    sender_id: int | None,
    now: datetime,
) -> int:
    """Record the parser's flags and the step readings' flags of these dossiers (by id);
    returns how many anomalies were seen."""
    rows: dict[tuple[int, str, str], dict[str, Any]] = {}
    for dossier_id, flag in flags:
        row = _row(dossier_id, flag.code, flag.field,
                   field_message(flag.code, flag.field, flag.value), source, sender_id, now)
        rows.setdefault((dossier_id, flag.code, row["subject"]), row)
    for dossier_id, reading in readings.items():
        for step_flag in reading.flags:
            at = step_flag.at.isoformat() if step_flag.at else ""
            row = _row(dossier_id, step_flag.code, f"{at} {step_flag.detail}",
                       step_message(step_flag.code, step_flag.at, step_flag.detail), source,
                       sender_id, now)
            rows.setdefault((dossier_id, step_flag.code, row["subject"]), row)
    repository.record(session, list(rows.values()))
    return len(rows)


def of_dossier(session: Session, dossier_id: int) -> list[Anomaly]:
    return [
        Anomaly(a.code, title(a.code), a.message, a.count, a.first_seen_at, a.last_seen_at)
        for a in repository.of_dossier(session, dossier_id)
    ]


@dataclass(frozen=True, slots=True)
class QualityReport:
    codes: list[tuple[str, str]]  # (code, title) of the codes present, in order
    by_sender: dict[str, dict[str, int]]  # sender -> code -> dossiers
    by_agency: dict[str, dict[str, int]]
    worst: list[repository.WorstRow]
    worst_codes: dict[str, list[str]]


def _table(rows: list[repository.CountRow]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row.key, {})[row.code] = row.dossiers
    return table


def report(session: Session, agency_ids: Collection[int] | None) -> QualityReport:
    senders = repository.by_sender(session, agency_ids)
    agencies = repository.by_agency(session, agency_ids)
    present = sorted({r.code for r in senders} | {r.code for r in agencies})
    worst = repository.worst_dossiers(session, agency_ids, WORST_LIMIT)
    return QualityReport(
        codes=[(code, title(code)) for code in present],
        by_sender=_table(senders),
        by_agency=_table(agencies),
        worst=worst,
        worst_codes=repository.codes_of(session, [w.code for w in worst]),
    )
