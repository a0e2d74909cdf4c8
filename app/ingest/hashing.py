"""Content hashes: one payload is stored once, one progress step is recorded once."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from connectors import ProgressRecord


def canonical_json(payload: Any) -> str:
    """The payload as text that does not depend on key order or escaping."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def progress_hash(step: ProgressRecord) -> str:
    """sha256 of PORTAL.md's de-duplication key (MaHoSo, ThoiDiemXuLy, TrangThai, NoiDungXuLy)."""
    code, at, status, content = step.dedup_key
    key = [code, at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), status, content]
    return content_hash(canonical_json(key))
