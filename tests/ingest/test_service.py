"""The one ingest path: raw records, quarantine, upserts, ordering rules, idempotency."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.ingest import intake
from app.ingest.service import Delivered, ingest_deliveries, ingest_records
from app.models import (
    Agency,
    Dossier,
    DossierApplicant,
    DossierEvent,
    Procedure,
    QuarantineEntry,
    RawRecord,
)
from connectors import SourceRecord
from tests.ingest.payloads import LOCAL, NOW, as_records, dossier, stamp, step

CODE = "H21.65-250908-0001"


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def snapshot(session: Session) -> dict[str, tuple[Any, ...]]:
    rows = session.scalars(select(Dossier))
    return {d.code: (d.status, d.updated_at, d.due_at, d.raw_record_id) for d in rows}


def one_dossier(session: Session, code: str = CODE) -> Dossier:
    found = session.scalars(select(Dossier).where(Dossier.code == code)).one()
    session.refresh(found)
    return found


def events(session: Session, code: str = CODE) -> list[DossierEvent]:
    d = one_dossier(session, code)
    stmt = select(DossierEvent).where(DossierEvent.dossier_id == d.id).order_by(DossierEvent.at)
    return list(session.scalars(stmt))


def entry_for(session: Session, code: str | None = None) -> QuarantineEntry:
    stmt = select(QuarantineEntry)
    if code is not None:
        stmt = stmt.where(QuarantineEntry.dossier_code == code)
    return session.scalars(stmt).one()


def test_new_dossier_is_stored_with_events_applicant_and_deadline(db_session: Session) -> None:
    counts = ingest_records(db_session, "test", as_records([dossier()]), NOW)
    assert counts.as_dict() == {"stored": 1, "updated": 0, "unchanged": 0, "quarantined": 0}
    d = one_dossier(db_session)
    assert d.status == 4
    assert d.received_at == stamp_utc(8, 8, 30)
    assert d.newest_progress_at == stamp_utc(9, 9)
    assert d.legal_basis == "118/2025/NĐ-CP"
    assert d.portal_due_at is not None and d.due_at == d.portal_due_at  # not in catalogue
    assert d.classification is not None and d.clock_started_at is not None
    assert [e.status for e in events(db_session)] == [2, 4]
    applicant = db_session.get(DossierApplicant, d.id)
    assert applicant is not None and applicant.name == "Nguyễn Văn An"
    assert applicant.id_numbers == [{"kind": 1, "number": "079012345612"}]
    raw = db_session.scalars(select(RawRecord)).one()
    assert d.raw_record_id == raw.id and raw.dossier_code == CODE and raw.times_received == 1


def stamp_utc(day: int, hour: int, minute: int = 0, month: int = 9) -> Any:
    from datetime import UTC, datetime

    return datetime(2025, month, day, hour, minute, tzinfo=LOCAL).astimezone(UTC)


def test_unknown_agency_and_procedure_are_created_never_quarantined(db_session: Session) -> None:
    ingest_records(db_session, "test", as_records([dossier(agency="UBND-XA-01")]), NOW)
    agency = db_session.scalars(select(Agency).where(Agency.code == "UBND-XA-01")).one()
    assert agency.auto_created
    proc = db_session.scalars(select(Procedure).where(Procedure.code == "1.001234")).one()
    assert not proc.in_catalogue and proc.name == "Cấp giấy phép xây dựng nhà ở riêng lẻ"
    assert count(db_session, QuarantineEntry) == 0


def test_agency_given_by_name_is_found_by_name_or_created_once(db_session: Session) -> None:
    name = "Ủy ban nhân dân xã Tân Hà"
    recs = [
        SourceRecord("dossier", dossier("H1-250908-0001", agency=name), "t", "H21"),
        SourceRecord("dossier", dossier("H1-250908-0002", agency=name), "t", "H21"),
    ]
    ingest_records(db_session, "test", recs, NOW)
    created = db_session.scalars(select(Agency).where(Agency.name == name)).one()
    assert created.code == "H21" and created.auto_created
    ingest_records(db_session, "test", as_records([dossier("H1-250908-0003", agency=name)]), NOW)
    assert count(db_session, Agency) == 1


def test_identical_data_twice_changes_nothing(db_session: Session) -> None:
    recs = as_records([dossier(), dossier("H21.65-250908-0002")])
    ingest_records(db_session, "test", recs, NOW)
    before = snapshot(db_session)
    later = NOW + timedelta(hours=2)
    counts = ingest_records(db_session, "test", recs, later)
    assert counts.as_dict() == {"stored": 0, "updated": 0, "unchanged": 2, "quarantined": 0}
    assert snapshot(db_session) == before
    assert count(db_session, DossierEvent) == 4 and count(db_session, RawRecord) == 2
    raw = db_session.scalars(select(RawRecord).order_by(RawRecord.id)).first()
    assert raw is not None
    db_session.refresh(raw)
    assert raw.times_received == 2 and raw.last_received_at == later


def test_key_order_does_not_make_a_new_raw_record(db_session: Session) -> None:
    payload = dossier()
    reordered = dict(reversed(list(payload.items())))
    ingest_records(db_session, "test", as_records([payload, reordered]), NOW)
    assert count(db_session, RawRecord) == 1
    assert db_session.scalars(select(RawRecord)).one().times_received == 2


def test_newer_copy_updates_status_and_finish(db_session: Session) -> None:
    ingest_records(db_session, "test", as_records([dossier()]), NOW)
    steps = [step(CODE, stamp(8, 8, 30), 2), step(CODE, stamp(9, 9), 4),
             step(CODE, stamp(12, 10), 9, "Hoàn thành")]
    newer = dossier(status=9, steps=steps, NgayKetThucXuLy=stamp(12, 10))
    counts = ingest_records(db_session, "test", as_records([newer]), NOW)
    assert counts.updated == 1
    d = one_dossier(db_session)
    assert d.status == 9 and d.finished_at == stamp_utc(12, 10)
    assert d.classification in ("on_time", "early", "late")


def test_stale_copy_adds_new_steps_but_never_rolls_back(db_session: Session) -> None:
    steps = [step(CODE, stamp(8, 8, 30), 2), step(CODE, stamp(12, 10), 9, "Hoàn thành")]
    ingest_records(db_session, "test", as_records(
        [dossier(status=9, steps=steps, NgayKetThucXuLy=stamp(12, 10))]), NOW)
    # An older copy, with a step the newer one did not carry.
    stale = dossier(status=4, steps=[step(CODE, stamp(8, 8, 30), 2),
                                     step(CODE, stamp(9, 9), 4, "Thụ lý")])
    counts = ingest_records(db_session, "test", as_records([stale]), NOW)
    assert counts.updated == 1
    d = one_dossier(db_session)
    assert d.status == 9 and d.finished_at == stamp_utc(12, 10)
    assert d.newest_progress_at == stamp_utc(12, 10)
    assert [e.status for e in events(db_session)] == [2, 4, 9]


def test_newer_progress_event_wins_over_an_older_dossier_status(db_session: Session) -> None:
    ingest_records(db_session, "test", as_records([dossier()]), NOW)
    later = step(CODE, stamp(10, 14), 5, "Yêu cầu bổ sung")
    counts = ingest_records(db_session, "test", as_records([later], kind="progress"), NOW)
    assert counts.stored == 1
    d = one_dossier(db_session)
    assert d.status == 5 and d.paused_since == stamp_utc(10, 14)
    assert d.classification == "paused"


def test_out_of_order_and_duplicate_progress(db_session: Session) -> None:
    ingest_records(db_session, "test", as_records([dossier(steps=[])], ), NOW)
    s_late = step(CODE, stamp(11, 9), 9, "Hoàn thành")
    s_early = step(CODE, stamp(9, 9), 4, "Thụ lý")
    counts = ingest_records(db_session, "test", as_records([s_late, s_early, s_late],
                                                            kind="progress"), NOW)
    assert counts.as_dict() == {"stored": 2, "updated": 0, "unchanged": 1, "quarantined": 0}
    d = one_dossier(db_session)
    assert d.status == 9 and d.finished_at == stamp_utc(11, 9)  # the older step arrived last
    assert [e.status for e in events(db_session)] == [4, 9]
    # The same steps again, also embedded in a dossier copy: nothing doubles.
    again = ingest_records(db_session, "test", as_records([s_early], kind="progress"), NOW)
    assert again.unchanged == 1 and count(db_session, DossierEvent) == 2


def test_progress_for_unknown_dossier_is_quarantined_then_retried(db_session: Session) -> None:
    from app.ingest.quarantine import retry

    lone = step("H21.65-250908-0099", stamp(9, 9), 4)
    counts = ingest_records(db_session, "test", as_records([lone], kind="progress"), NOW)
    assert counts.quarantined == 1
    entry = entry_for(db_session)
    assert (entry.field, entry.reason, entry.value) == (
        "MaHoSo", "progress for a dossier not yet received", "H21.65-250908-0099")
    assert entry.dossier_code == "H21.65-250908-0099" and entry.status == "open"
    ingest_records(db_session, "test", as_records([dossier("H21.65-250908-0099", steps=[])]), NOW)
    result = retry(db_session, NOW + timedelta(minutes=5))
    assert (result.retried, result.resolved, result.still_open) == (1, 1, 0)
    db_session.refresh(entry)
    assert entry.status == "resolved" and entry.resolved_at is not None
    assert [e.status for e in events(db_session, "H21.65-250908-0099")] == [4]


@pytest.mark.parametrize(
    ("payload", "field", "value"),
    [
        (dossier(NgayTiepNhan="2025-09-08"), "NgayTiepNhan", "2025-09-08"),
        (dossier(TrangThaiHoSo="42"), "TrangThaiHoSo", "42"),
        ({k: v for k, v in dossier().items() if k != "MaTTHC"}, "MaTTHC", None),
        (dossier(TrangThaiHoSo=""), "TrangThaiHoSo", ""),
        (dossier(NgayTiepNhan=""), "NgayTiepNhan", ""),
        (dossier(steps=[step(CODE, "20250909", 4)]), "QuaTrinhXuLy[0].ThoiDiemXuLy", "20250909"),
        ({"_raw": "not an object"}, "(record)", "not an object"),
        # PostgreSQL text cannot hold NUL: refused by field, the quarantine row escapes it
        (dossier(TenTTHC="Cấp\x00phép"), "TenTTHC", "Cấp\\x00phép"),
        (dossier(ChuHoSo="Nguyễn\x00Văn A"), "ChuHoSo", None),
        ({"_raw": "\x00"}, "(record)", "\\x00"),
    ],
)
def test_each_invalid_record_is_quarantined_and_the_page_goes_on(
    db_session: Session, payload: dict[str, Any], field: str, value: str | None
) -> None:
    good = dossier("H21.65-250908-0002")
    counts = ingest_records(db_session, "test", as_records([payload, good]), NOW)
    assert counts.quarantined == 1 and counts.stored == 1
    entry = entry_for(db_session)
    assert entry.field == field and entry.status == "open" and entry.count == 1
    if value is not None:
        assert entry.value == value
    assert entry.reason
    # seen again: one entry, counted twice
    ingest_records(db_session, "test", as_records([payload]), NOW + timedelta(hours=1))
    db_session.refresh(entry)
    assert entry.count == 2 and entry.last_seen_at == NOW + timedelta(hours=1)
    assert count(db_session, QuarantineEntry) == 1


def test_unexpected_parser_error_is_quarantined_with_star(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(kind: str, payload: Any, agency_hint: str | None = None) -> Any:
        if payload.get("MaHoSo") == CODE:
            raise KeyError("boom")
        from connectors import parse_record

        return parse_record(kind, payload, agency_hint)

    monkeypatch.setattr(intake, "parse_record", explode)
    counts = ingest_records(db_session, "test",
                            as_records([dossier(), dossier("H21.65-250908-0002")]), NOW)
    assert counts.quarantined == 1 and counts.stored == 1
    entry = entry_for(db_session)
    assert entry.field == "*" and "KeyError" in entry.reason and entry.dossier_code == CODE


def test_legal_basis_follows_local_receipt_date(db_session: Session) -> None:
    before = dossier("H1-250630-0001", received=stamp(30, 23, 59, month=6), steps=[])
    after = dossier("H1-250701-0001", received=stamp(1, 0, 0, month=7), steps=[])
    ingest_records(db_session, "test", as_records([before, after]), NOW)
    assert one_dossier(db_session, "H1-250630-0001").legal_basis == "61/2018/NĐ-CP"
    assert one_dossier(db_session, "H1-250701-0001").legal_basis == "118/2025/NĐ-CP"


def test_two_copies_in_one_page_keep_the_newest(db_session: Session) -> None:
    steps = [step(CODE, stamp(8, 8, 30), 2, "Tiếp nhận hồ sơ"),
             step(CODE, stamp(12, 10), 10, "Trả kết quả")]
    newest = dossier(status=10, steps=steps, NgayTra=stamp(12, 10))
    older = dossier(status=4)
    counts = ingest_records(db_session, "test", as_records([newest, older]), NOW)
    assert counts.stored == 1 and counts.updated == 1
    d = one_dossier(db_session)
    assert d.status == 10 and d.returned_at == stamp_utc(12, 10)
    assert [e.status for e in events(db_session)] == [2, 4, 10]


def test_one_payload_from_two_senders_agencies_is_read_with_each_ones_agency(
    db_session: Session,
) -> None:
    """The sender's agency stands in for an empty DonViXuLy but is not part of the content
    hash: in one group, the same payload from a sender naming no agency and from one naming
    H21.65 (one raw row) is read once per agency, as each would be alone."""
    payload = dossier(agency="")

    def delivery(agency: str | None) -> Delivered:
        return Delivered("dvcqg", None, [SourceRecord(kind="dossier", payload=payload,
                                                      origin="test", agency_code=agency)])

    counts = ingest_deliveries(db_session, [delivery(None), delivery("H21.65")], NOW)
    assert [(c.quarantined, c.stored) for c in counts] == [(1, 0), (0, 1)]
    assert db_session.scalar(select(func.count()).select_from(RawRecord)) == 1
