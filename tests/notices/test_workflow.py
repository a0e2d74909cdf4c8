"""The apology-notice workflow on stored rows: draft, approve, issue, publish, cancel."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.models import Notice, NoticeEvent, NoticeFile, OutboxMessage
from app.notices import drafting, service
from app.scan.service import run_scan
from tests.factories import local
from tests.scan.scenario import (
    AFTER_DUE,
    APPLICANT,
    DUE,
    ID_NUMBER,
    NEW_DUE,
    ONE_DAY_BEFORE,
    Case,
    add_dossier,
    make_case,
)

CODE = "000.00.12.H36-260302-0042"


def _drafted(session: Session, case: Case, code: str = CODE) -> Notice:
    dossier = add_dossier(session, case, code)
    run_scan(session, ONE_DAY_BEFORE)
    return session.scalars(select(Notice).where(Notice.dossier_id == dossier.id)).one()


def _actions(session: Session, notice: Notice) -> list[tuple[str, str]]:
    rows = session.execute(
        select(NoticeEvent.action, NoticeEvent.actor)
        .where(NoticeEvent.notice_id == notice.id)
        .order_by(NoticeEvent.id)
    )
    return [(a, b) for a, b in rows]


def test_approve_issue_publish_are_recorded_with_who_and_when(db_session: Session) -> None:
    case = make_case(db_session)
    notice = _drafted(db_session, case)
    service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="Trần Quốc Hưng")
    issued_at = ONE_DAY_BEFORE + timedelta(hours=2)
    service.issue(db_session, notice.id, issued_at, actor="Lê Văn Bình")
    service.publish(db_session, notice.id, issued_at + timedelta(hours=1), actor="Lê Văn Bình")
    assert notice.status == "published"
    assert (notice.approved_by, notice.approved_at) == ("Trần Quốc Hưng", ONE_DAY_BEFORE)
    assert (notice.issued_by, notice.issued_at, notice.issued_in_time) == (
        "Lê Văn Bình",
        issued_at,
        True,
    )
    assert notice.signer_name == "Lê Văn Bình"
    assert _actions(db_session, notice) == [
        ("drafted", "scan"),
        ("approved", "Trần Quốc Hưng"),
        ("issued", "Lê Văn Bình"),
        ("published", "Lê Văn Bình"),
    ]
    outbox = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == f"notice_issued:{notice.id}")
    ).one()
    assert outbox.payload["dossier_code"] == CODE and outbox.payload["number"] == "01/PXL-STP"
    assert APPLICANT not in str(outbox.payload) and ID_NUMBER not in str(outbox.payload)


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    path = tmp_path / "notice.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=30
    )
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8"))


def test_issued_files_open_and_carry_the_vietnamese_text(
    db_session: Session, tmp_path: Path
) -> None:
    case = make_case(db_session)
    notice = _drafted(db_session, case)
    service.edit(
        db_session,
        notice.id,
        ONE_DAY_BEFORE,
        actor="Trần Quốc Hưng",
        reason="Cần xác minh thông tin tại cơ quan công an nơi đương sự cư trú trước đây",
    )
    service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="Trần Quốc Hưng")
    service.issue(db_session, notice.id, ONE_DAY_BEFORE, actor="Lê Văn Bình")
    files = {
        f.format: f
        for f in db_session.scalars(select(NoticeFile).where(NoticeFile.notice_id == notice.id))
    }
    assert sorted(files) == ["docx", "pdf"]
    for stored in files.values():
        assert stored.sha256 == hashlib.sha256(stored.content).hexdigest()
    expected = [
        "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
        "Số: 01/PXL-STP",
        "Kính gửi: Bà Nguyễn Thị Ánh Tuyết",
        CODE,
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        "Cần xác minh thông tin tại cơ quan công an",
        "09 giờ 00 phút, ngày 09 tháng 3 năm 2026",
        "09 giờ 00 phút, ngày 16 tháng 3 năm 2026",
    ]
    docx = Document(io.BytesIO(files["docx"].content))
    docx_text = "\n".join(
        [p.text for p in docx.paragraphs]
        + [c.text for t in docx.tables for r in t.rows for c in r.cells]
    )
    assert docx_text == unicodedata.normalize("NFC", docx_text)
    pdf_text = " ".join(_pdf_text(files["pdf"].content, tmp_path).split())
    for text in expected:
        assert text in docx_text
        assert text in pdf_text


def test_illegal_steps_are_refused_with_the_reason(db_session: Session) -> None:
    case = make_case(db_session)
    notice = _drafted(db_session, case)
    with pytest.raises(Conflict, match="approved first"):
        service.issue(db_session, notice.id, ONE_DAY_BEFORE, actor="Lê Văn Bình")
    with pytest.raises(Conflict, match="issued first"):
        service.publish(db_session, notice.id, ONE_DAY_BEFORE, actor="Lê Văn Bình")
    service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="Trần Quốc Hưng")
    with pytest.raises(Conflict, match="only a draft can be edited"):
        service.edit(db_session, notice.id, ONE_DAY_BEFORE, actor="x", reason="Lý do khác")
    with pytest.raises(Conflict, match="is approved; cannot approve"):
        service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="Trần Quốc Hưng")
    service.issue(db_session, notice.id, ONE_DAY_BEFORE, actor="Lê Văn Bình")
    with pytest.raises(Conflict, match="stays on record"):
        service.cancel(db_session, notice.id, ONE_DAY_BEFORE, actor="Lê Văn Bình")
    assert notice.status == "issued"


def test_edit_checks_the_new_date_and_the_reason(db_session: Session) -> None:
    case = make_case(db_session)
    notice = _drafted(db_session, case)
    with pytest.raises(ValidationFailed, match="after the legal due"):
        service.edit(db_session, notice.id, ONE_DAY_BEFORE, actor="x", new_due_at=DUE)
    with pytest.raises(ValidationFailed, match="must not be empty"):
        service.edit(db_session, notice.id, ONE_DAY_BEFORE, actor="x", reason="   ")
    later = local(2026, 3, 20, 16, 0)
    service.edit(db_session, notice.id, ONE_DAY_BEFORE, actor="x", new_due_at=later)
    assert notice.new_due_at == later


def test_second_reappointment_is_refused(db_session: Session) -> None:
    case = make_case(db_session)
    notice = _drafted(db_session, case)
    with pytest.raises(Conflict, match="re-set only once"):
        drafting.create_draft(db_session, CODE, ONE_DAY_BEFORE, actor="Trần Quốc Hưng")
    service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="Trần Quốc Hưng")
    service.issue(db_session, notice.id, ONE_DAY_BEFORE, actor="Lê Văn Bình")
    with pytest.raises(Conflict, match="re-set only once") as refused:
        drafting.create_draft(db_session, CODE, AFTER_DUE, actor="Trần Quốc Hưng")
    assert refused.value.status_code == 409
    assert db_session.scalars(select(Notice)).all() == [notice]


def test_a_cancelled_draft_may_be_drafted_again_on_the_same_number(db_session: Session) -> None:
    case = make_case(db_session)
    notice = _drafted(db_session, case)
    service.cancel(db_session, notice.id, ONE_DAY_BEFORE, actor="Trần Quốc Hưng", note="nhầm")
    assert run_scan(db_session, ONE_DAY_BEFORE + timedelta(minutes=5)).drafted == 0
    again = drafting.create_draft(
        db_session, CODE, ONE_DAY_BEFORE, actor="Trần Quốc Hưng", reason="Chờ ý kiến Sở Xây dựng"
    )
    assert again.id == notice.id and again.status == "draft" and again.number == 1
    assert again.new_due_at == NEW_DUE
    assert [a for a, _ in _actions(db_session, notice)] == ["drafted", "cancelled", "redrafted"]


def test_notice_issued_on_the_due_day_is_not_in_time(db_session: Session) -> None:
    case = make_case(db_session)
    notice = _drafted(db_session, case)
    service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="Trần Quốc Hưng")
    service.issue(db_session, notice.id, local(2026, 3, 9, 8, 0), actor="Lê Văn Bình")
    assert notice.issued_in_time is False
    counts = run_scan(db_session, AFTER_DUE)
    assert counts.late_without_apology == 1


def test_scope_keeps_supervisors_to_their_agencies(db_session: Session) -> None:
    case = make_case(db_session)
    other = make_case(db_session, "-B")
    notice = _drafted(db_session, case)
    with pytest.raises(Forbidden):
        service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="x", scope={other.agency.id})
    service.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="x", scope={case.agency.id})


def test_numbers_run_per_issuing_unit_and_restart_each_year(db_session: Session) -> None:
    first, second = make_case(db_session), make_case(db_session, "-B")
    a = [add_dossier(db_session, first, f"A-{i}") for i in range(3)]
    b = [add_dossier(db_session, second, f"B-{i}") for i in range(2)]
    run_scan(db_session, ONE_DAY_BEFORE)
    numbers = {n.dossier_id: (n.year, n.number) for n in db_session.scalars(select(Notice))}
    assert sorted(numbers[d.id] for d in a) == [(2026, 1), (2026, 2), (2026, 3)]
    assert sorted(numbers[d.id] for d in b) == [(2026, 1), (2026, 2)]
    next_year = add_dossier(db_session, first, "A-2027", received_at=local(2026, 12, 28, 9, 0))
    run_scan(db_session, local(2027, 1, 4, 10, 0))
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == next_year.id)).one()
    assert (notice.year, notice.number) == (2027, 1)


def test_old_dossier_gets_the_old_title(db_session: Session) -> None:
    case = make_case(db_session)
    dossier = add_dossier(db_session, case, "OLD-1", received_at=local(2025, 6, 23, 9, 0))
    run_scan(db_session, local(2025, 6, 27, 10, 0))
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == dossier.id)).one()
    assert notice.legal_basis == "01/2018/TT-VPCP"
