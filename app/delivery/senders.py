"""The two ways a message leaves: SMTP (smtplib) and an outgoing webhook (httpx).

A sender raises `DeliveryError` when a message did not go out; ``permanent=True`` means trying
again cannot help (a 5xx SMTP reply, a 4xx HTTP status), so the message fails at once instead
of backing off for hours. Senders never log payloads: they hold email addresses.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from app.core.config import Settings

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30.0
WEBHOOK_TIMEOUT_SECONDS = 10.0
# Retrying these HTTP statuses can succeed; any other 4xx is the receiver refusing the message.
_TRANSIENT_HTTP = frozenset({408, 425, 429})


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    key: str
    kind: str
    channel: str
    payload: dict[str, Any]
    attempt: int


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Sender(Protocol):
    channel: str

    def send(self, message: OutgoingMessage) -> None:
        """Deliver one message or raise `DeliveryError`."""
        ...


def message_id_for(key: str, sender: str) -> str:
    # Derived from the idempotency key: a re-sent email carries the same Message-ID, which
    # mail clients and archives use to drop duplicates.
    domain = sender.rsplit("@", 1)[-1] or "tthc-monitor"
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}@{domain}>"


class SmtpSender:
    channel = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        timeout: float = SMTP_TIMEOUT_SECONDS,
        connect: Callable[..., smtplib.SMTP] = smtplib.SMTP,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout
        self._connect = connect

    def build(self, message: OutgoingMessage) -> EmailMessage:
        payload = message.payload
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = ", ".join(payload["to"])
        email["Subject"] = payload["subject"]
        email["Message-ID"] = message_id_for(message.key, self.sender)
        email["X-TTHC-Kind"] = message.kind
        email.set_content(payload["text"], charset="utf-8")
        return email

    def send(self, message: OutgoingMessage) -> None:
        email = self.build(message)
        try:
            smtp = self._connect(self.host, self.port, timeout=self.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP connect {type(exc).__name__}: {exc}") from exc
        try:
            refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            raise DeliveryError(
                f"SMTP refused every recipient (codes {codes})",
                permanent=all(code >= 500 for code in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {type(exc).__name__}: {exc}") from exc
        finally:
            _quit_quietly(smtp)
        if refused:
            # Some recipients got it: sending again would duplicate theirs, so it counts as sent.
            logger.warning(
                "outbox message %d: SMTP refused %d of its recipients",
                message.id, len(refused), extra={"outbox_id": message.id},
            )


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # The server has accepted the data by now; a failing QUIT must not turn it into a retry.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class WebhookSender:
    channel = "webhook"

    def __init__(
        self,
        url: str,
        *,
        client: httpx.Client | None = None,
        timeout: float = WEBHOOK_TIMEOUT_SECONDS,
    ) -> None:
        self.url = url
        self._client = client or httpx.Client(timeout=timeout)

    def send(self, message: OutgoingMessage) -> None:
        body = {"idempotency_key": message.key, "kind": message.kind, "payload": message.payload}
        headers = {
            "Idempotency-Key": message.key,
            "User-Agent": "tthc-monitor",
            "X-TTHC-Attempt": str(message.attempt),
        }
        try:
            response = self._client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {type(exc).__name__}: {exc}") from exc
        if response.is_success:
            return
        status = response.status_code
        permanent = 400 <= status < 500 and status not in _TRANSIENT_HTTP
        raise DeliveryError(f"webhook answered HTTP {status}", permanent=permanent)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def build_senders(
    settings: Settings, *, http_client: httpx.Client | None = None
) -> Mapping[str, Sender]:
    """The senders of the configured channels; an unconfigured channel is left out, so its
    messages stay pending until it is configured."""
    senders: dict[str, Sender] = {}
    if settings.smtp_host:
        senders["smtp"] = SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
    if settings.outgoing_webhook_url:
        senders["webhook"] = WebhookSender(settings.outgoing_webhook_url, client=http_client)
    return senders
