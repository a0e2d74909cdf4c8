from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.delivery import DeliveryError, RetryPolicy, SmtpSender, WebhookSender, deliver_due, enqueue
from app.delivery.senders import OutgoingMessage
from app.delivery.service import INTERRUPTED_SMTP, INTERRUPTED_WEBHOOK, claim_due
from app.models.outbox import OutboxMessage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=3, base_delay=timedelta(minutes=1), lease=timedelta(minutes=30))
EMAIL = {"to": "cong.dan@example.vn", "subject": "Phiếu xin lỗi", "text": "Kính gửi Ông/Bà…"}


class ProcessDied(BaseException):
    """Stands for the process being killed: not an `Exception`, so nothing catches it."""


def _message(session: Session, key: str) -> OutboxMessage:
    session.expire_all()
    return session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def _smtp(server: Any) -> SmtpSender:
    return SmtpSender("127.0.0.1", server.port, "tthc@example.vn", timeout=5)


def test_a_sent_message_is_never_sent_again(db_session: Session, smtp_server: Any) -> None:
    enqueue(db_session, key="m1", kind="notice.sent", channel="smtp", payload=EMAIL, now=NOW)
    senders = {"smtp": _smtp(smtp_server)}

    counts = deliver_due(db_session, NOW, senders, policy=POLICY)
    assert counts["sent"] == 1
    message = _message(db_session, "m1")
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, NOW)

    for later in (NOW, NOW + timedelta(days=1)):
        assert deliver_due(db_session, later, senders, policy=POLICY)["sent"] == 0
    assert len(smtp_server.received) == 1


def test_messages_not_yet_due_wait(db_session: Session, recording_webhook: Any) -> None:
    enqueue(db_session, key="later", kind="k", channel="webhook", payload={}, now=NOW)
    senders = {"webhook": recording_webhook}
    assert deliver_due(db_session, NOW - timedelta(seconds=1), senders)["sent"] == 0
    assert deliver_due(db_session, NOW, senders)["sent"] == 1


def test_transient_failures_back_off_then_give_up(db_session: Session) -> None:
    failures: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        failures.append(int(request.headers["X-TTHC-Attempt"]))
        return httpx.Response(503)

    client = httpx.Client(transport=httpx.MockTransport(flaky))
    senders = {"webhook": WebhookSender("https://r.example/h", client=client)}
    enqueue(db_session, key="w1", kind="k", channel="webhook", payload={"a": 1}, now=NOW)

    assert deliver_due(db_session, NOW, senders, policy=POLICY)["retrying"] == 1
    message = _message(db_session, "w1")
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == NOW + timedelta(minutes=1)
    assert message.last_error == "webhook answered HTTP 503"

    # Not due yet: nothing is attempted before the backoff runs out.
    early = deliver_due(db_session, NOW + timedelta(seconds=59), senders, policy=POLICY)
    assert early["retrying"] == 0
    second = NOW + timedelta(minutes=1)
    deliver_due(db_session, second, senders, policy=POLICY)
    assert _message(db_session, "w1").next_attempt_at == second + timedelta(minutes=2)

    counts = deliver_due(db_session, second + timedelta(minutes=2), senders, policy=POLICY)
    assert counts["failed"] == 1
    message = _message(db_session, "w1")
    assert (message.status, message.attempts) == ("failed", 3)
    assert failures == [1, 2, 3]
    assert deliver_due(db_session, NOW + timedelta(days=1), senders, policy=POLICY)["failed"] == 0
    assert failures == [1, 2, 3]


def test_a_permanent_failure_fails_at_once(db_session: Session, smtp_server: Any) -> None:
    smtp_server.rcpt_reply = "550 no such mailbox"
    enqueue(db_session, key="m-bad", kind="k", channel="smtp", payload=EMAIL, now=NOW)
    assert deliver_due(db_session, NOW, {"smtp": _smtp(smtp_server)}, policy=POLICY)["failed"] == 1
    message = _message(db_session, "m-bad")
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error is not None and "550" in message.last_error


def test_an_unconfigured_channel_leaves_its_messages_pending(
    db_session: Session, recording_webhook: Any
) -> None:
    enqueue(db_session, key="mail", kind="k", channel="smtp", payload=EMAIL, now=NOW)
    enqueue(db_session, key="hook", kind="k", channel="webhook", payload={}, now=NOW)
    counts = deliver_due(db_session, NOW, {"webhook": recording_webhook}, policy=POLICY)
    assert counts["sent"] == 1 and counts["waiting_unconfigured"] == 1
    assert _message(db_session, "mail").status == "pending"
    assert _message(db_session, "mail").attempts == 0
    assert deliver_due(db_session, NOW, {}, policy=POLICY)["waiting_unconfigured"] == 1


def test_a_sender_bug_costs_one_attempt_and_does_not_stall_the_row(db_session: Session) -> None:
    class Broken:
        channel = "webhook"

        def send(self, message: OutgoingMessage) -> None:
            raise KeyError("payload")

    enqueue(db_session, key="bug", kind="k", channel="webhook", payload={}, now=NOW)
    assert deliver_due(db_session, NOW, {"webhook": Broken()}, policy=POLICY)["retrying"] == 1
    message = _message(db_session, "bug")
    assert message.status == "pending" and "KeyError" in (message.last_error or "")


def test_a_crash_between_smtp_send_and_mark_never_sends_the_email_twice(
    db_session: Session, smtp_server: Any
) -> None:
    class SendsThenDies(SmtpSender):
        def send(self, message: OutgoingMessage) -> None:
            super().send(message)
            raise ProcessDied

    enqueue(db_session, key="crash", kind="k", channel="smtp", payload=EMAIL, now=NOW)
    dying = SendsThenDies("127.0.0.1", smtp_server.port, "tthc@example.vn", timeout=5)
    with pytest.raises(ProcessDied):
        deliver_due(db_session, NOW, {"smtp": dying}, policy=POLICY)
    assert len(smtp_server.received) == 1
    assert _message(db_session, "crash").status == "sending"

    healthy = {"smtp": _smtp(smtp_server)}
    assert deliver_due(db_session, NOW + timedelta(minutes=5), healthy, policy=POLICY)["sent"] == 0
    counts = deliver_due(db_session, NOW + POLICY.lease, healthy, policy=POLICY)
    assert counts["failed_interrupted"] == 1 and counts["sent"] == 0
    message = _message(db_session, "crash")
    assert (message.status, message.last_error) == ("failed", INTERRUPTED_SMTP)
    assert len(smtp_server.received) == 1


def test_an_interrupted_webhook_is_retried_with_the_same_idempotency_key(
    db_session: Session,
) -> None:
    keys: list[str] = []

    def receive(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        return httpx.Response(200)

    client = httpx.Client(transport=httpx.MockTransport(receive))

    class SendsThenDies(WebhookSender):
        def send(self, message: OutgoingMessage) -> None:
            super().send(message)
            raise ProcessDied

    enqueue(db_session, key="hook-crash", kind="k", channel="webhook", payload={}, now=NOW)
    with pytest.raises(ProcessDied):
        deliver_due(db_session, NOW, {"webhook": SendsThenDies("https://r/h", client=client)},
                    policy=POLICY)
    assert _message(db_session, "hook-crash").status == "sending"
    later = NOW + POLICY.lease
    assert deliver_due(db_session, later, {}, policy=POLICY)["requeued_interrupted"] == 1
    waiting = _message(db_session, "hook-crash")
    assert (waiting.status, waiting.last_error) == ("pending", INTERRUPTED_WEBHOOK)

    healthy = {"webhook": WebhookSender("https://r/h", client=client)}
    assert deliver_due(db_session, later, healthy, policy=POLICY)["sent"] == 1
    assert keys == ["hook-crash", "hook-crash"]
    message = _message(db_session, "hook-crash")
    assert (message.status, message.attempts) == ("sent", 2)
    assert message.last_error is None


def test_batches_continue_until_nothing_is_due(db_session: Session, recording_webhook: Any) -> None:
    for index in range(7):
        enqueue(db_session, key=f"b{index}", kind="k", channel="webhook", payload={}, now=NOW)
    counts = deliver_due(db_session, NOW, {"webhook": recording_webhook}, batch_size=3)
    assert counts["sent"] == 7
    assert [m.key for m in recording_webhook.sent] == [f"b{index}" for index in range(7)]
    assert deliver_due(db_session, NOW, {"webhook": recording_webhook}, max_messages=2)["sent"] == 0


def test_delivery_error_reason_is_recorded(db_session: Session) -> None:
    class Refusing:
        channel = "webhook"

        def send(self, message: OutgoingMessage) -> None:
            raise DeliveryError("receiver says no", permanent=True)

    enqueue(db_session, key="no", kind="k", channel="webhook", payload={}, now=NOW)
    deliver_due(db_session, NOW, {"webhook": Refusing()}, policy=POLICY)
    assert _message(db_session, "no").last_error == "receiver says no"


def test_a_claim_takes_at_most_its_batch(db_session: Session) -> None:
    for index in range(5):
        enqueue(db_session, key=f"l{index}", kind="k", channel="webhook", payload={}, now=NOW)
    claimed = claim_due(db_session, now=NOW, channels=["webhook"], limit=3, policy=POLICY)
    assert [m.idempotency_key for m in claimed] == ["l0", "l1", "l2"]
    assert all(m.status == "sending" and m.attempts == 1 for m in claimed)
    assert claimed[0].next_attempt_at == NOW + POLICY.lease
    rest = claim_due(db_session, now=NOW, channels=["webhook"], limit=3, policy=POLICY)
    assert [m.idempotency_key for m in rest] == ["l3", "l4"]
