"""The real senders' field semantics (PORTAL.md, corrected): channel, result by post, optional
appointment and names, status 1 without a receipt, snapshots dated by their own instants.

Office hours 07:30-11:30 and 13:30-17:30 (8 working hours a day); procedure 1.001234 takes
5 working days = 40 working hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.ingest.service import ingest_records
from app.models import Agency, Dossier, DossierAnomaly, Procedure
from app.rates.grouping import Scope
from app.rates.service import period_report
from tests.factories import make_agency, make_dossier, make_procedure
from tests.ingest.payloads import NOW, as_records, dossier, stamp, step

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CODE = "H21.65-250908-0001"
RECEIVED = stamp(8, 8, 30)  # Monday 8 September 2025, 08:30, in session


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 9, day, hour, minute, tzinfo=VN)


def stored(session: Session, code: str = CODE) -> Dossier:
    found = session.scalars(select(Dossier).where(Dossier.code == code)).one()
    session.refresh(found)
    return found


def anomalies(session: Session) -> set[str]:
    return set(session.scalars(select(DossierAnomaly.code)))


def test_a_later_snapshot_re_appointment_is_taken_and_no_mismatch_appears(
    db_session: Session,
) -> None:
    """40 working hours from Mon 08:30: Mon 7 + Tue 8 + Wed 8 + Thu 8 + Fri 8 = 39, plus 1 on
    Mon 15 -> due Mon 15 Sep 08:30, the first appointment. A pause from Tue 09:30 to Thu 09:30
    is 16 working hours: the due moves to Wed 17 Sep 08:30 (Mon 15: 7, Tue 16: 8, Wed 17: 1),
    which the later snapshot says. Snapshots carry no steps: both are dated by NgayTiepNhan;
    the later one must still win, or the old appointment differs by 16 hours: a false mismatch.
    """
    make_procedure(db_session, "1.001234", "5", "working_days")
    first = dossier(steps=[], NgayHenTra=stamp(15, 8, 30))
    ingest_records(db_session, "t", as_records([first]), NOW)
    assert stored(db_session).appointment_mismatch is False
    steps = [step(CODE, RECEIVED, 2), step(CODE, stamp(9, 9, 30), 5),
             step(CODE, stamp(11, 9, 30), 4)]
    ingest_records(db_session, "t", as_records(steps, "progress"), NOW)
    assert stored(db_session).due_at == local(17, 8, 30)
    assert stored(db_session).appointment_mismatch is True  # the old appointment, for now
    later = dossier(steps=[], NgayHenTra=stamp(17, 8, 30))
    assert ingest_records(db_session, "t", as_records([later]), NOW).updated == 1
    d = stored(db_session)
    assert d.portal_due_at == local(17, 8, 30) and d.appointment_mismatch is False
    assert d.status == 4  # the snapshot is older than the steps: its status does not apply


def test_an_older_snapshot_does_not_undo_a_newer_one(db_session: Session) -> None:
    finished = dossier(status=10, steps=[], NgayKetThucXuLy=stamp(10, 9), NgayTra=stamp(10, 10),
                       NgayHenTra=stamp(17, 8, 30))
    ingest_records(db_session, "t", as_records([finished]), NOW)
    older = dossier(status=4, steps=[], NgayHenTra=stamp(15, 8, 30))
    assert ingest_records(db_session, "t", as_records([older]), NOW).unchanged == 1
    d = stored(db_session)
    assert (d.status, d.portal_due_at) == (10, local(17, 8, 30))


def test_no_appointment_means_the_catalogue_due_and_no_mismatch(db_session: Session) -> None:
    make_procedure(db_session, "1.001234", "5", "working_days")
    ingest_records(db_session, "t", as_records([dossier(NgayHenTra="", steps=[])]), NOW)
    d = stored(db_session)
    assert d.portal_due_at is None and d.due_at == local(15, 8, 30)
    assert d.due_is_legal and d.appointment_mismatch is False


def test_kenhthuchien_is_the_channel_and_hinhthuc_never_overrides_it(db_session: Session) -> None:
    records = [dossier(CODE, KenhThucHien="2", HinhThuc="1"),
               dossier("H21.65-250908-0002", HinhThuc="1"),
               dossier("H21.65-250908-0003", HinhThuc="0")]
    ingest_records(db_session, "t", as_records(records), NOW)
    assert (stored(db_session).channel, stored(db_session).result_by_post) == (2, True)
    no_channel = stored(db_session, "H21.65-250908-0002")
    assert (no_channel.channel, no_channel.result_by_post) == (None, True)
    assert stored(db_session, "H21.65-250908-0003").result_by_post is False
    assert anomalies(db_session) == set()  # an absent channel is no error: many systems omit it


def test_a_later_snapshot_without_channel_keeps_the_known_one(db_session: Session) -> None:
    ingest_records(db_session, "t", as_records([dossier(steps=[], KenhThucHien="3")]), NOW)
    ingest_records(db_session, "t", as_records([dossier(steps=[], TrichYeuHoSo="Dinhkem")]), NOW)
    d = stored(db_session)
    assert d.channel == 3 and d.summary == "Xin cấp phép xây dựng"


def test_empty_names_come_from_the_catalogue(db_session: Session) -> None:
    make_procedure(db_session, "1.001234", "5", "working_days")
    record = dossier(TenTTHC="", MaLinhVuc="", TenLinhVuc="", TrichYeuHoSo="")
    ingest_records(db_session, "t", as_records([record]), NOW)
    procedure = db_session.scalars(select(Procedure)).one()
    assert procedure.name == "Thủ tục 1.001234" and procedure.field_code == "LV01"
    assert anomalies(db_session) == {"names_missing", "summary_missing"}


def test_unknown_procedure_without_names_is_named_by_its_code_until_names_come(
    db_session: Session,
) -> None:
    record = dossier(procedure="9.000001", TenTTHC="", MaLinhVuc="", TenLinhVuc="")
    ingest_records(db_session, "t", as_records([record]), NOW)
    assert db_session.scalars(select(Procedure.name)).one() == "9.000001"
    ingest_records(db_session, "t", as_records([dossier("H21.65-250908-0002",
                                                        procedure="9.000001")]), NOW)
    assert db_session.scalars(select(Procedure.name)).one() == \
        "Cấp giấy phép xây dựng nhà ở riêng lẻ"


def test_status_1_without_receipt_is_stored_then_dated_when_accepted(
    db_session: Session,
) -> None:
    submitted = dossier(status=1, NgayTiepNhan="", NgayNopHoSo=stamp(7, 20), steps=[])
    assert ingest_records(db_session, "t", as_records([submitted]), NOW).stored == 1
    assert stored(db_session).received_at == local(7, 20)
    assert anomalies(db_session) == {"received_unknown"}
    accepted = dossier(status=2, NgayNopHoSo=stamp(7, 20), steps=[])
    ingest_records(db_session, "t", as_records([accepted]), NOW)
    d = stored(db_session)
    assert (d.status, d.received_at) == (2, local(8, 8, 30))


def test_rates_by_channel_show_unknown_apart(
    db_session: Session, app_settings: Settings
) -> None:
    agency = make_agency(db_session, "H21.65")
    procedure = make_procedure(db_session, "1.001234", "5", "working_days")
    for n, channel in enumerate((1, 2, 2, None, None)):
        make_dossier(db_session, f"D-{n}", agency, procedure, local(8, 9), channel=channel)
    report = period_report(db_session, start=local(1, 0), end=local(30, 0), group_by="channel",
                           scope=Scope(None), settings=app_settings)
    groups = {g.label: g.received for g in report.groups or []}
    assert groups == {"Trực tiếp": 1, "Trực tuyến": 2, "(không rõ)": 2}


def test_a_retry_keeps_the_deliverys_agency_for_an_empty_donvixuly(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record an earlier version refused (DonViXuLy was required then) is stored by a retry
    now, the agency of its delivery standing in for the empty DonViXuLy."""
    from app.ingest import intake
    from app.ingest.quarantine import retry
    from connectors import RecordInvalid, SourceRecord

    def earlier(kind: str, payload: Any, agency_hint: str | None = None) -> Any:
        raise RecordInvalid("DonViXuLy", "required field is missing")

    record = dossier(DonViXuLy=None, steps=[])
    with monkeypatch.context() as patched:
        patched.setattr(intake, "parse_record", earlier)
        counts = ingest_records(db_session, "t", [SourceRecord("dossier", record, "t", "H21.66")],
                                NOW)
    assert counts.quarantined == 1
    assert retry(db_session, NOW).resolved == 1
    agency = db_session.scalars(select(Agency).where(Agency.id == stored(db_session).agency_id))
    assert agency.one().code == "H21.66"
