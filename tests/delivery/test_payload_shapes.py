"""A shaped payload (`PayloadShape`, the scan's messages) stores what the general check stores
for the same keys and values, and refuses what it refuses, in its words."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from app.core.errors import ValidationFailed
from app.delivery.payloads import MAX_PAYLOAD_BYTES, PayloadShape, checked_payload_json
from app.delivery.service import Message, ShapedMessage, enqueue_many
from app.models.outbox import OutboxMessage
from app.scan import notify

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
SHAPE = PayloadShape("webhook", ("event", "dossier_code", "agency_name", "n", "flag", "gone"))


@pytest.mark.parametrize("values", [
    ("dossier_overdue", "000.00.12.H36-260302-0005", "Sở Tư pháp", 3, True, None),
    # decomposed Vietnamese (NFD) is stored composed, as the general check stores it
    ("x", unicodedata.normalize("NFD", "Ủy ban nhân dân xã"), "\u2028 \"q\" \\ \n", 1.5, False,
     10**30),
    ("x", "", "ascii only", -0.0, True, [{"a": unicodedata.normalize("NFD", "Hồ sơ")}]),
    ("x", "y", {"nested": ("tuple", 2)}, None, None, None),
])
def test_a_shaped_payload_is_stored_as_the_general_check_stores_it(values: Any) -> None:
    payload = dict(zip(SHAPE.keys, values, strict=True))
    assert SHAPE.text(values) == checked_payload_json("webhook", payload)[1]


def test_the_shaped_text_is_what_the_outbox_stores(db_session: Session) -> None:
    values = ("dossier_overdue", "C-1", unicodedata.normalize("NFD", "Sở Y tế"), 1, False, None)
    assert enqueue_many(db_session, [ShapedMessage("k-1", "dossier_overdue", SHAPE, values)],
                        NOW) == 1
    stored = db_session.scalars(select(cast(OutboxMessage.payload, Text))).one()
    assert stored == SHAPE.text(values)
    assert json.loads(stored)["agency_name"] == "Sở Y tế"  # NFC
    message = db_session.scalars(select(OutboxMessage)).one()
    assert (message.channel, message.kind, message.status) == ("webhook", "dossier_overdue",
                                                               "pending")


def test_a_shaped_and_a_plain_message_with_one_key_queue_once(db_session: Session) -> None:
    values = ("e", "C-1", "Sở", 1, True, None)
    shaped = ShapedMessage("same", "dossier_overdue", SHAPE, values)
    plain = Message("same", "dossier_overdue", "webhook",
                    dict(zip(SHAPE.keys, values, strict=True)))
    assert enqueue_many(db_session, [shaped, plain], NOW) == 1
    assert enqueue_many(db_session, [plain], NOW) == 0


@pytest.mark.parametrize(("keys", "words"), [
    (("event", "so_dien_thoai"), "looks like a phone or ID number"),
    (("event", "applicant_phone"), "looks like a phone or ID number"),
    (("event", 3), "is not a string"),
])
def test_a_shape_with_a_personal_or_odd_key_is_refused_when_made(keys: Any, words: str) -> None:
    with pytest.raises(ValidationFailed, match=words):
        PayloadShape("webhook", keys)


def test_a_shape_is_for_a_known_channel_and_not_for_email() -> None:
    with pytest.raises(ValidationFailed, match="unknown channel"):
        PayloadShape("fax", ("event",))
    with pytest.raises(ValueError, match="webhook"):
        PayloadShape("smtp", ("to", "subject", "text"))


@pytest.mark.parametrize(("value", "words"), [
    (float("nan"), "Out of range float values"),
    ({1, 2}, "set is not JSON serializable"),
    ("x" * (MAX_PAYLOAD_BYTES + 1), f"the limit is {MAX_PAYLOAD_BYTES}"),
])
def test_shaped_values_are_refused_in_the_general_checks_words(value: Any, words: str) -> None:
    values = ("e", "C", value, 1, True, None)
    with pytest.raises(ValidationFailed, match=words):
        SHAPE.text(values)
    with pytest.raises(ValidationFailed, match=words):
        checked_payload_json("webhook", dict(zip(SHAPE.keys, values, strict=True)))


def test_a_key_once() -> None:
    with pytest.raises(ValueError, match="twice"):
        PayloadShape("webhook", ("event", unicodedata.normalize("NFD", "hồ_sơ"), "hồ_sơ"))


def test_a_value_per_key() -> None:
    with pytest.raises(ValueError, match="5 values for 6 keys"):
        SHAPE.text(("e", "C", "a", 1, True))


def test_the_scans_shapes_carry_no_personal_keys_and_keep_their_key_order() -> None:
    """The webhook receivers' payloads are unchanged: the same keys in the same order."""
    assert notify.OVERDUE.keys == ("event", "dossier_code", "agency_code", "agency_name",
                                   "due_at", "reappointed_due_at", "late_without_apology")
    assert notify.ESCALATION.keys[:2] == ("event", "reason")
    assert notify.ESCALATION.keys[2:] == notify.OVERDUE.keys[1:]
