"""The only place the product reads the wall clock; services get `now` as an argument."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no timezone")
    return value


def to_utc(value: datetime) -> datetime:
    return ensure_aware(value).astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return ensure_aware(value).astimezone(LOCAL_TZ)


def local_text(value: datetime | None, *, seconds: bool = False) -> str:
    """An instant as Vietnamese users read it: "05/03/2026 16:30" in Asia/Ho_Chi_Minh."""
    if value is None:
        return "—"
    return to_local(value).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def parse_instant(text: str) -> datetime:
    """ISO 8601 from a user; a value without offset is read as Vietnamese local time."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(UTC)
