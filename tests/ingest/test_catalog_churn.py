"""Small deliveries on PostgreSQL leave the system catalogs alone (issue 20).

A temporary staging table per delivery inserted (and, once dropped, left dead) rows in
`pg_class`, `pg_attribute` and `pg_type` at every webhook delivery. The counts come from
`pg_stat_xact_sys_tables`: what the current transaction has inserted so far, which the test's
rolled-back transaction holds for every request it makes.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import pg_copy
from tests.ingest.payloads import dossier
from tests.ingest.test_webhook import URL, body_of, headers

CATALOGS = ("pg_class", "pg_attribute", "pg_type")


def catalog_inserts(session: Session) -> dict[str, int]:
    rows = session.execute(
        text("SELECT relname, n_tup_ins FROM pg_stat_xact_sys_tables WHERE relname = ANY(:t)"),
        {"t": list(CATALOGS)},
    )
    found = {name: int(count) for name, count in rows}
    return {name: found.get(name, 0) for name in CATALOGS}


def deliver(client: TestClient, first: int, count: int) -> None:
    for number in range(first, first + count):
        body = body_of([dossier(f"H21.65-250908-{number:04d}")])
        response = client.post(URL, content=body, headers=headers(body))
        assert response.status_code == 200, response.text


@pytest.fixture
def pg_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("system catalogs and staging tables are PostgreSQL's")


def test_300_single_record_deliveries_add_no_catalog_rows(
    pg_only: None, client: TestClient, db_session: Session
) -> None:
    deliver(client, 1, 3)  # the first deliveries of a connection may warm caches, not catalogs
    before = catalog_inserts(db_session)
    deliver(client, 4, 300)
    assert catalog_inserts(db_session) == before


def test_the_measure_sees_a_staging_table_per_delivery(
    pg_only: None, client: TestClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_copy, "COPY_MIN_ROWS", 1)  # every page through COPY, as before
    before = catalog_inserts(db_session)
    deliver(client, 1, 3)
    after = catalog_inserts(db_session)
    # each delivery creates a staging table for its progress steps (new raw records, dossiers
    # and applicants are COPYed straight into their tables): pg_class rows for it and its TOAST
    # table, and one pg_attribute row per column (plus the system columns) for each
    assert after["pg_class"] - before["pg_class"] >= 3 * 3
    assert after["pg_attribute"] - before["pg_attribute"] >= 3 * 25
