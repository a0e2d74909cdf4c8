from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from app.core.errors import ValidationFailed
from app.delivery import enqueue, payloads
from app.delivery.payloads import MAX_PAYLOAD_BYTES, checked_payload_json
from app.delivery.service import Message, enqueue_many
from app.models.outbox import OutboxMessage

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
FACTS = {
    "dossier_code": "000.00.20.H42-250301-0001",
    "agency": "Sở Tư pháp",
    "notice_number": "12/PXL",
    "due_at": "2025-03-05T10:00:00+07:00",
}


def _email(**extra: Any) -> dict[str, Any]:
    return {"to": "cong.dan@example.vn", "subject": "Phiếu xin lỗi", "text": "Kính gửi…", **extra}


def test_a_second_enqueue_of_the_same_key_is_a_no_op(db_session: Session) -> None:
    assert enqueue(db_session, key="notice:1:sent", kind="notice.sent", channel="webhook",
                   payload=FACTS, now=NOW)
    assert not enqueue(db_session, key="notice:1:sent", kind="other", channel="webhook",
                       payload={"changed": True}, now=NOW)
    rows = db_session.scalars(select(OutboxMessage)).all()
    assert len(rows) == 1
    message = rows[0]
    assert (message.kind, message.status, message.attempts) == ("notice.sent", "pending", 0)
    assert message.payload == FACTS
    assert message.next_attempt_at == NOW and message.created_at == NOW and message.sent_at is None


def test_text_is_stored_nfc(db_session: Session) -> None:
    decomposed = unicodedata.normalize("NFD", "Sở Tư pháp")
    assert decomposed != "Sở Tư pháp"
    enqueue(db_session, key="k-nfc", kind="notice.sent", channel="webhook",
            payload={"agency": decomposed}, now=NOW)
    stored = db_session.scalars(select(OutboxMessage.payload)).one()
    assert stored["agency"] == "Sở Tư pháp"


@pytest.mark.parametrize(
    "payload",
    [
        {**FACTS, "applicant_phone": "0912345678"},
        {**FACTS, "applicant": {"name": "Nguyễn Văn An", "id_number": "079012345612"}},
        {**FACTS, "CCCD": "079012345612"},
        {**FACTS, "items": [{"so_dien_thoai": "0912345678"}]},
    ],
)
def test_phone_and_id_numbers_are_refused_on_the_webhook(
    db_session: Session, payload: dict[str, Any]
) -> None:
    with pytest.raises(ValidationFailed, match="phone or ID number"):
        enqueue(db_session, key="k-pii", kind="notice.sent", channel="webhook",
                payload=payload, now=NOW)
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_only_an_email_to_the_applicant_may_carry_their_numbers(db_session: Session) -> None:
    with pytest.raises(ValidationFailed):
        enqueue(db_session, key="k-mail-1", kind="notice.sent", channel="smtp",
                payload=_email(id_number="079012345612"), now=NOW)
    assert enqueue(db_session, key="k-mail-2", kind="notice.sent", channel="smtp",
                   payload=_email(id_number="079012345612", recipient_is_applicant=True), now=NOW)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"subject": "x", "text": "y"}, "needs 'to'"),
        (_email(to="not-an-address"), "invalid email"),
        (_email(to=["a@example.vn", "b@example.vn>"]), "invalid email"),
        (_email(subject="Phiếu\r\nBcc: x@example.vn"), "one line"),
        (_email(subject=" "), "subject"),
        (_email(text=""), "plain-text body"),
    ],
)
def test_smtp_payloads_need_a_recipient_subject_and_body(
    db_session: Session, payload: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        enqueue(db_session, key="k-bad", kind="notice.sent", channel="smtp", payload=payload,
                now=NOW)


def test_one_recipient_is_stored_as_a_list(db_session: Session) -> None:
    enqueue(db_session, key="k-to", kind="notice.sent", channel="smtp", payload=_email(), now=NOW)
    stored = db_session.scalars(select(OutboxMessage.payload)).one()
    assert stored["to"] == ["cong.dan@example.vn"]


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"channel": "sms"}, "unknown channel"),
        ({"key": ""}, "idempotency key"),
        ({"key": "k" * 129}, "idempotency key"),
        ({"kind": ""}, "kind"),
        ({"payload": {"when": datetime(2025, 1, 1, tzinfo=UTC)}}, "not plain JSON"),
        ({"payload": {"blob": "x" * 70_000}}, "limit"),
    ],
)
def test_bad_messages_are_refused_with_a_reason(
    db_session: Session, kwargs: dict[str, Any], reason: str
) -> None:
    arguments: dict[str, Any] = {
        "key": "k", "kind": "notice.sent", "channel": "webhook", "payload": FACTS, "now": NOW,
        **kwargs,
    }
    with pytest.raises(ValidationFailed, match=reason):
        enqueue(db_session, **arguments)


def test_many_messages_queue_in_one_call_each_key_once(db_session: Session) -> None:
    assert enqueue(db_session, key="overdue:A", kind="dossier_overdue", channel="webhook",
                   payload=FACTS, now=NOW)
    batch = [Message(f"overdue:{code}", "dossier_overdue", "webhook", {"dossier_code": code})
             for code in ("A", "B", "C", "B")]
    assert enqueue_many(db_session, batch, NOW) == 2  # A was there; the second B repeats
    keys = db_session.scalars(select(OutboxMessage.idempotency_key)
                              .order_by(OutboxMessage.id)).all()
    assert keys == ["overdue:A", "overdue:B", "overdue:C"]
    assert enqueue_many(db_session, [], NOW) == 0


def test_one_bad_message_queues_none_of_its_batch(db_session: Session) -> None:
    batch = [Message("ok:1", "k", "webhook", {}), Message("x" * 129, "k", "webhook", {})]
    with pytest.raises(ValidationFailed, match="idempotency key"):
        enqueue_many(db_session, batch, NOW)
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_size_limit_counts_utf8_bytes_not_the_escaped_stored_text(
    db_session: Session,
) -> None:
    # "ệ" is 3 bytes in UTF-8 but 6 characters (\u1ec7) in the stored, ASCII-escaped text:
    # the fast check on the stored text must not refuse what the byte limit allows
    fits = {"text": "ệ" * 21_000}  # 63,000 bytes + the key
    assert len(json.dumps(fits)) > MAX_PAYLOAD_BYTES
    assert enqueue(db_session, key="k-fits", kind="notice.sent", channel="webhook",
                   payload=fits, now=NOW)
    too_big = {"text": "ệ" * 21_400}
    size = len(json.dumps(too_big, ensure_ascii=False).encode("utf-8"))
    with pytest.raises(ValidationFailed, match=f"payload is {size} bytes"):
        enqueue(db_session, key="k-big", kind="notice.sent", channel="webhook",
                payload=too_big, now=NOW)


def test_the_stored_json_is_the_text_serialised_for_the_check(db_session: Session) -> None:
    payload = {**FACTS, "reason": unicodedata.normalize("NFD", "quá hạn"), "n": 1.5}
    cleaned, text = checked_payload_json("webhook", payload)
    assert text == json.dumps(cleaned)  # what SQLAlchemy's JSON type would have written
    enqueue(db_session, key="k-text", kind="notice.sent", channel="webhook", payload=payload,
            now=NOW)
    stored = db_session.scalars(select(cast(OutboxMessage.payload, Text))).one()
    assert stored == text
    _, email_text = checked_payload_json("smtp", _email())
    assert json.loads(email_text)["to"] == ["cong.dan@example.vn"]  # one address: a list


@pytest.mark.parametrize("value", [
    "Sở Tư pháp \u2028 \"quoted\" \\ \n", 1.5, 1e300, -0.0, 10**30, True, None, [],
    {"nested": [{"a": [1, "b", None]}, ("tuple", 2)]},
])
def test_payload_text_is_json_dumps_text(value: Any) -> None:
    """The encoder built once (`payloads._C_ENCODER`) writes what json.dumps writes."""
    cleaned, text = checked_payload_json("webhook", {"v": value, "w": 1})
    assert text == json.dumps(cleaned)


@pytest.mark.parametrize(("value", "words"), [
    (float("nan"), "Out of range float values"),
    ({1, 2}, "set is not JSON serializable"),
])
def test_payload_refusals_keep_json_dumps_words(value: Any, words: str) -> None:
    with pytest.raises(ValidationFailed, match=words):
        checked_payload_json("webhook", {"v": value})


def test_a_cycle_the_payload_check_cannot_copy_is_refused_as_circular() -> None:
    """`_normalise` copies dicts and lists, not tuples: a cycle through a tuple reaches the
    encoder, which has no circular-reference memo; the refusal is json.dumps' own."""
    inner: list[Any] = []
    looped = (inner,)
    inner.append(looped)
    with pytest.raises(ValidationFailed, match="Circular reference"):
        checked_payload_json("webhook", {"v": looped})


def test_plain_payloads_skip_the_per_call_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """`JSONEncoder.encode` builds a C encoder at every call; a plain payload does not go
    through it (72,000 payloads in a first scan of 50,000 dossiers)."""
    calls: list[object] = []
    monkeypatch.setattr(payloads._ENCODER, "encode", lambda o: calls.append(o) or "")
    _, text = checked_payload_json("webhook", FACTS)
    assert calls == [] and text == json.dumps(FACTS)
