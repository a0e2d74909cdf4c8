"""Steps 1–2 of ingestion: keep every raw payload, then parse each one into a typed record.

Parsing never raises: a record the connectors' parser refuses becomes a :class:`Failure` with the
field, reason and value of its :class:`~connectors.RecordInvalid`; anything unexpected becomes a
failure on field ``"*"`` so one strange record cannot stop a page.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from app.ingest import repository as repo
from app.ingest.hashing import canonical_json, content_hash
from connectors import DossierRecord, ProgressRecord, RecordInvalid, SourceRecord, parse_record
from connectors.portal.fields import read_text

#: Quarantine field for an error the parser did not foresee.
ANY_FIELD: Final = "*"
_MAX_CODE = 64
_MAX_AGENCY = 255


@dataclass(frozen=True, slots=True)
class Received:
    """One incoming record and the raw row that keeps its payload."""

    record: SourceRecord
    raw_id: int


@dataclass(frozen=True, slots=True)
class Failure:
    field: str
    reason: str
    value: str | None


Parsed = DossierRecord | ProgressRecord | Failure


def readable_code(payload: Any) -> str | None:
    """MaHoSo read as the parser reads it (a number as its digits, text NFC-normalised and
    stripped, at most 64 characters, no NUL), for raw rows and quarantine lists; None when
    it cannot be read. The parser's own reader, so that a stored record's raw row names
    exactly the code its dossier is stored under (retention finds a payload's dossier by
    it); spaces and dots, which only the parser's code rules refuse, stay readable."""
    if not isinstance(payload, dict):
        return None
    try:
        return read_text(payload, "MaHoSo")
    except (RecordInvalid, ValueError):  # ValueError: an int past Python's 4300-digit str()
        return None


def _short_text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFC", value).strip()
    usable = text and len(text) <= limit and not any(ord(ch) < 32 for ch in text)
    return text if usable else None


def named_agency(payload: Any) -> str | None:
    """DonViXuLy (an agency code or name) when it is a usable string, for quarantine scope."""
    return _short_text(payload.get("DonViXuLy"), _MAX_AGENCY) if isinstance(payload, dict) else None


def sender_agency(record: SourceRecord) -> str | None:
    """The envelope's madonvi, when the source stated one."""
    return _short_text(record.agency_code, _MAX_CODE)


@dataclass(frozen=True, slots=True)
class RawPayloads:
    """A page's payloads as raw rows store them: each record's canonical JSON and its hash,
    how many times each distinct payload came, and the index of its first record (the one
    whose row is written)."""

    texts: list[str]
    hashes: list[str]
    receptions: Counter[str]
    first: dict[str, int]  # in order of first appearance


def raw_payloads(records: Sequence[SourceRecord], texts: list[str] | None = None,
                 hashes: list[str] | None = None) -> RawPayloads:
    """``texts`` and ``hashes``, when given, were computed already (the read-ahead worker)."""
    if texts is None or hashes is None:
        texts = [canonical_json(record.payload) for record in records]
        hashes = [content_hash(text) for text in texts]
    first: dict[str, int] = {}
    for index, digest in enumerate(hashes):
        first.setdefault(digest, index)
    return RawPayloads(texts, hashes, Counter(hashes), first)


def keep_raw(
    session: Session, source: str | Sequence[str], records: Iterable[SourceRecord], now: datetime,
    texts: list[str] | None = None, hashes: list[str] | None = None,
) -> tuple[list[Received], set[int]]:
    """Store each new payload once, count receptions of known ones. ``texts`` and ``hashes``,
    when given, are the records' canonical JSON and its hash computed already (a file
    import's worker process, `app.ingest.read_ahead`).

    Returns the records with their raw ids (input order) and the ids that existed before this
    call: only those can already have a quarantine entry. ``source`` may name each record's
    source (the deliveries of several senders committed together, app/ingest/group_commit.py).
    """
    batch = list(records)
    payloads = raw_payloads(batch, texts, hashes)
    texts, hashes, receptions = payloads.texts, payloads.hashes, payloads.receptions
    known = repo.raw_ids_by_hash(session, list(receptions))
    first_new = {digest: index for digest, index in payloads.first.items() if digest not in known}
    stored = repo.insert_raw_records(
        session,
        [
            {
                "content_hash": digest,
                "source": source if isinstance(source, str) else source[index],
                "kind": batch[index].kind,
                "origin": batch[index].origin,
                "payload": texts[index],
                "dossier_code": readable_code(batch[index].payload),
                "first_received_at": now,
                "last_received_at": now,
                "times_received": receptions[digest],
            }
            for digest, index in first_new.items()
        ],
    )
    repo.bump_raw_records(session, {known[d]: n for d, n in receptions.items() if d in known}, now)
    ids = dict(known)
    ids.update({digest: raw_id for digest, (raw_id, _) in stored.items()})
    # a payload a concurrent writer stored after the look-up existed before this call too
    raced = {raw_id for digest, (raw_id, times) in stored.items() if times != receptions[digest]}
    seen_before = set(known.values()) | raced
    received = [Received(record, ids[digest]) for record, digest in zip(batch, hashes, strict=True)]
    return received, seen_before


def parse_one(record: SourceRecord) -> Parsed:
    try:
        # the delivery's agency (madonvi, MaDinhDanhDV) stands in for an empty DonViXuLy
        return parse_record(record.kind, record.payload, record.agency_code)
    except RecordInvalid as exc:
        return Failure(exc.field, exc.reason, exc.value)
    except Exception as exc:  # one broken record must never stop the page
        return Failure(ANY_FIELD, f"unexpected error while reading the record: "
                       f"{type(exc).__name__}: {exc}", None)


def parse_all(items: Sequence[Received], known: Sequence[Parsed] | None = None
              ) -> list[Parsed]:
    """Each item's parse, in order, each distinct record parsed once; ``known`` holds the
    items' parses made already, in the same order. The sender's agency stands in for an empty
    DonViXuLy but is not part of the content hash: one payload from two agencies' senders (one
    raw row) parses twice."""
    parsed: dict[tuple[int, str | None], Parsed] = {}
    results = []
    for index, item in enumerate(items):
        key = (item.raw_id, item.record.agency_code)
        if key not in parsed:
            parsed[key] = parse_one(item.record) if known is None else known[index]
        results.append(parsed[key])
    return results
