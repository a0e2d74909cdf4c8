"""SQL of the dossier views that the clock does not read (the clock's own: app.deadlines.store)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import DossierApplicant


def applicant_of(session: Session, dossier_id: int) -> DossierApplicant | None:
    return session.get(DossierApplicant, dossier_id)
