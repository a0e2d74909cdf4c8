"""Agencies and their hierarchy: added by admins, imported from a list, or created by ingest."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.agencies import repository
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.models import Agency, AgencySigner


@dataclass
class AgencyImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def _clean(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


def title_lines(value: Any) -> str:
    """A signer's title: one line per line of the signature block (" / " or a newline)."""
    text = _clean(value).replace(" / ", "\n")
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def upsert_agency(
    session: Session,
    *,
    code: str,
    name: str,
    parent_code: str | None,
    now: datetime,
    governing_body: str | None = None,
    place: str | None = None,
    notice_symbol: str | None = None,
    signer_name: str | None = None,
    signer_title: str | None = None,
) -> tuple[Agency, str]:
    """Create or update one agency; returns it and 'created' | 'updated' | 'unchanged'.

    `signer_title` may span lines: a newline or " / " separates them, as in
    "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"."""
    code, name = _clean(code), _clean(name)
    if not code or not name:
        raise ValidationFailed("an agency needs a code and a name")
    parent_id = None
    if parent_code:
        parent = repository.find(session, _clean(parent_code))
        if parent is None:
            raise NotFound(f"parent agency {parent_code!r} does not exist (add it first)")
        parent_id = parent.id
    agency = repository.by_code(session, code)
    wanted = {
        "name": name,
        "parent_id": parent_id,
        "governing_body": _clean(governing_body) or None,
        "place": _clean(place) or None,
    }
    signing = {
        "notice_symbol": _clean(notice_symbol).upper() or None,
        "signer_name": _clean(signer_name) or None,
        "signer_title": title_lines(signer_title) or None,
    }
    if agency is None:
        agency = Agency(code=code, created_at=now, updated_at=now, auto_created=False, **wanted)
        session.add(agency)
        session.flush()
        _set_signer(session, agency, signing, now)
        return agency, "created"
    if parent_id is not None and parent_id in repository.subtree_ids(session, agency.id):
        raise ValidationFailed(f"{code} cannot sit under {parent_code}: that would be a loop")
    changed = any(getattr(agency, key) != value for key, value in wanted.items())
    changed = _set_signer(session, agency, signing, now) or changed
    if changed or agency.auto_created:
        for key, value in wanted.items():
            setattr(agency, key, value)
        agency.auto_created = False
        agency.updated_at = now
        session.flush()
        return agency, "updated"
    return agency, "unchanged"


def _set_signer(
    session: Session, agency: Agency, signing: dict[str, str | None], now: datetime
) -> bool:
    """Store how the agency signs its notices; True if that changed."""
    row = repository.signer_of(session, agency.id)
    if row is None:
        if not any(signing.values()):
            return False
        row = AgencySigner(agency_id=agency.id, created_at=now, updated_at=now)
        session.add(row)
    elif all(getattr(row, key) == value for key, value in signing.items()):
        return False
    for key, value in signing.items():
        setattr(row, key, value)
    row.updated_at = now
    session.flush()
    return True


def import_agencies(
    session: Session, rows: Iterable[Mapping[str, Any]], now: datetime
) -> AgencyImport:
    """Rows {code, name, parent_code?, governing_body?, place?, notice_symbol?, signer_name?,
    signer_title?}; parents before children is not required: rows whose parent is not there
    yet are retried after the others."""
    report = AgencyImport()
    pending = list(rows)
    while pending:
        retry = []
        for row in pending:
            try:
                _, outcome = upsert_agency(
                    session,
                    code=row.get("code", ""),
                    name=row.get("name", ""),
                    parent_code=row.get("parent_code") or None,
                    governing_body=row.get("governing_body"),
                    place=row.get("place"),
                    notice_symbol=row.get("notice_symbol"),
                    signer_name=row.get("signer_name"),
                    signer_title=row.get("signer_title"),
                    now=now,
                )
            except NotFound:
                retry.append(row)
                continue
            except ValidationFailed as exc:
                report.problems.append(f"{row.get('code')!r}: {exc.reason}")
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        if len(retry) == len(pending):
            report.problems += [
                f"{r.get('code')!r}: parent {r.get('parent_code')!r} not found" for r in retry
            ]
            break
        pending = retry
    return report


def narrow_scope(
    session: Session, allowed: Collection[int] | None, agency: str | None
) -> frozenset[int] | None:
    """The agencies a caller may see (`allowed`, None = every agency), narrowed to one agency's
    subtree when `agency` (code or name) is asked for; 404 for an unknown agency, 403 for one
    outside `allowed` (its name in the details, for pages that say it in Vietnamese)."""
    if agency is None:
        return frozenset(allowed) if allowed is not None else None
    found = repository.find(session, agency)
    if found is None:
        raise NotFound(f"no agency with code or name {agency!r}")
    if allowed is not None and found.id not in allowed:
        raise Forbidden(f"agency {agency!r} is outside your scope", agency_name=found.name)
    subtree = repository.subtree_ids(session, found.id)
    return subtree & frozenset(allowed) if allowed is not None else subtree
