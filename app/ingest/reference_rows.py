"""Agencies and procedures a page of dossiers names: looked up once, created when unknown.

DonViXuLy is an agency code or a name. A procedure missing from the catalogue is created from
the record (``in_catalogue`` False); when the record left its names empty (the sender's own
catalogue look-up failed) the code stands in until a record, or the catalogue, brings them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from app.ingest import repository as repo
from app.ingest.hashing import content_hash
from app.models import Agency, Procedure
from connectors import DossierRecord

_CODE_LIKE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")


class ReferenceRows:
    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.agencies_by_code: dict[str, Agency] = {}
        self.agencies_by_name: dict[str, Agency] = {}
        self.procedures: dict[str, Procedure] = {}

    def load(self, dossiers: Sequence[tuple[DossierRecord, str | None]]) -> None:
        keys = sorted({r.agency for r, _ in dossiers} | {m for _, m in dossiers if m})
        for agency in repo.agencies_matching(self.session, keys):
            self.agencies_by_code[agency.code] = agency
            self.agencies_by_name.setdefault(agency.name, agency)
        self.procedures = repo.procedures_by_code(
            self.session, sorted({r.procedure_code for r, _ in dossiers})
        )
        created: list[Any] = []
        for record, madonvi in dossiers:
            if self.agency(record.agency) is None:
                created.append(self._new_agency(record.agency, madonvi))
            procedure = self.procedures.get(record.procedure_code)
            if procedure is None:
                procedure = Procedure(
                    code=record.procedure_code, name=record.procedure_name or record.procedure_code,
                    field_code=record.field_code, field_name=record.field_name,
                    in_catalogue=False, restart_on_supplement=False,
                    created_at=self.now, updated_at=self.now,
                )
                self.procedures[procedure.code] = procedure
                created.append(procedure)
            else:
                self._fill_names(procedure, record)
        if created:
            repo.add_all(self.session, created)

    def _fill_names(self, procedure: Procedure, record: DossierRecord) -> None:
        """Names a procedure outside the catalogue lacked, from the first record that has them."""
        if procedure.in_catalogue or procedure.name != procedure.code:
            return
        if record.procedure_name:
            procedure.name = record.procedure_name
            procedure.field_code = procedure.field_code or record.field_code
            procedure.field_name = procedure.field_name or record.field_name
            procedure.updated_at = self.now

    def agency(self, key: str) -> Agency | None:
        return self.agencies_by_code.get(key) or self.agencies_by_name.get(key)

    def _new_agency(self, key: str, madonvi: str | None) -> Agency:
        # A name gets the envelope's madonvi as its code when that code is still free, else a
        # stable code derived from the name.
        if _CODE_LIKE.fullmatch(key):
            code = key
        elif madonvi and madonvi not in self.agencies_by_code:
            code = madonvi
        else:
            code = "auto-" + content_hash(key)[:16]
        agency = Agency(code=code, name=key, auto_created=True, auto_approve_notices=False,
                        created_at=self.now, updated_at=self.now)
        self.agencies_by_code[code] = agency
        self.agencies_by_name.setdefault(key, agency)
        return agency
