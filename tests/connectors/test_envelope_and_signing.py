"""The push envelope's shape and the webhook signature."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors import EnvelopeInvalid, SignatureInvalid, build_envelope, parse_envelope
from connectors.portal.signing import sign, verify


def body(**changes: Any) -> bytes:
    envelope: dict[str, Any] = {"session": "abc", "madonvi": "H21.65", "service": "DongBoHoSoMC",
                                "isUpdating": "False", "data": [{"MaHoSo": "X-1"}, "junk"]}
    envelope.update(changes)
    return json.dumps(envelope, ensure_ascii=False).encode()


def test_a_valid_envelope_yields_source_records() -> None:
    envelope = parse_envelope(body(isUpdating="True"))
    assert envelope.is_updating and envelope.agency_code == "H21.65"
    records = list(envelope.records("webhook"))
    assert [r.kind for r in records] == ["dossier", "dossier"]
    assert records[0].agency_code == "H21.65" and records[0].origin == "webhook item 1"
    assert records[1].payload == {"_raw": "junk"}  # kept, so it gets quarantined


def test_progress_service_gives_progress_records() -> None:
    envelope = parse_envelope(body(service="CapNhatTienDoHoSoMC"))
    assert envelope.kind == "progress"


def test_build_envelope_round_trips() -> None:
    built = build_envelope("CapNhatTienDoHoSoMC", "H21.10", [{"MaHoSo": "A"}], is_updating=True)
    parsed = parse_envelope(json.dumps(built).encode())
    assert parsed.to_dict() == built


@pytest.mark.parametrize(("raw", "reason"), [
    (b"{not json", "not valid JSON"),
    (b'{"data": [', "not valid JSON"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b'{"data": [' + b"1" * 5000 + b"]}", "a number has too many digits"),  # was a 500
    (b"[1, 2]", "must be a JSON object"),
    (body(service="GuiHoSo"), "unknown service"),
    (body(service=None), "'service' must be a string"),
    (body(madonvi=""), "'madonvi' is empty"),
    (body(isUpdating="maybe"), "isUpdating"),
    (body(data={"MaHoSo": "X"}), "'data' must be a list"),
    (body(data=None), "'data' must be a list"),
])
def test_malformed_envelopes_are_rejected_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeInvalid) as caught:
        parse_envelope(raw)
    assert reason in caught.value.reason


NOW = 1_750_000_000
PAYLOAD = body()


def test_signature_round_trip() -> None:
    header = sign("s3cret", PAYLOAD, NOW)
    assert header.startswith(f"t={NOW},v1=")
    assert verify("s3cret", PAYLOAD, header, NOW + 10) == NOW
    assert verify(b"s3cret", PAYLOAD, header, datetime.fromtimestamp(NOW, UTC)) == NOW


def test_any_of_several_signatures_may_match() -> None:
    good = sign("new", PAYLOAD, NOW).split(",")[1]
    old = sign("old", PAYLOAD, NOW)
    assert verify("new", PAYLOAD, f"{old},{good}", NOW) == NOW


@pytest.mark.parametrize(("secret", "payload", "header", "now", "reason"), [
    ("s3cret", PAYLOAD + b" ", sign("s3cret", PAYLOAD, NOW), NOW, "does not match"),
    ("other", PAYLOAD, sign("s3cret", PAYLOAD, NOW), NOW, "does not match"),
    ("s3cret", PAYLOAD, sign("s3cret", PAYLOAD, NOW), NOW + 301, "s old"),
    ("s3cret", PAYLOAD, sign("s3cret", PAYLOAD, NOW), NOW - 301, "future"),
    ("s3cret", PAYLOAD, None, NOW, "missing"),
    ("s3cret", PAYLOAD, "  ", NOW, "missing"),
    ("s3cret", PAYLOAD, "v1=abc", NOW, "no t="),
    ("s3cret", PAYLOAD, f"t={NOW}", NOW, "no v1="),
    ("s3cret", PAYLOAD, "t=yesterday,v1=ab", NOW, "not unix seconds"),
    ("s3cret", PAYLOAD, "garbage", NOW, "malformed"),
])
def test_bad_signatures_are_refused(
    secret: str, payload: bytes, header: str | None, now: int, reason: str
) -> None:
    with pytest.raises(SignatureInvalid) as caught:
        verify(secret, payload, header, now)
    assert reason in caught.value.reason


def test_an_empty_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        sign("", PAYLOAD, NOW)
