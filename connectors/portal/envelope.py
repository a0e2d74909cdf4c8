"""The national-portal envelope used by pushes (and by our webhook).

``{"session", "madonvi", "service": "DongBoHoSoMC" | "CapNhatTienDoHoSoMC",
"isUpdating": "True" | "False", "data": [records]}`` (PORTAL.md). :func:`parse_envelope` checks the
shape only; each record of ``data`` is validated later, one by one, by ``parse_dossier`` /
``parse_progress`` so that one bad record never rejects the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from connectors.base import RecordKind, SourceRecord
from connectors.errors import EnvelopeInvalid
from connectors.portal.parse import RAW_ITEM_KEY

SERVICE_KINDS: Final[Mapping[str, RecordKind]] = {
    "DongBoHoSoMC": "dossier",
    "CapNhatTienDoHoSoMC": "progress",
}
KIND_SERVICES: Final[Mapping[RecordKind, str]] = {v: k for k, v in SERVICE_KINDS.items()}
# Envelope > data > record > QuaTrinhXuLy > step > value is six levels; a body nested deeper than
# this is not a portal envelope, and walking it would only exhaust the interpreter's stack.
MAX_DEPTH: Final = 32


def _too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests lists or objects more than ``limit`` levels (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


@dataclass(frozen=True, slots=True)
class Envelope:
    session: str
    agency_code: str
    service: str
    is_updating: bool
    data: list[Any]

    @property
    def kind(self) -> RecordKind:
        return SERVICE_KINDS[self.service]

    def records(self, origin: str = "envelope") -> Iterator[SourceRecord]:
        """The data items as source records; a non-object item is wrapped so it gets quarantined."""
        for index, item in enumerate(self.data):
            payload = item if isinstance(item, dict) else {RAW_ITEM_KEY: item}
            yield SourceRecord(
                kind=self.kind,
                payload=payload,
                origin=f"{origin} item {index + 1}",
                agency_code=self.agency_code,
            )

    def to_dict(self) -> dict[str, Any]:
        return build_envelope(self.service, self.agency_code, self.data, session=self.session,
                              is_updating=self.is_updating)


def build_envelope(
    service: str,
    agency_code: str,
    data: list[Any],
    *,
    session: str = "",
    is_updating: bool = False,
) -> dict[str, Any]:
    """The envelope dict for ``data`` (what the simulator and one-door systems push)."""
    if service not in SERVICE_KINDS:
        raise ValueError(f"unknown service {service!r}")
    return {
        "session": session,
        "madonvi": agency_code,
        "service": service,
        "isUpdating": "True" if is_updating else "False",
        "data": data,
    }


def _text(
    body: Mapping[str, Any], key: str, *, allow_empty: bool, max_len: int | None = None
) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise EnvelopeInvalid(f"envelope field {key!r} must be a string, got {got}")
    value = value.strip()
    if not value and not allow_empty:
        raise EnvelopeInvalid(f"envelope field {key!r} is empty")
    if max_len is not None and len(value) > max_len:
        raise EnvelopeInvalid(f"envelope field {key!r} is longer than {max_len} characters")
    return value


def decode_body(body: bytes) -> Any:
    """A request body as JSON (UTF-8, a BOM tolerated); raises :class:`EnvelopeInvalid`."""
    try:
        decoded = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise EnvelopeInvalid(f"body is not UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise EnvelopeInvalid(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise EnvelopeInvalid(f"body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # json reads no integer of more than 4300 digits (int_max_str_digits)
        raise EnvelopeInvalid("body is not valid JSON: a number has too many digits") from None
    if _too_deep(decoded):
        raise EnvelopeInvalid(f"body nests deeper than {MAX_DEPTH} levels")
    return decoded


def read_service(value: Any) -> str:
    """A push service name: DongBoHoSoMC or CapNhatTienDoHoSoMC."""
    if not isinstance(value, str) or not value.strip():
        raise EnvelopeInvalid("envelope field 'service' must be a string naming the service")
    service = value.strip()
    if service not in SERVICE_KINDS:
        raise EnvelopeInvalid(
            f"unknown service {service!r}: expected DongBoHoSoMC or CapNhatTienDoHoSoMC"
        )
    return service


def read_updating(raw: Any) -> bool:
    """isUpdating: a boolean, or "True"/"False" in any case."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise EnvelopeInvalid(f"isUpdating must be \"True\" or \"False\", got {raw!r}")


def envelope_from(decoded: Any, *, default_agency: str | None = None) -> Envelope:
    """The envelope of an already decoded body. ``madonvi`` is required unless
    ``default_agency`` stands in for it (a push whose sender is known by its credentials)."""
    if not isinstance(decoded, dict):
        raise EnvelopeInvalid(f"envelope must be a JSON object, got {type(decoded).__name__}")
    service = read_service(decoded.get("service"))
    is_updating = read_updating(decoded.get("isUpdating", "False"))
    data = decoded.get("data")
    if not isinstance(data, list):
        got = "missing" if data is None else f"a {type(data).__name__}"
        raise EnvelopeInvalid(f"envelope field 'data' must be a list, got {got}")
    has_agency = default_agency is None or decoded.get("madonvi") not in (None, "")
    agency = (_text(decoded, "madonvi", allow_empty=False, max_len=64) if has_agency
              else default_agency or "")
    return Envelope(
        session=_text(decoded, "session", allow_empty=True) if "session" in decoded else "",
        agency_code=agency,
        service=service,
        is_updating=is_updating,
        data=data,
    )


def parse_envelope(body: bytes) -> Envelope:
    """Parse a raw request body; raises :class:`EnvelopeInvalid` with a precise reason."""
    return envelope_from(decode_body(body))
