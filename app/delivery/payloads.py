"""What an outbox message may carry, checked when it is enqueued (never at send time).

Payloads carry facts: dossier code, agency, notice number, dates. An SMTP message also names
its recipient (``to``), a ``subject`` and a plain-text body (``text``). Applicant phone and ID
numbers are refused anywhere in a payload, except in an email whose payload says
``"recipient_is_applicant": true`` (the applicant's own mailbox may see their own data).
Strings are stored NFC, so Vietnamese text compares and renders the same everywhere.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring_ascii,
)
from typing import Any, Final, Literal

from app.core.errors import ValidationFailed

Channel = Literal["smtp", "webhook"]
CHANNELS: Final[frozenset[str]] = frozenset({"smtp", "webhook"})
MAX_PAYLOAD_BYTES: Final = 64_000

# Key names (lower-cased, recursively) that hold phone or identification numbers.
_PERSONAL_NUMBER_KEYS: Final = frozenset(
    {
        "cccd", "cmnd", "cmt", "passport", "passport_number", "id_number", "id_no",
        "identity_number", "identification_number", "citizen_id", "national_id",
        "so_giay_to", "so_dinh_danh", "so_dien_thoai", "sdt", "mobile", "tel", "telephone",
    }
)


@lru_cache(maxsize=1024)
def _is_personal_number_key(key: str) -> bool:
    lowered = key.lower()
    return (
        lowered in _PERSONAL_NUMBER_KEYS
        or "phone" in lowered
        or lowered.endswith("_id_number")
    )


@lru_cache(maxsize=1024)
def _nfc_key(key: str) -> str:
    return unicodedata.normalize("NFC", key)


@lru_cache(maxsize=256)
def _checked_keys(keys: tuple[Any, ...], path: str, allow_personal: bool) -> tuple[str, ...]:
    """A dict's keys as stored (NFC), or the error of the first one refused: not a string,
    or a phone or ID number where those are not allowed. A refusal is raised, never cached;
    only string keys are remembered (a non-string key is refused), so no key of another type
    that compares equal (1 and True) can share an entry."""
    for key in keys:
        if not isinstance(key, str):
            raise ValidationFailed(f"payload key {key!r} at {path} is not a string")
        if not allow_personal and _is_personal_number_key(key):
            raise ValidationFailed(
                f"payload field {path}{key} looks like a phone or ID number; only an email "
                "to the applicant may carry it",
                field=f"{path}{key}",
            )
    return tuple(_nfc_key(key) for key in keys)


def _normalise(value: Any, path: str, allow_personal: bool) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        # the keys are checked once per shape: a scan queues tens of thousands of payloads
        # with the same few sets of keys
        names = _checked_keys(tuple(value), path, allow_personal)
        for key, name, item in zip(value, names, value.values(), strict=True):
            # strings and scalars here, without a call (and a path) each: a scan checks a
            # few hundred thousand flat values
            if isinstance(item, str):
                item = unicodedata.normalize("NFC", item)
            elif isinstance(item, dict | list):
                item = _normalise(item, f"{path}{key}.", allow_personal)
            result[name] = item
        return result
    if isinstance(value, list):
        return [_normalise(item, f"{path}[{index}].", allow_personal)
                for index, item in enumerate(value)]
    return value


def _recipients(value: Any) -> list[str]:
    addresses = [value] if isinstance(value, str) else value
    if not isinstance(addresses, list) or not addresses:
        raise ValidationFailed("an smtp payload needs 'to': an address or a list of addresses")
    for address in addresses:
        if (
            not isinstance(address, str)
            or address.count("@") != 1
            or any(char in address for char in " \r\n,;<>")
            or not all(address.split("@"))
        ):
            raise ValidationFailed(f"'to' holds an invalid email address {address!r:.80}")
    return list(addresses)


def checked_payload(channel: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload to store (NFC), or `ValidationFailed` saying what is wrong with it."""
    return checked_payload_json(channel, payload)[0]


def checked_payload_json(channel: str, payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """`checked_payload` and its JSON text as the outbox column stores it (``json.dumps``'s
    defaults, as SQLAlchemy's JSON type and psycopg write it), serialised once: the size
    limit is measured on that same text (a scan queues tens of thousands of messages)."""
    if channel not in CHANNELS:
        raise ValidationFailed(f"unknown channel {channel!r}; use one of {sorted(CHANNELS)}")
    if not isinstance(payload, dict):
        raise ValidationFailed("payload must be a JSON object")
    allow_personal = channel == "smtp" and payload.get("recipient_is_applicant") is True
    cleaned: dict[str, Any] = _normalise(payload, "", allow_personal)
    text = _json_text(cleaned)
    if len(text) > MAX_PAYLOAD_BYTES:
        # The limit counts UTF-8 bytes; the stored text escapes every non-ASCII character to
        # at least as many bytes, so only a text over the limit needs its exact size.
        size = len(json.dumps(cleaned, ensure_ascii=False).encode("utf-8"))
        if size > MAX_PAYLOAD_BYTES:
            raise ValidationFailed(f"payload is {size} bytes; the limit is {MAX_PAYLOAD_BYTES}")
    if channel == "smtp":
        addressed = cleaned.get("to")
        cleaned["to"] = _recipients(addressed)
        subject = cleaned.get("subject")
        if not isinstance(subject, str) or not subject.strip():
            raise ValidationFailed("an smtp payload needs a non-empty 'subject'")
        if "\r" in subject or "\n" in subject:
            raise ValidationFailed("the email subject must be one line")
        if not isinstance(cleaned.get("text"), str) or not cleaned["text"].strip():
            raise ValidationFailed("an smtp payload needs a plain-text body 'text'")
        if isinstance(addressed, str):  # one address is stored as a list of one
            text = _json_text(cleaned)
    return cleaned, text


# json.dumps with an argument builds an encoder per call; this one gives json.dumps' text
_ENCODER: Final = json.JSONEncoder(allow_nan=False)
# ... and `encode` still builds its C encoder (and a circular-reference memo) at each call.
# This one is built once, without the memo: `_normalise` copies every dict and list, so a
# payload that gets here has no cycle through them (any other failure takes `_ENCODER`).
_C_ENCODER: Final = None if c_make_encoder is None else c_make_encoder(
    None, _ENCODER.default, encode_basestring_ascii, None, _ENCODER.key_separator,
    _ENCODER.item_separator, False, False, False)


def _json_text(cleaned: dict[str, Any]) -> str:
    if _C_ENCODER is not None:
        try:
            return "".join(_C_ENCODER(cleaned, 0))
        except (TypeError, ValueError, RecursionError):
            pass  # refused by the encoder below, with its own words
    try:
        return _ENCODER.encode(cleaned)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"payload is not plain JSON: {exc}") from exc


_SCALARS: Final = frozenset({int, float, bool, type(None)})


@dataclass(frozen=True)
class PayloadShape:
    """A flat payload's keys, checked once for a channel: a scan queues tens of thousands of
    messages of a few shapes, and checking and copying each one's dict cost more than its
    JSON. `text` gives what `checked_payload_json` gives for the same keys and values."""

    channel: str
    keys: tuple[str, ...]
    _names: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValidationFailed(f"unknown channel {self.channel!r}; use one of "
                                   f"{sorted(CHANNELS)}")
        if self.channel == "smtp":  # its addresses, subject and body are checked per message
            raise ValueError("a payload shape is for webhook payloads")
        names = _checked_keys(self.keys, "", False)
        if len(set(names)) != len(names):
            raise ValueError(f"a key appears twice in {self.keys}")
        object.__setattr__(self, "_names", names)

    def text(self, values: tuple[Any, ...]) -> str:
        """The stored JSON of the payload with these values (strings, numbers, booleans,
        None), or `ValidationFailed` as `checked_payload_json` would say it."""
        if len(values) != len(self.keys):
            raise ValueError(f"{len(values)} values for {len(self.keys)} keys")
        cleaned = dict(zip(self._names, values, strict=False))  # lengths checked: faster
        for name, value in cleaned.items():
            kind = type(value)
            if kind is str:
                if not value.isascii():
                    cleaned[name] = unicodedata.normalize("NFC", value)
            elif kind not in _SCALARS:  # nested, or a subclass: the general check walks it
                payload = dict(zip(self.keys, values, strict=False))
                return checked_payload_json(self.channel, payload)[1]
        text = _json_text(cleaned)
        if len(text) > MAX_PAYLOAD_BYTES:
            return checked_payload_json(self.channel, cleaned)[1]
        return text
