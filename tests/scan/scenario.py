"""A realistic case shared by the scan and notice tests: a justice department of Lâm Đồng,
a 5-working-day procedure, and dossiers received on Monday 2 March 2026.

Received Mon 02/03 09:00 -> due Mon 09/03 09:00 (five working days of eight hours);
due soon from Fri 06/03 09:00; the apology is in time until Fri 06/03 (one working day
before the due date); the default proposal is five more working days: Mon 16/03 09:00.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models import Agency, Dossier, Procedure
from tests.factories import local, make_agency, make_dossier, make_procedure

RECEIVED = local(2026, 3, 2, 9, 0)
DUE = local(2026, 3, 9, 9, 0)
NEW_DUE = local(2026, 3, 16, 9, 0)
BEFORE_DUE_SOON = local(2026, 3, 5, 16, 0)
ONE_DAY_BEFORE = local(2026, 3, 6, 10, 0)
AFTER_DUE = local(2026, 3, 9, 10, 0)
AFTER_NEW_DUE = local(2026, 3, 16, 10, 0)

APPLICANT = "Nguyễn Thị Ánh Tuyết"
PHONE = "0912345678"
ID_NUMBER = "079123456789"


@dataclass
class Case:
    province: Agency
    agency: Agency
    procedure: Procedure


def make_case(session: Session, suffix: str = "", *, auto_approve: bool = False) -> Case:
    province = make_agency(session, f"UBND-LD{suffix}", "UBND tỉnh Lâm Đồng")
    agency = make_agency(session, f"STP-LD{suffix}", "Sở Tư pháp", parent=province)
    agency.governing_body = "UBND tỉnh Lâm Đồng"
    agency.place = "Lâm Đồng"
    agency.auto_approve_notices = auto_approve
    procedure = make_procedure(session, f"1.001{suffix or '000'}", "5", "working_days")
    procedure.name = "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam"
    session.flush()
    return Case(province=province, agency=agency, procedure=procedure)


def add_dossier(session: Session, case: Case, code: str, **changes: object) -> Dossier:
    changes.setdefault("applicant_name", APPLICANT)
    received = changes.pop("received_at", RECEIVED)
    return make_dossier(
        session,
        code,
        case.agency,
        case.procedure,
        received,  # type: ignore[arg-type]
        **changes,  # type: ignore[arg-type]
    )
