"""A pull from the portal simulator (uvicorn on 127.0.0.1) through every transport fault.

Each case pulls the same seeded dataset into a fresh database through one fault, and ends by
comparing the database with a clean pull of the same data: the same dossiers, statuses and
progress events, each exactly once. Sleeps of the retry policy are recorded, not slept, so the
tests are bounded by the simulator's own delays only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.core.background_server import BackgroundServer, free_port
from app.core.clock import utcnow
from app.db.session import make_engine, make_session_factory
from app.ingest.runs import RunSummary, run_pull
from app.models import Dossier, DossierEvent, IngestRun
from connectors import get_connector
from connectors.simulator import Faults, create_simulator_app, generate_dataset
from connectors.simulator.dataset import Dataset
from tests.conftest import DatabaseFactory

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
DOSSIERS = 150
PAGE = 10
Snapshot = dict[str, tuple[int, int]]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate_dataset(DOSSIERS, seed=11, now=NOW, malformed_ratio=0.0)


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def pull(url: str, base_url: str, *, client: httpx.Client | None = None,
         sleeps: Sleeps | None = None, **options: Any) -> RunSummary:
    engine = make_engine(url)
    try:
        factory: sessionmaker[Session] = make_session_factory(engine)
        config: dict[str, Any] = {"max_retries": 40, "budget_seconds": 10_000, "timeout": 5.0,
                                  **options}
        if client is not None:
            config["client"] = client
        connector = get_connector("dvc_portal", base_url=base_url, token="sim-token",
                                  page_size=PAGE, sleep=sleeps or Sleeps(), **config)
        return run_pull(factory, connector, utcnow)
    finally:
        engine.dispose()


def snapshot(url: str) -> Snapshot:
    """Per dossier code: (status, number of progress events)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            events = dict(conn.execute(select(DossierEvent.dossier_id, func.count())
                                       .group_by(DossierEvent.dossier_id)).all())
            rows = conn.execute(select(Dossier.id, Dossier.code, Dossier.status)).all()
            assert len(rows) == len({code for _, code, _ in rows})  # no code twice
            return {code: (status, int(events.get(i, 0))) for i, code, status in rows}
    finally:
        engine.dispose()


def runs(url: str) -> list[tuple[str, int]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [(s, p) for s, p in conn.execute(
                select(IngestRun.status, IngestRun.pages).order_by(IngestRun.id))]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def reference(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """A clean pull of the dataset: what every faulty pull must end with."""
    url = f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}"
    from app.db import migrate

    migrate.upgrade(url)
    with BackgroundServer(create_simulator_app(dataset)) as server:
        summary = pull(url, server.url)
    assert summary.succeeded and summary.counts.stored == DOSSIERS
    expected = {dataset.code_of(p): int(p["TrangThaiHoSo"]) for p in dataset.dossiers}
    result = snapshot(url)
    assert {code: status for code, (status, _) in result.items()} == expected
    assert all(n > 0 for _, n in result.values())
    return result


@pytest.fixture
def fresh(backend: str, database_factory: DatabaseFactory) -> Iterator[str]:
    yield database_factory.create(backend)


def test_portal_down_then_back(
    dataset: Dataset, reference: Snapshot, fresh: str
) -> None:
    port = free_port()
    sleeps = Sleeps()
    down = pull(fresh, f"http://127.0.0.1:{port}", sleeps=sleeps, max_retries=3)
    assert down.status == "failed" and down.pages == 0
    assert down.error is not None and "connection error" in down.error
    assert len(sleeps.calls) == 3  # retried with backoff, then gave up with a reason
    assert snapshot(fresh) == {}
    with BackgroundServer(create_simulator_app(dataset), port=port) as server:
        up = pull(fresh, server.url)
    assert up.succeeded and up.counts.stored == DOSSIERS
    assert snapshot(fresh) == reference
    assert runs(fresh) == [("failed", 0), ("succeeded", DOSSIERS // PAGE)]


@pytest.mark.parametrize("fault", ["5xx", "429", "slow"])
def test_transport_faults_are_retried_and_nothing_is_lost_or_doubled(
    dataset: Dataset, reference: Snapshot, fresh: str, fault: str
) -> None:
    faults = {
        "5xx": Faults(error_rate=0.5, seed=5),
        "429": Faults(rate_limit_rate=0.5, retry_after_seconds=7, seed=6),
        "slow": Faults(slow_rate=0.35, slow_seconds=0.6, seed=7),
    }[fault]
    sleeps = Sleeps()
    with BackgroundServer(create_simulator_app(dataset, faults)) as server:
        summary = pull(fresh, server.url, sleeps=sleeps, timeout=0.3)
    assert summary.succeeded, summary.error
    assert sleeps.calls, "the fault never happened"
    if fault == "429":
        assert all(s == 7 for s in sleeps.calls)  # the portal's Retry-After is honoured
    assert summary.counts.stored == DOSSIERS
    assert snapshot(fresh) == reference


class TruncatingTransport(httpx.HTTPTransport):
    """Real loopback HTTP, but every third response body is cut in half."""

    def __init__(self) -> None:
        super().__init__()
        self._n = itertools.count(1)
        self.truncated = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if next(self._n) % 3:
            return response
        content = response.read()
        self.truncated += 1
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers,
                              content=content[: len(content) // 2])


def test_truncated_json_is_retried_and_nothing_is_lost_or_doubled(
    dataset: Dataset, reference: Snapshot, fresh: str
) -> None:
    transport = TruncatingTransport()
    with BackgroundServer(create_simulator_app(dataset)) as server, \
            httpx.Client(transport=transport) as client:
        summary = pull(fresh, server.url, client=client)
    assert summary.succeeded, summary.error
    assert transport.truncated >= 2
    assert snapshot(fresh) == reference


def test_chaos_with_duplicates_and_stale_copies_converges(
    dataset: Dataset, reference: Snapshot, fresh: str
) -> None:
    with BackgroundServer(create_simulator_app(dataset, Faults.chaos(9, 0.0))) as server:
        first = pull(fresh, server.url)
        again = pull(fresh, server.url)  # incremental: only the boundary instant comes back
    assert first.succeeded and again.succeeded
    assert first.counts.stored == DOSSIERS and again.counts.stored == 0
    assert first.counts.unchanged + first.counts.updated > 0  # the extras really arrived
    assert snapshot(fresh) == reference
