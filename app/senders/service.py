"""The sender registry: register a one-door system, list senders with their traffic, revoke one;
log a sender in and recognise it by session or URL key.

Credentials are random (so SHA-256 is enough: there is no dictionary to attack) and shown once.
A session lives until its sender is revoked or it goes unused for the configured lifetime:
OpenCPS keeps its session as long as it works, some versions log in before every delivery, so
each sender keeps its most recently used sessions only. Revoking a sender ends its sessions and
its URL key at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from app.core.errors import Conflict, NotFound, ValidationFailed
from app.models import Sender, SenderSession
from app.quality import repository as quality
from app.senders import repository as repo

NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")
PREFIX_CHARS: Final = 6
STATS_DAYS: Final = 7
# Writing last_used_at on every delivery would be a write per request for nothing.
TOUCH_AFTER: Final = timedelta(minutes=5)
#: ``session.info`` key of `look_up_sessions`
_LOOKED_UP: Final = "tthc_sender_sessions"


def secret_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Credentials:
    """What `tthc senders add` prints once: nothing of it can be shown again."""

    name: str
    username: str
    password: str
    url_key: str
    agency: str | None

    def to_dict(self) -> dict[str, Any]:
        base = f"/dvcqg/k/{self.url_key}"
        return {
            "name": self.name, "username": self.username, "password": self.password,
            "url_key": self.url_key, "agency": self.agency,
            "endpoints": {
                "auth": "/dvcqg/auth", "api": "/dvcqg/api",
                "dossiers": f"{base}/DongBoHoSoMC", "progress": f"{base}/CapNhatTienDoHoSoMC",
            },
        }


def add_sender(session: Session, name: str, agency_code: str | None, now: datetime
               ) -> Credentials:
    if not NAME_RE.fullmatch(name):
        raise ValidationFailed(
            f"sender name {name!r} must be 2-64 letters, digits, '.', '_' or '-' (no spaces)"
        )
    if repo.by_name(session, name) is not None or repo.by_username(session, name) is not None:
        raise Conflict(f"a sender named {name!r} exists already (revoke it, or choose another)")
    agency_id = None
    if agency_code:
        agency = repo.agency_by_code(session, agency_code)
        if agency is None:
            raise NotFound(f"no agency with code {agency_code!r} (tthc agencies import)")
        agency_id = agency.id
    password, url_key = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    repo.add(session, Sender(
        name=name, agency_id=agency_id, username=name, password_hash=secret_hash(password),
        url_key_hash=secret_hash(url_key), url_key_prefix=url_key[:PREFIX_CHARS],
        created_at=now,
    ))
    return Credentials(name, name, password, url_key, agency_code or None)


def revoke_sender(session: Session, name: str, now: datetime) -> tuple[Sender, int]:
    """Revoke a sender (its sessions are deleted, its key stops working); returns it and how
    many sessions ended. Revoking twice is no error."""
    sender = repo.by_name(session, name)
    if sender is None:
        raise NotFound(f"no sender named {name!r}")
    if sender.revoked_at is None:
        sender.revoked_at = now
    return sender, repo.delete_sessions(session, sender.id)


@dataclass(frozen=True, slots=True)
class SenderRow:
    name: str
    username: str
    agency: str | None
    url_key_prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_delivery_at: datetime | None
    deliveries: int  # in the last STATS_DAYS days
    deliveries_per_day: float
    records_refused: int
    deliveries_refused: int
    anomalies: int

    def to_dict(self) -> dict[str, Any]:
        iso = {k: getattr(self, k) and getattr(self, k).isoformat()
               for k in ("created_at", "revoked_at", "last_delivery_at")}
        return {
            "name": self.name, "username": self.username, "agency": self.agency,
            "url_key_prefix": self.url_key_prefix, **iso, "active": self.revoked_at is None,
            "stats_days": STATS_DAYS, "deliveries": self.deliveries,
            "deliveries_per_day": self.deliveries_per_day,
            "records_refused": self.records_refused,
            "deliveries_refused": self.deliveries_refused, "anomalies": self.anomalies,
        }


def list_senders(session: Session, now: datetime) -> list[SenderRow]:
    stats = repo.delivery_stats(session, now - timedelta(days=STATS_DAYS))
    anomalies = quality.per_sender(session)
    rows = []
    for sender, agency in repo.all_senders(session):
        s = stats.get(sender.id, repo.DeliveryStats(0, 0, 0))
        rows.append(SenderRow(
            sender.name, sender.username, agency, sender.url_key_prefix, sender.created_at,
            sender.revoked_at, sender.last_delivery_at, s.deliveries,
            round(s.deliveries / STATS_DAYS, 1), s.records_refused, s.deliveries_refused,
            anomalies.get(sender.id, 0),
        ))
    return rows


def login(
    session: Session, username: str, password: str, now: datetime, *, keep: int,
    lifetime: timedelta,
) -> str | None:
    """A new session for valid credentials of an active sender, else None (no reason given:
    the caller must not tell a wrong name from a wrong password)."""
    sender = repo.by_username(session, username)
    expected = sender.password_hash if sender is not None else secret_hash("")
    matches = hmac.compare_digest(expected, secret_hash(password))
    if sender is None or not matches or sender.revoked_at is not None:
        return None
    token = secrets.token_urlsafe(32)
    repo.add_session(session, SenderSession(sender_id=sender.id, token_hash=secret_hash(token),
                                            created_at=now, last_used_at=now))
    repo.trim_sessions(session, sender.id, keep, now - lifetime)
    return token


def sender_for_session(
    session: Session, token: str, now: datetime, lifetime: timedelta
) -> repo.SessionOfSender | None:
    """A live session of an active sender (with the sender's id, name and agency code), or
    None."""
    if not token:
        return None
    token_hash = secret_hash(token)
    looked_up = _looked_up(session)
    found = (looked_up[token_hash] if token_hash in looked_up
             else repo.session_by_hash(session, token_hash))
    if found is None or not is_live(found, now, lifetime):
        return None
    if use_to_note(found, now):
        repo.touch_session(session, found.id, now)
    return found


def is_live(found: repo.SessionOfSender, now: datetime, lifetime: timedelta) -> bool:
    """The session's sender is not revoked and the session was used within ``lifetime``."""
    return found.revoked_at is None and found.last_used_at + lifetime > now


def use_to_note(found: repo.SessionOfSender, now: datetime) -> bool:
    """Whether this use of the session is noted (its last use is `TOUCH_AFTER` old)."""
    return now - found.last_used_at >= TOUCH_AFTER


def look_up_sessions(session: Session, tokens: Iterable[str]) -> None:
    """Find the sessions of ``tokens`` in one query, for the `sender_for_session` calls that
    follow in this transaction: a group of deliveries (app/ingest/group_commit.py) asked one
    query per delivery. Kept in ``session.info`` with the transaction it was read in: after a
    rollback `sender_for_session` asks again, as without it."""
    hashes = sorted({secret_hash(token) for token in tokens if token})
    if not hashes:
        return
    found = repo.sessions_by_hash(session, hashes)
    session.info[_LOOKED_UP] = (session.get_transaction(),
                                {h: found.get(h) for h in hashes})


def _looked_up(session: Session) -> dict[str, repo.SessionOfSender | None]:
    kept = session.info.get(_LOOKED_UP)
    if kept is None or kept[0] is None or kept[0] is not session.get_transaction():
        return {}
    found: dict[str, repo.SessionOfSender | None] = kept[1]
    return found


def sender_for_url_key(session: Session, url_key: str) -> Sender | None:
    """The active sender of a URL key, or None."""
    if not url_key or len(url_key) > 200:
        return None
    sender = repo.by_url_key(session, secret_hash(url_key))
    return sender if sender is not None and sender.revoked_at is None else None


def delivered(sender: Sender, now: datetime) -> None:
    sender.last_delivery_at = now


def delivered_by(session: Session, sender_id: int, now: datetime) -> None:
    """`delivered` for a sender known by its id only (a session's, `sender_for_session`)."""
    repo.note_delivery(session, sender_id, now)


def agency_code_of(session: Session, sender: Sender) -> str | None:
    return repo.agency_code(session, sender.agency_id)
