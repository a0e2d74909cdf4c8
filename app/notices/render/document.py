"""The apology notice (form 04) as display-ready data, independent of any output format.

A ``NoticeDocument`` is what the renderers draw: every string already NFC and trimmed,
every datetime timezone-aware. The workflow code (numbering, approval, storage) builds one
from a dossier; the renderers never look anything up.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum

from app.deadlines.status import under_decree_118
from app.notices.render.dates import place_date_line, to_vn_time, vn_date_phrase, vn_datetime_phrase

DEFAULT_SIGNER_TITLE = "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"



class LegalBasis(StrEnum):
    """The circular whose form 04 the notice follows."""

    CIRCULAR_01_2018 = "01/2018/TT-VPCP"
    CIRCULAR_03_2025 = "03/2025/TT-VPCP"


NOTICE_TITLES: dict[LegalBasis, str] = {
    LegalBasis.CIRCULAR_01_2018: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    LegalBasis.CIRCULAR_03_2025: "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
}


class ApplicantKind(StrEnum):
    """How the form addresses the applicant (its "Ông/Bà/Tổ chức")."""

    ONG = "Ông"
    BA = "Bà"
    TO_CHUC = "Tổ chức"


def legal_basis_for(received_at: datetime | date) -> LegalBasis:
    """The circular that governs a dossier, from the day it was received (Vietnamese time)."""
    received_day = (
        to_vn_time(received_at).date() if isinstance(received_at, datetime) else received_at
    )
    # Dossiers received before Decree 118/2025/NĐ-CP keep the old texts (Decree 61/2018 and
    # Circular 01/2018/TT-VPCP) for their whole life.
    if under_decree_118(received_day):
        return LegalBasis.CIRCULAR_03_2025
    return LegalBasis.CIRCULAR_01_2018


def notice_title(basis: LegalBasis) -> str:
    return NOTICE_TITLES[basis]


def _clean(value: str, *, multiline: bool = False) -> str:
    # Collapse runs of whitespace too: values come from portal exports with stray spaces.
    text = unicodedata.normalize("NFC", value)
    cleaned = (" ".join(line.split()) for line in (text.splitlines() if multiline else [text]))
    return "\n".join(line for line in cleaned if line)


_OPTIONAL_TEXT = frozenset({"identification_label", "signer_name"})
# Header names and the signer's title are broken into lines by hand in real documents
# ("KT. GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC"), so their line breaks are kept.
_MULTILINE_TEXT = frozenset({"governing_body", "issuing_unit", "signer_title"})
_DATETIMES = ("received_at", "original_appointment", "new_appointment")


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeDocument:
    """Every field of form 04, top to bottom (see docs/domain/notices.md)."""

    governing_body: str
    """ĐƠN VỊ CHỦ QUẢN, e.g. "UBND tỉnh Lâm Đồng"; shown upper-case; may hold line breaks."""
    issuing_unit: str
    """The issuing unit, e.g. "Sở Tư pháp"; shown upper-case and bold; may hold line breaks."""
    number: str
    """The register number, e.g. "12/PXL-UBND" (shown as "Số: 12/PXL-UBND")."""
    place: str
    """Place name of the place-date line, e.g. "Lâm Đồng"."""
    issue_date: date
    legal_basis: LegalBasis
    applicant_name: str
    applicant_kind: ApplicantKind
    identification_number: str
    received_at: datetime
    receiving_unit: str
    procedure_name: str
    dossier_code: str
    original_appointment: datetime
    reason: str
    new_appointment: datetime
    signer_name: str | None = None
    """The person who signs; None leaves the line blank for the name written by hand."""
    signer_title: str = DEFAULT_SIGNER_TITLE
    """May hold a line break: "KT. GIÁM ĐỐC\\nPHÓ GIÁM ĐỐC"."""
    digitally_signed: bool = False
    identification_label: str | None = None
    """Overrides the label of the identification line; derived from kind and basis if None."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                cleaned = _clean(value, multiline=f.name in _MULTILINE_TEXT)
                if cleaned:
                    object.__setattr__(self, f.name, cleaned)
                elif f.name in _OPTIONAL_TEXT:
                    object.__setattr__(self, f.name, None)
                else:
                    raise ValueError(f"{f.name} must not be empty")
        for name in _DATETIMES:
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
        if isinstance(self.issue_date, datetime):
            raise TypeError("issue_date must be a date, not a datetime")
        if self.number.casefold().startswith("số"):
            raise ValueError('number is the bare register number, e.g. "12/PXL", without "Số:"')
        if self.new_appointment <= self.original_appointment:
            raise ValueError("new_appointment must be later than original_appointment")
        # Enum coercion lets callers pass the stored string values.
        object.__setattr__(self, "legal_basis", LegalBasis(self.legal_basis))
        object.__setattr__(self, "applicant_kind", ApplicantKind(self.applicant_kind))

    # -- header -----------------------------------------------------------------------
    @property
    def governing_body_lines(self) -> tuple[str, ...]:
        """The governing body, upper-case, one item per line of the header."""
        return tuple(self.governing_body.upper().split("\n"))

    @property
    def issuing_unit_lines(self) -> tuple[str, ...]:
        return tuple(self.issuing_unit.upper().split("\n"))

    @property
    def issuing_unit_inline(self) -> str:
        """The issuing unit as running text names it, on one line."""
        return " ".join(self.issuing_unit.split("\n"))

    @property
    def number_line(self) -> str:
        return f"Số: {self.number}"

    @property
    def place_date_line(self) -> str:
        return place_date_line(self.place, self.issue_date)

    @property
    def title(self) -> str:
        return notice_title(self.legal_basis)

    # -- applicant ---------------------------------------------------------------------
    @property
    def is_organisation(self) -> bool:
        return self.applicant_kind is ApplicantKind.TO_CHUC

    @property
    def applicant_pronoun(self) -> str:
        """How the running text refers back to the applicant: "Ông", "Bà" or "Tổ chức"."""
        return self.applicant_kind.value

    @property
    def addressee(self) -> str:
        """After "Kính gửi:": "Ông Nguyễn Văn An", or the organisation's own name."""
        if self.is_organisation:
            return self.applicant_name
        return f"{self.applicant_kind.value} {self.applicant_name}"

    @property
    def identification_line_label(self) -> str:
        if self.identification_label:
            return self.identification_label
        if self.is_organisation:
            return "Mã số doanh nghiệp/Mã số thuế"
        if self.legal_basis is LegalBasis.CIRCULAR_01_2018:
            return "Số CMND/Hộ chiếu/Căn cước công dân"
        return "Số định danh cá nhân"

    # -- dates -------------------------------------------------------------------------
    @property
    def received_phrase(self) -> str:
        return vn_datetime_phrase(self.received_at)

    @property
    def original_appointment_phrase(self) -> str:
        return vn_datetime_phrase(self.original_appointment)

    @property
    def new_appointment_phrase(self) -> str:
        return vn_datetime_phrase(self.new_appointment)

    @property
    def new_appointment_date_phrase(self) -> str:
        return vn_date_phrase(self.new_appointment)

    # -- signature ---------------------------------------------------------------------
    @property
    def signer_title_lines(self) -> tuple[str, ...]:
        return tuple(self.signer_title.split("\n"))

    @property
    def signer_name_line(self) -> str:
        return self.signer_name or ""

    @property
    def signature_note(self) -> str:
        return "(Đã ký số)" if self.digitally_signed else "(Ký và ghi rõ họ tên)"
