from __future__ import annotations

import json
import socket
from email.header import decode_header, make_header
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.delivery.senders import (
    DeliveryError,
    OutgoingMessage,
    SmtpSender,
    WebhookSender,
    build_senders,
    message_id_for,
)

MESSAGE = OutgoingMessage(
    id=7,
    key="notice:12:sent",
    kind="notice.sent",
    channel="smtp",
    payload={
        "to": ["cong.dan@example.vn"],
        "subject": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        "text": "Kính gửi Ông/Bà, hồ sơ 000.00.20.H42-250301-0001 được hẹn lại ngày 10/3/2025.",
    },
    attempt=1,
)


def test_smtp_sends_utf8_mail_with_a_stable_message_id(smtp_server: Any) -> None:
    sender = SmtpSender("127.0.0.1", smtp_server.port, "tthc@so-tu-phap.example.vn", timeout=5)
    sender.send(MESSAGE)
    (received,) = smtp_server.received
    assert smtp_server.envelopes == [("tthc@so-tu-phap.example.vn", ["cong.dan@example.vn"])]
    assert received["To"] == "cong.dan@example.vn"
    assert received["Message-ID"] == message_id_for(MESSAGE.key, "tthc@so-tu-phap.example.vn")
    assert received["Message-ID"].endswith("@so-tu-phap.example.vn>")
    assert received["X-TTHC-Kind"] == "notice.sent"
    assert str(make_header(decode_header(received["Subject"]))) == MESSAGE.payload["subject"]
    body = received.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "hẹn lại ngày 10/3/2025" in body.decode("utf-8")


@pytest.mark.parametrize(
    ("attribute", "reply", "permanent"),
    [
        ("rcpt_reply", "550 no such mailbox", True),
        ("rcpt_reply", "451 try again later", False),
        ("data_reply", "554 rejected as spam", True),
        ("data_reply", "452 mailbox full", False),
    ],
)
def test_smtp_refusals_are_permanent_only_for_5xx(
    smtp_server: Any, attribute: str, reply: str, permanent: bool
) -> None:
    setattr(smtp_server, attribute, reply)
    sender = SmtpSender("127.0.0.1", smtp_server.port, "tthc@example.vn", timeout=5)
    with pytest.raises(DeliveryError) as caught:
        sender.send(MESSAGE)
    assert caught.value.permanent is permanent
    assert smtp_server.received == []


def test_an_unreachable_smtp_server_is_a_transient_failure() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryError) as caught:
        SmtpSender("127.0.0.1", port, "tthc@example.vn", timeout=2).send(MESSAGE)
    assert not caught.value.permanent


def _webhook(handler: httpx.MockTransport) -> WebhookSender:
    return WebhookSender("https://receiver.example/hooks", client=httpx.Client(transport=handler))


WEBHOOK_MESSAGE = OutgoingMessage(
    id=8, key="dossier:X:late", kind="dossier.late", channel="webhook",
    payload={"dossier_code": "X", "agency": "Sở Tư pháp"}, attempt=2,
)


def test_webhook_posts_json_with_the_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    _webhook(httpx.MockTransport(handle)).send(WEBHOOK_MESSAGE)
    (request,) = seen
    assert request.method == "POST" and str(request.url) == "https://receiver.example/hooks"
    assert request.headers["Idempotency-Key"] == "dossier:X:late"
    assert request.headers["X-TTHC-Attempt"] == "2"
    assert json.loads(request.content) == {
        "idempotency_key": "dossier:X:late",
        "kind": "dossier.late",
        "payload": {"dossier_code": "X", "agency": "Sở Tư pháp"},
    }


@pytest.mark.parametrize(
    ("status", "permanent"), [(400, True), (410, True), (408, False), (429, False), (503, False)]
)
def test_webhook_status_decides_whether_to_retry(status: int, permanent: bool) -> None:
    sender = _webhook(httpx.MockTransport(lambda request: httpx.Response(status)))
    with pytest.raises(DeliveryError, match=str(status)) as caught:
        sender.send(WEBHOOK_MESSAGE)
    assert caught.value.permanent is permanent


def test_webhook_network_errors_are_transient() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(DeliveryError) as caught:
        _webhook(httpx.MockTransport(refuse)).send(WEBHOOK_MESSAGE)
    assert not caught.value.permanent


def test_only_configured_channels_get_a_sender() -> None:
    base = Settings(environment="development", smtp_host="", outgoing_webhook_url="")
    assert dict(build_senders(base)) == {}
    both = base.model_copy(
        update={"smtp_host": "mail.example.vn", "outgoing_webhook_url": "https://r.example/h"}
    )
    assert set(build_senders(both)) == {"smtp", "webhook"}
