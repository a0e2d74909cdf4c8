"""The rollup answers exactly what the naive GROUP BY answers, on random data, both backends.

Random dossiers are drawn around month boundaries (local midnights included) with every
nullable instant sometimes absent, then updated and deleted at random so that every trigger path
runs; after each step the rollup must equal a fresh count and every report must equal the naive
query, whole and by agency, with and without a scope: month-aligned ones from the rollup alone,
the others (a bound inside a month, as the public page's "now") from the rollup and the live
months together, with bounds on the edges and on the dossiers' own instants.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import Dossier, RateRollup
from app.rates import repository as naive
from app.rates.rollups import service
from app.rates.rollups.months import month_start, month_start_index
from tests.factories import ICT, make_agency, make_dossier, make_procedure

MONTH_STARTS = [datetime(2025, m, 1, tzinfo=ICT) for m in range(1, 13)] + [
    datetime(2026, m, 1, tzinfo=ICT) for m in range(1, 4)
]


def _instant(rng: random.Random) -> datetime:
    base = rng.choice(MONTH_STARTS)
    # a third exactly on a local month start or a microsecond around it: the edges that matter
    edge = rng.random()
    if edge < 0.2:
        return base
    if edge < 0.3:
        return base - timedelta(microseconds=1)
    return base + timedelta(minutes=rng.randrange(-20 * 24 * 60, 40 * 24 * 60))


def _maybe(rng: random.Random, after: datetime, share: float) -> datetime | None:
    if rng.random() < share:
        return None
    # mostly after receipt, sometimes before it (a data error the report must count)
    return after + timedelta(minutes=rng.randrange(-3 * 24 * 60, 70 * 24 * 60))


def _randomise(rng: random.Random, d: Dossier) -> None:
    d.received_at = _instant(rng)
    d.status = rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 10, 10])
    d.channel = rng.choice([None, 1, 2, 2, 3])
    d.finished_at = _maybe(rng, d.received_at, 0.5)
    d.returned_at = _maybe(rng, d.received_at, 0.7)
    d.due_at = _maybe(rng, d.received_at, 0.2)
    d.paused_since = _maybe(rng, d.received_at, 0.8)
    d.late_without_apology = rng.random() < 0.3


def _populate(session: Session, rng: random.Random, count: int) -> list[Dossier]:
    root = make_agency(session, "TINH")
    agencies = [root]
    for i in range(4):
        agencies.append(make_agency(session, f"SO{i}", parent=root))
    agencies.append(make_agency(session, "XA0", parent=agencies[1]))
    procedure = make_procedure(session, "P1")
    dossiers = []
    for i in range(count):
        d = make_dossier(session, f"R-{i:05d}", rng.choice(agencies), procedure,
                         datetime(2025, 1, 1, tzinfo=UTC), applicant_name=None)
        _randomise(rng, d)
        dossiers.append(d)
    session.flush()
    return dossiers


def _periods(rng: random.Random, instants: list[datetime]) -> list[tuple[datetime, datetime]]:
    periods = [(MONTH_STARTS[0], MONTH_STARTS[12]), (MONTH_STARTS[3], MONTH_STARTS[6])]
    for _ in range(6):
        a, b = sorted(rng.sample(range(len(MONTH_STARTS)), 2))
        periods.append((MONTH_STARTS[a], MONTH_STARTS[b]))
    # a year up to "now" (inside a month), as the public page asks; then any bounds at all
    for _ in range(4):
        periods.append((MONTH_STARTS[rng.randrange(4)], _instant(rng)))
    for _ in range(4):
        a, b = sorted([_instant(rng), rng.choice(instants)])
        periods.append((a, b + timedelta(hours=rng.randrange(0, 48 * 30))))
    same_month = MONTH_STARTS[5] + timedelta(days=3)
    periods.append((same_month, same_month + timedelta(days=9)))
    return [(a, b) for a, b in periods if a < b]


def _assert_same(session: Session, rng: random.Random, scopes: list[frozenset[int] | None]) -> None:
    assert service.verify(session) == []
    instants = [i for d in session.scalars(select(Dossier)) for i in (d.received_at, d.due_at)
                if i is not None]
    for start, end in _periods(rng, instants):
        for group_by in (None, "agency"):
            for scope in scopes:
                expected = naive.count_dossiers(
                    session, start, end, group_by=group_by, agency_ids=scope  # type: ignore[arg-type]
                )
                got = service.count_dossiers(
                    session, start, end, group_by=group_by, agency_ids=scope
                )
                assert got == {k: {c: int(v) if c != "group_key" else v for c, v in row.items()}
                               for k, row in expected.items()}, (start, end, group_by, scope)


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_equals_naive_counts_through_inserts_updates_and_deletes(
    db_session: Session, seed: int
) -> None:
    rng = random.Random(seed)
    dossiers = _populate(db_session, rng, 400)
    ids = sorted({d.agency_id for d in dossiers})
    scopes: list[frozenset[int] | None] = [None, frozenset(ids[1:3])]
    _assert_same(db_session, rng, scopes)

    for d in rng.sample(dossiers, 150):  # the update trigger, one column or all of them
        if rng.random() < 0.5:
            _randomise(rng, d)
        else:
            d.status = rng.choice([4, 9, 10, 3])
            d.agency_id = rng.choice(ids)
    db_session.flush()
    _assert_same(db_session, rng, scopes)

    doomed = [d.id for d in rng.sample(dossiers, 60)]
    db_session.expunge_all()
    db_session.execute(delete(Dossier).where(Dossier.id.in_(doomed)))
    db_session.flush()
    _assert_same(db_session, rng, scopes)
    assert db_session.scalar(select(RateRollup).where(RateRollup.n == 0)) is None


def test_rebuild_restores_a_damaged_rollup(db_session: Session) -> None:
    rng = random.Random(7)
    _populate(db_session, rng, 120)
    db_session.execute(delete(RateRollup))
    assert service.verify(db_session) != []
    assert service.rebuild(db_session) > 0
    assert service.verify(db_session) == []


def test_the_rollup_answers_total_and_agency_reports_with_any_bounds() -> None:
    jan, feb = MONTH_STARTS[0], MONTH_STARTS[1]
    assert service.covers(jan, feb, None)
    assert service.covers(jan, feb, "agency")
    assert not service.covers(jan, feb, "procedure")
    assert service.covers(jan + timedelta(days=1), feb, None)
    assert service.covers(jan, feb - timedelta(microseconds=1), "agency")
    assert month_start_index(jan.astimezone(UTC)) == 2025 * 12
    assert month_start_index(datetime(2025, 1, 1)) is None  # naive: refused
    assert month_start(2025 * 12 + 11) == datetime(2025, 12, 1, tzinfo=ICT)
