"""Webhook signatures: ``X-TTHC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The MAC is computed over ``f"{t}."`` followed by the raw request body, with the shared secret as
key. The timestamp binds the signature to a moment so a captured request cannot be replayed after
``max_age`` seconds. Several ``v1=`` values may be sent (secret rotation); one match suffices.
The simulator signs with :func:`sign`, the app's webhook endpoint checks with :func:`verify`.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Final

from connectors.errors import SignatureInvalid

SIGNATURE_HEADER: Final = "X-TTHC-Signature"
DEFAULT_MAX_AGE: Final = 300


def _key(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not key:
        raise ValueError("the webhook secret must not be empty")
    return key


def compute_mac(secret: str | bytes, body: bytes, t: int) -> str:
    """Hex HMAC-SHA256 of ``f"{t}." + body``."""
    return hmac.new(_key(secret), f"{t}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, t: int) -> str:
    """The header value for ``body`` sent at unix time ``t``."""
    return f"t={int(t)},v1={compute_mac(secret, body, int(t))}"


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureInvalid(f"malformed signature header part {part.strip()!r}")
        if key == "t":
            if not value.isdigit():
                raise SignatureInvalid(f"signature timestamp {value!r} is not unix seconds")
            timestamp = int(value)
        elif key == "v1":
            macs.append(value.lower())
    if timestamp is None:
        raise SignatureInvalid("signature header has no t=<unix seconds>")
    if not macs:
        raise SignatureInvalid("signature header has no v1=<hex HMAC-SHA256>")
    return timestamp, macs


def verify(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    now: datetime | float,
    max_age: int = DEFAULT_MAX_AGE,
) -> int:
    """Check ``header`` for ``body``; return its timestamp or raise :class:`SignatureInvalid`.

    ``now`` is an aware datetime or unix seconds. Timestamps more than ``max_age`` seconds away
    from ``now`` (in either direction: a clock far ahead is as suspicious as a replay) fail.
    """
    if not header or not header.strip():
        raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
    timestamp, macs = _parse_header(header)
    now_s = now.timestamp() if isinstance(now, datetime) else float(now)
    age = now_s - timestamp
    if abs(age) > max_age:
        direction = "old" if age > 0 else "far in the future"
        raise SignatureInvalid(
            f"signature timestamp is {abs(int(age))} s {direction}; at most {max_age} s allowed"
        )
    expected = compute_mac(secret, body, timestamp)
    if not any(hmac.compare_digest(expected, mac) for mac in macs):
        raise SignatureInvalid("signature does not match the body")
    return timestamp
