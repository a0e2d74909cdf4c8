"""Reading the pull API's response body (PORTAL.md "Pull API") and each record's update instant."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from connectors.errors import PortalProtocolError

_PORTAL_DATE_RE: Final = re.compile(r"\d{14}")
#: Top-level dossier dates that move when a dossier changes.
_DOSSIER_DATES: Final = ("NgayTiepNhan", "NgayKetThucXuLy", "NgayTra")


@dataclass(frozen=True, slots=True)
class ResponsePage:
    items: list[Any]
    next_cursor: str | None


def error_code_ok(code: Any) -> bool:
    """``0`` and ``"00"``/``"0"`` mean success; absent is taken as success too."""
    if code is None:
        return True
    if isinstance(code, bool):
        return False
    if isinstance(code, int):
        return code == 0
    return isinstance(code, str) and code.strip() != "" and set(code.strip()) == {"0"}


def read_response(body: Any, url: str) -> ResponsePage:
    """Check the decoded body's shape; raise :class:`PortalProtocolError` naming what is wrong."""
    if not isinstance(body, dict):
        raise PortalProtocolError(f"{url}: expected a JSON object, got {type(body).__name__}")
    code = body.get("error_code")
    if not error_code_ok(code):
        message = body.get("message") or body.get("error_message") or "(no message)"
        raise PortalProtocolError(f"{url}: portal error_code {code!r}: {message}")
    data = body.get("data")
    if data is None:
        data = []
    if not isinstance(data, list):
        raise PortalProtocolError(f"{url}: 'data' must be a list, got {type(data).__name__}")
    cursor = body.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str | int):
        raise PortalProtocolError(f"{url}: 'next_cursor' must be a string or null")
    next_cursor = None if cursor is None or cursor == "" else str(cursor)
    return ResponsePage(items=data, next_cursor=next_cursor)


def _valid_dates(values: Iterable[Any]) -> Iterable[str]:
    for value in values:
        if isinstance(value, str) and _PORTAL_DATE_RE.fullmatch(value.strip()):
            yield value.strip()


def record_updated_at(item: Any) -> str | None:
    """The newest portal date in a dossier (its own dates and its progress instants).

    Used as the ``updated_since`` watermark. Malformed dates are ignored here: the record itself
    is quarantined later; the watermark must not fail because of it. Portal date strings have a
    fixed width, so the greatest string is the newest instant.
    """
    if not isinstance(item, dict):
        return None
    candidates = [item.get(name) for name in _DOSSIER_DATES]
    progress = item.get("QuaTrinhXuLy")
    if isinstance(progress, list):
        candidates.extend(p.get("ThoiDiemXuLy") for p in progress if isinstance(p, dict))
    return max(_valid_dates(candidates), default=None)


def newer(a: str | None, b: str | None) -> str | None:
    """The later of two portal date strings (``None`` loses)."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
