"""Issue 4's acceptance: a pull from the simulator in fault mode stores every dossier exactly once
with its latest status, quarantines exactly the malformed records, and a second pull changes
nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.core.background_server import BackgroundServer
from app.db.session import make_engine, make_session_factory
from app.ingest.runs import RunSummary, run_pull
from app.models import Dossier, DossierEvent, QuarantineEntry, RawRecord
from connectors import get_connector, parse_dossier
from connectors.simulator import Faults, create_simulator_app, generate_dataset

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def _pull(factory: object, base_url: str) -> RunSummary:
    connector = get_connector(
        "dvc_portal",
        base_url=base_url,
        token="sim-token",
        page_size=40,
        max_retries=50,
        budget_seconds=10_000,
        sleep=lambda _seconds: None,
    )
    return run_pull(factory, connector, lambda: NOW)  # type: ignore[arg-type]


def test_fault_mode_pull_is_exact_and_idempotent(fresh_database_url: str) -> None:
    dataset = generate_dataset(300, seed=3, now=NOW, malformed_ratio=0.03)
    assert dataset.malformed_codes
    faults = Faults.chaos(seed=4, slow_seconds=0.05)
    engine = make_engine(fresh_database_url)
    factory = make_session_factory(engine)
    try:
        with BackgroundServer(create_simulator_app(dataset, faults)) as server:
            first = _pull(factory, server.url)
            assert first.succeeded, first.error
            second = _pull(factory, server.url)
        assert second.succeeded, second.error
        assert (second.counts.stored, second.counts.updated) == (0, 0)

        with factory() as session:
            codes = session.scalars(select(Dossier.code)).all()
            assert len(codes) == len(set(codes))
            assert set(codes) == set(dataset.valid_codes)
            latest = {
                code: parse_dossier(payload).status
                for code, payload in dataset.by_code().items()
                if code in dataset.valid_codes
            }
            stored = {c: s for c, s in session.execute(select(Dossier.code, Dossier.status))}
            assert stored == latest
            quarantined = session.execute(
                select(QuarantineEntry.dossier_code, RawRecord.payload).join(
                    RawRecord, RawRecord.id == QuarantineEntry.raw_record_id
                )
            ).all()
            quarantined_codes = {dataset.code_of(json.loads(payload)) for _, payload in quarantined}
            assert quarantined_codes == set(dataset.malformed_codes)
            events = session.scalar(select(func.count()).select_from(DossierEvent))
            distinct = session.scalar(
                select(func.count()).select_from(
                    select(DossierEvent.dossier_id, DossierEvent.dedup_hash).distinct().subquery()
                )
            )
            assert events == distinct
    finally:
        engine.dispose()
