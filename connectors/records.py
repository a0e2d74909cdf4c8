"""Typed, normalised records: what one portal record means once it has been validated.

They are produced only by :mod:`connectors.portal.parse` (``parse_dossier`` /
``parse_progress``). Every datetime is timezone-aware UTC; every string is NFC and stripped;
optional values the portal left empty are ``None``. Collections are tuples so records stay
immutable and hashable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.portal.vocabulary import progression_rank


@dataclass(frozen=True, slots=True)
class DataFlag:
    """Something a sender got wrong that did not stop the record from being stored: a
    data-quality anomaly (``code`` names the kind, ``field`` the portal field, ``value`` the
    offending value when it is not personal data)."""

    code: str
    field: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class ProgressRecord:
    """One processing step (CapNhatTienDoHoSoMC, or an entry of QuaTrinhXuLy).

    ``status`` is :data:`NO_STATUS` when the sender sent TrangThai ``""``."""

    dossier_code: str
    at: datetime
    status: int
    content: str
    officer: str | None = None
    officer_title: str | None = None
    department: str | None = None
    step_started_at: datetime | None = None
    step_due_at: datetime | None = None
    flags: tuple[DataFlag, ...] = ()

    @property
    def dedup_key(self) -> tuple[str, datetime, int, str]:
        """PORTAL.md de-duplication key: (MaHoSo, ThoiDiemXuLy, TrangThai, NoiDungXuLy)."""
        return (self.dossier_code, self.at, self.status, self.content)


@dataclass(frozen=True, slots=True)
class IdNumber:
    """An applicant identifier (DinhDanhCHS): kind 1 = 12-digit personal ID, 2 = 9-digit ID."""

    kind: int
    number: str


@dataclass(frozen=True, slots=True)
class SupplementRecord:
    """One supplement round (DanhSachHoSoBoSung)."""

    supplement_id: str | None
    content: str | None
    requested_at: datetime | None
    received_at: datetime | None
    status: str | None
    previous_due_at: datetime | None
    new_due_at: datetime | None


@dataclass(frozen=True, slots=True)
class DossierRecord:
    """One dossier (DongBoHoSoMC) as the portal describes it at one moment.

    Only the code, procedure code, status and agency are always known; ``received_at`` is None
    only for a status-1 dossier (submitted online, not accepted yet). Names and summary are None
    when the sender left them empty (the app takes names from its catalogue). ``channel`` is
    KenhThucHien (None: unknown, never guessed); ``result_by_post`` is HinhThuc "1".
    """

    code: str
    procedure_code: str
    status: int
    agency: str
    received_at: datetime | None = None
    procedure_name: str | None = None
    field_code: str | None = None
    field_name: str | None = None
    applicant_type: int | None = None
    summary: str | None = None
    portal_due_at: datetime | None = None
    submitted_at: datetime | None = None
    refused_at: datetime | None = None
    applicant_name: str | None = None
    phone: str | None = None
    email: str | None = None
    fax: str | None = None
    id_numbers: tuple[IdNumber, ...] = ()
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    channel: int | None = None
    result_by_post: bool = False
    receipt_number: str | None = None
    note: str | None = None
    other_info: str | None = None
    return_info: str | None = None
    supplements: tuple[SupplementRecord, ...] = ()
    progress: tuple[ProgressRecord, ...] = ()
    submitted_files: tuple[Any, ...] = ()
    fees: tuple[Any, ...] = ()
    result_documents: tuple[Any, ...] = ()
    flags: tuple[DataFlag, ...] = ()

    @property
    def own_as_of(self) -> datetime | None:
        """The newest instant the record states itself (receipt, submission, finish, return,
        refusal, supplement rounds, embedded progress): the moment a snapshot stands for.
        A snapshot is dated by these, never by when it was received."""
        instants = [self.received_at, self.submitted_at, self.finished_at, self.returned_at,
                    self.refused_at, self.newest_progress_at]
        for round_ in self.supplements:
            instants += [round_.requested_at, round_.received_at]
        return max((i for i in instants if i is not None), default=None)

    @property
    def newest_progress_at(self) -> datetime | None:
        """The instant of the newest embedded progress step; decides whether a copy is stale."""
        return max((p.at for p in self.progress), default=None)

    @property
    def progress_in_order(self) -> tuple[ProgressRecord, ...]:
        """Embedded progress ordered by instant, duplicates (by ``dedup_key``) dropped."""
        seen: set[tuple[str, datetime, int, str]] = set()
        ordered: list[ProgressRecord] = []
        for step in sorted(self.progress, key=lambda p: (p.at, progression_rank(p.status),
                                                          p.content)):
            if step.dedup_key not in seen:
                seen.add(step.dedup_key)
                ordered.append(step)
        return tuple(ordered)
