"""Errors raised by connectors.

Two families, because the caller reacts to them differently: a *connector* error stops a pull
(nothing after it can be read, the stored cursor stays where it was), a *record* error concerns
one record only (the app quarantines it with the field and the value and goes on)::

    ConnectorError                  base of everything raised by ``connectors``
    ├── SourceError                 the source cannot be read; the run stops
    │   ├── PortalUnavailable       network/5xx/timeout trouble, retry later
    │   │   └── RetryBudgetExhausted    retries used up; names the URL and the last error
    │   ├── PortalAuthError         401/403: the token is wrong or expired, never retried
    │   ├── PortalProtocolError     the portal answered, but not in the agreed format
    │   │                           (non-zero error_code, invalid JSON after retries, bad shape)
    │   └── SpreadsheetError        an export file cannot be read (missing, no header, bad encoding)
    ├── DataError                   one piece of data is wrong; the run goes on
    │   ├── RecordInvalid           one record: ``field``, ``reason``, ``value`` (quarantine row)
    │   └── EnvelopeInvalid         a pushed envelope is malformed (HTTP 400 at the webhook)
    ├── SignatureInvalid            a webhook signature is missing, stale or wrong (HTTP 401)
    └── UnknownConnector            ``get_connector`` was given a name not in the registry
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class of every error raised by the connectors package."""


class SourceError(ConnectorError):
    """The source cannot be read; the pull stops and the stored cursor does not move."""


class PortalUnavailable(SourceError):
    """The portal did not answer usefully (connection error, timeout, 5xx, 429)."""


class RetryBudgetExhausted(PortalUnavailable):
    """Retries were used up; carries the URL, the attempt count and the last error."""

    def __init__(self, url: str, attempts: int, last_error: str) -> None:
        self.url = url
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(
            f"gave up on {url} after {attempts} attempt(s); last error: {last_error}"
        )


class PortalAuthError(SourceError):
    """The portal refused our credentials (401/403). Retrying cannot help."""


class PortalProtocolError(SourceError):
    """The portal answered in a way the protocol does not allow."""


class SpreadsheetError(SourceError):
    """An export file cannot be read as a whole."""


class DataError(ConnectorError):
    """One piece of incoming data is wrong; the rest of the run is unaffected."""


class RecordInvalid(DataError):
    """One record breaks PORTAL.md.

    ``field`` is the portal field name (with a path for nested values, e.g.
    ``QuaTrinhXuLy[3].ThoiDiemXuLy``), ``reason`` a human explanation and ``value`` the offending
    value as text (``None`` when absent, or when it is personal data that must not be echoed).
    """

    def __init__(self, field: str, reason: str, value: str | None = None) -> None:
        self.field = field
        self.reason = reason
        self.value = value
        super().__init__(f"{field}: {reason}")

    def nested(self, prefix: str) -> RecordInvalid:
        """The same error seen from the enclosing record (``prefix`` e.g. ``QuaTrinhXuLy[3]``)."""
        return RecordInvalid(f"{prefix}.{self.field}", self.reason, self.value)


class EnvelopeInvalid(DataError):
    """A pushed envelope is not valid JSON or does not have the envelope shape."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class SignatureInvalid(ConnectorError):
    """A webhook signature header is missing, malformed, too old or does not match."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnknownConnector(ConnectorError):
    """The registry has no connector of that name."""
