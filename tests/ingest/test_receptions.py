"""Push receptions: one ingest_run row per source, sender and minute, counts summed; old rows
folded (per-delivery history into minutes, minutes into local days) without losing a count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.core.clock import LOCAL_TZ
from app.ingest import receptions
from app.ingest.receptions import Sender, minute_key
from app.ingest.service import IngestCounts
from app.models import IngestRun, PushQueue
from tests.ingest.payloads import dossier
from tests.ingest.test_webhook import URL, body_of, headers

T = datetime(2026, 3, 2, 16, 59, 10, tzinfo=UTC)  # 23:59:10 in Hà Nội


def runs(session: Session) -> list[IngestRun]:
    session.expire_all()
    return list(session.scalars(select(IngestRun).order_by(IngestRun.id)))


def totals(session: Session) -> tuple[int, ...]:
    row = session.execute(select(*[func.sum(getattr(IngestRun, name))
                                   for name in receptions.COUNTED])).one()
    return tuple(int(v or 0) for v in row)


def test_deliveries_of_one_sender_and_minute_share_one_row(db_session: Session) -> None:
    def receive(sender: str, at: datetime, stored: int = 1, unchanged: int = 0) -> int:
        return receptions.record_receptions(
            db_session, [("webhook", receptions.Sender(sender, "H21.65"),
                          IngestCounts(stored=stored, unchanged=unchanged))], at)[0]

    first = receive("DongBoHoSoMC từ H21.65", T)
    assert receive("DongBoHoSoMC từ H21.65", T + timedelta(seconds=40), 2, 1) == first
    other_sender = receive("DongBoHoSoMC từ H21.66", T)
    next_minute = receive("DongBoHoSoMC từ H21.65", T + timedelta(seconds=50))
    assert len({first, other_sender, next_minute}) == 3
    row = next(r for r in runs(db_session) if r.id == first)
    assert (row.pages, row.stored, row.unchanged, row.status) == (2, 3, 1, "succeeded")
    assert (row.detail, row.agency_code, row.sender_id) == (
        "DongBoHoSoMC từ H21.65", "H21.65", None)
    assert row.summary_key == "webhook||H21.65|DongBoHoSoMC từ H21.65|2026-03-02 23:59"
    assert (row.started_at, row.finished_at) == (T, T + timedelta(seconds=40))


def test_a_webhook_reply_names_its_minute_row(client: TestClient, db_session: Session) -> None:
    replies = []
    for number in (1, 2, 3):
        body = body_of([dossier(f"H21.65-250908-000{number}")])
        replies.append(client.post(URL, content=body, headers=headers(body)).json())
    rows = {r.id: r for r in runs(db_session)}
    assert {reply["run_id"] for reply in replies} == set(rows)  # 1 row, 2 across a minute
    assert sum(r.pages for r in rows.values()) == 3 and sum(r.stored for r in rows.values()) == 3
    assert all(r.summary_key and r.summary_key.startswith("webhook||H21.65|DongBoHoSoMC từ H21.65|")
               and r.agency_code == "H21.65" for r in rows.values())


def _legacy(session: Session, at: datetime, stored: int = 1, source: str = "webhook",
            status: str = "succeeded") -> None:
    session.add(IngestRun(source=source, detail="DongBoHoSoMC từ H21.65", started_at=at,
                          finished_at=at, status=status, stored=stored, updated=0, unchanged=1,
                          quarantined=0, pages=1))
    session.flush()


def test_per_delivery_history_folds_into_minutes(db_session: Session) -> None:
    for second in range(0, 120, 10):  # 12 deliveries over two minutes
        _legacy(db_session, T + timedelta(seconds=second))
    _legacy(db_session, T, source="dvc_portal")  # a pull: a run of its own, kept as it is
    _legacy(db_session, T, status="failed")
    before = totals(db_session)
    folded = receptions.fold_deliveries_into_minutes(db_session, T + timedelta(days=1), 5)
    assert (folded.rows, folded.into) == (5, 1)  # bounded: the 5 oldest, all of 23:59
    assert totals(db_session) == before
    _legacy(db_session, T + timedelta(seconds=5))  # arrives late: joins its minute's row
    before = totals(db_session)
    folded = receptions.fold_deliveries_into_minutes(db_session, T + timedelta(days=1), 100)
    assert (folded.rows, folded.into) == (8, 3)  # 23:59 (joined), 00:00 and 00:01
    assert totals(db_session) == before
    rows = runs(db_session)
    assert sorted(r.pages for r in rows if r.summary_key) == [1, 6, 6]
    assert [r.source for r in rows if r.summary_key is None] == ["dvc_portal", "webhook"]
    assert receptions.fold_deliveries_into_minutes(db_session, T + timedelta(days=1), 100).rows == 0


def test_minutes_older_than_the_limit_fold_into_local_days(db_session: Session) -> None:
    for minutes in (0, 1, 2, 60 * 24 * 40):  # 23:59, 00:00 and 00:01 (the next local day), later
        receptions.record_receptions(
            db_session, [("webhook", receptions.Sender("s"), IngestCounts(stored=1, updated=2))],
            T + timedelta(minutes=minutes))
    before = totals(db_session)
    folded = receptions.fold_minutes_into_days(db_session, T + timedelta(days=30), 100)
    assert (folded.rows, folded.into) == (3, 2)
    assert totals(db_session) == before
    keys = sorted(r.summary_key or "" for r in runs(db_session))
    assert keys == ["webhook|||s|2026-03-02", "webhook|||s|2026-03-03",
                    "webhook|||s|2026-04-11 23:59"]
    assert receptions.count_foldable(db_session, minutes_before=T + timedelta(days=30),
                                     deliveries_before=T + timedelta(days=30)) == (0, 0)


def test_a_minute_a_queued_delivery_names_waits_to_fold(db_session: Session) -> None:
    """The queue's processor counts a delivery in its row of the minute by id: folded away
    first, the delivery's counts would have nowhere to go (a backlog older than the retention
    horizon, after a long outage)."""
    receptions.record_receptions(
        db_session, [("webhook", receptions.Sender("s"), IngestCounts(stored=1))], T)
    (row,) = runs(db_session)
    db_session.add(PushQueue(raw_ids=[], source="webhook", kind="dossier", run_id=row.id,
                             dossier_codes=[], received_at=T))
    db_session.flush()
    later = T + timedelta(days=30)
    assert receptions.count_foldable(db_session, minutes_before=later,
                                     deliveries_before=later) == (0, 0)
    assert receptions.fold_minutes_into_days(db_session, later, 100).rows == 0
    db_session.execute(delete(PushQueue))
    assert receptions.fold_minutes_into_days(db_session, later, 100).rows == 1



def test_a_minute_key_names_the_local_minute_whatever_the_instants_zone() -> None:
    sender = Sender("DongBoHoSoMC từ H21.65", "H21.65", 7)
    at = datetime(2026, 12, 6, 23, 59, 30, tzinfo=UTC)
    key = minute_key("dvcqg", sender, at)
    assert key == "dvcqg|7|H21.65|DongBoHoSoMC từ H21.65|2026-12-07 06:59"
    assert minute_key("dvcqg", sender, at.astimezone(LOCAL_TZ)) == key
    assert minute_key("dvcqg", sender, at + timedelta(seconds=30)).endswith("2026-12-07 07:00")
