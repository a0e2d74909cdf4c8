"""Data and look-ups shared by the partitioning tests (tests/db/test_partitioning*.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from app.db.partitions import tables as partitioning
from app.ingest.service import ingest_records
from tests.ingest.payloads import NOW, as_records, dossier, stamp, step

# Received in June, July and at local midnight on 1 September (still 31 August in UTC); NOW is
# 15 September 2025.
RECEIVED = [stamp(10, 8, month=6), stamp(2, 9, month=7), stamp(1, 0, month=9)]
CODES = [f"H21.65-25{r[4:8]}-000{i}" for i, r in enumerate(RECEIVED, start=1)]
STEPS = {
    CODES[0]: [
        (stamp(10, 8, month=6), 2), (stamp(11, 9, month=7), 4),
        (stamp(12, 10, month=8), 5), (stamp(1, 0, month=9), 4),  # local midnight: September
    ],
    CODES[1]: [(stamp(2, 9, month=7), 2), (stamp(12, 11, month=8), 4)],
    CODES[2]: [(stamp(1, 0, month=9), 2), (stamp(10, 9, month=9), 4)],
}
# Rows per monthly partition after seeding.
DOSSIERS_BY_MONTH = {"2025_06": 1, "2025_07": 1, "2025_09": 1}
EVENTS_BY_MONTH = {"2025_06": 1, "2025_07": 2, "2025_08": 2, "2025_09": 3}
TABLES = ("dossier", "dossier_event", "dossier_applicant", "rate_rollup")


def seed(engine: Engine, now: datetime = NOW) -> None:
    payloads = [
        dossier(code, received=received,
                steps=[step(code, at, status) for at, status in STEPS[code]])
        for code, received in zip(CODES, RECEIVED, strict=True)
    ]
    with Session(engine) as session:
        counts = ingest_records(session, "test", as_records(payloads), now)
        session.commit()
    assert counts.stored == len(CODES)


def columns(engine: Engine) -> dict[str, list[str]]:
    """The columns each of TABLES has now (a downgrade below a later revision drops some)."""
    found = inspect(engine)
    return {table: [c["name"] for c in found.get_columns(table)] for table in TABLES}


def snapshot(
    engine: Engine, only: dict[str, list[str]] | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a layout change must keep, in a stable order (`only`: just
    those columns of each table)."""
    with engine.connect() as conn:
        return {
            table: sorted(tuple(r) for r in conn.execute(text(
                f"SELECT {', '.join(only[table]) if only else '*'} FROM {table}"
            )))
            for table in TABLES
        }


def rows_by_partition(engine: Engine, table: str) -> dict[str, int]:
    """Rows per partition, keyed by the suffix after the table name ("2025_06", "default")."""
    with engine.connect() as conn:
        query = f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1"
        rows = conn.execute(text(query))
        return {name.removeprefix(f"{table}_").removeprefix("p"): int(n) for name, n in rows}


def partition(engine: Engine, now: datetime, months_ahead: int) -> partitioning.PartitionResult:
    with engine.begin() as conn:
        return partitioning.partition_tables(conn, now, months_ahead)


def partitions(engine: Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return partitioning.partition_names(conn, table)


def layout(engine: Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        return {t: partitioning.is_partitioned(conn, t) for t in ("dossier", "dossier_event")}
