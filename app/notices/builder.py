"""A stored notice as the form-04 document the renderers draw.

Reads the rows the form needs (dossier, procedure, agency and its parent, applicant) and maps
them to display text. The applicant's identification number appears on the form because the
applicant receives it; it never leaves this module otherwise.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.core.clock import to_local
from app.core.config import get_settings
from app.models import Agency, DossierApplicant
from app.notices import repository
from app.notices.numbering import notice_number
from app.notices.render.document import DEFAULT_SIGNER_TITLE, ApplicantKind, NoticeDocument
from app.notices.repository import NoticeRow

CITIZEN = 1  # LoaiDoiTuong 1: citizen; 2-4 are businesses, state agencies and organisations
NO_IDENTIFICATION = "(không có)"
UNKNOWN_APPLICANT = "(không rõ tên)"


def applicant_kind(applicant_type: int | None, name: str) -> ApplicantKind:
    """The form's "Ông/Bà/Tổ chức". The portal sends no sex, so for a citizen an honorific
    in the name wins, then the middle name "Thị" (borne by women) makes "Bà"; otherwise "Ông"."""
    if applicant_type is not None and applicant_type != CITIZEN:
        return ApplicantKind.TO_CHUC
    words = name.casefold().split()
    if words and words[0] == "bà":
        return ApplicantKind.BA
    if words and words[0] == "ông":
        return ApplicantKind.ONG
    return ApplicantKind.BA if "thị" in words[1:-1] else ApplicantKind.ONG


def _bare_name(name: str) -> str:
    words = name.split()
    if len(words) > 1 and words[0].casefold() in ("ông", "bà"):
        return " ".join(words[1:])
    return name


def identification(applicant: DossierApplicant | None) -> str:
    for entry in (applicant.id_numbers or []) if applicant else []:
        if isinstance(entry, dict) and str(entry.get("number") or "").strip():
            return str(entry["number"]).strip()
    return NO_IDENTIFICATION


def governing_body(agency: Agency, parent: Agency | None, province: str) -> str:
    """ĐƠN VỊ CHỦ QUẢN: the agency's own setting, else its parent, else the province's
    People's Committee ("UBND tỉnh Lâm Đồng", from TTHC_PROVINCE_NAME)."""
    if agency.governing_body:
        return agency.governing_body
    if parent is not None:
        return parent.name
    return f"UBND tỉnh {province}" if province else agency.name


def build_document(
    session: Session, row: NoticeRow, issue_date_at: datetime | None = None
) -> NoticeDocument:
    """The form for this notice, dated the day it was issued (or `issue_date_at`, else the
    day it was drafted, for a preview)."""
    notice, dossier, agency = row.notice, row.dossier, row.agency
    applicant = repository.applicant(session, dossier.id)
    name = (applicant.name if applicant and applicant.name else "").strip() or UNKNOWN_APPLICANT
    dated = notice.issued_at or issue_date_at or notice.created_at
    settings = get_settings()
    parent = repository.agency(session, agency.parent_id)
    signer = repository.signer_of(session, agency.id)
    return NoticeDocument(
        governing_body=governing_body(agency, parent, settings.province_name),
        # DEADLINES.md §8: another agency's delay is apologised for by that agency
        issuing_unit=notice.responsible_agency or agency.name,
        number=notice_number(notice),
        place=agency.place or settings.notice_place or settings.province_name,
        issue_date=to_local(dated).date(),
        legal_basis=notice.legal_basis,  # type: ignore[arg-type]  # coerced by the document
        applicant_name=_bare_name(name),
        applicant_kind=applicant_kind(dossier.applicant_type, name),
        identification_number=identification(applicant),
        received_at=dossier.received_at,
        receiving_unit=agency.name,
        procedure_name=row.procedure.name,
        dossier_code=dossier.code,
        original_appointment=notice.original_due_at,
        reason=notice.reason,
        new_appointment=notice.new_due_at,
        # A person, never the account that clicked "issue": the one the draft names, else the
        # agency's signer; with neither the name line stays blank for the hand signature.
        signer_name=notice.signer_name or (signer.signer_name if signer else None),
        signer_title=notice.signer_title
        or (signer.signer_title if signer else None)
        or DEFAULT_SIGNER_TITLE,
    )
