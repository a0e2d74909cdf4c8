"""The archive files of raw payloads: gzip-compressed JSON lines, one raw record a line.

A line keeps everything the `raw_record` row kept (the payload as the exact canonical text its
content hash was computed from, the source, kind, origin, receptions), so a file can be read back
into the same database (the payload returns to its row) or into an empty one (the records are
ingested again). A file is written beside its final name, flushed to disk, read back and checked
line by line against the content hashes, then renamed: a file that exists is complete.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from app.core.errors import BadRequest
from app.ingest.hashing import content_hash

SUFFIX: Final = ".jsonl.gz"
FORMAT: Final = "tthc-raw-archive/1"


@dataclass(frozen=True, slots=True)
class ArchivedPayload:
    id: int
    content_hash: str
    source: str
    kind: str
    origin: str | None
    dossier_code: str | None
    first_received_at: datetime
    last_received_at: datetime
    times_received: int
    payload: str  # the canonical JSON text, exactly as stored

    def line(self) -> str:
        data: dict[str, Any] = {"format": FORMAT, **asdict(self)}
        data["first_received_at"] = self.first_received_at.isoformat()
        data["last_received_at"] = self.last_received_at.isoformat()
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str, where: str) -> ArchivedPayload:
        try:
            data = json.loads(text)
            if data.pop("format", None) != FORMAT:
                raise ValueError(f"not a {FORMAT} line")
            for name in ("first_received_at", "last_received_at"):
                data[name] = datetime.fromisoformat(data[name])
            item = cls(**data)
        except (ValueError, TypeError, KeyError) as exc:
            raise BadRequest(f"{where}: unreadable archive line ({exc})") from None
        if content_hash(item.payload) != item.content_hash:
            raise BadRequest(f"{where}: the payload does not match its content hash "
                             f"{item.content_hash[:12]}…; the file is damaged")
        return item


def write(directory: Path, name: str, items: Sequence[ArchivedPayload]) -> Path:
    """Write ``items`` to ``directory / name`` durably; returns the path."""
    target = directory / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BadRequest(f"archive file {target} exists already; nothing was overwritten")
    partial = target.with_name(target.name + ".partial")
    with open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        for item in items:
            out.write(item.line().encode("utf-8") + b"\n")
    with open(partial, "rb") as written:
        os.fsync(written.fileno())
    found = [item.content_hash for item in read(partial)]
    if found != [item.content_hash for item in items]:
        partial.unlink()
        raise RuntimeError(f"archive file {target} did not read back as written")
    os.replace(partial, target)
    _sync_directory(target.parent)
    return target


def read(path: Path) -> Iterator[ArchivedPayload]:
    """The records of an archive file, each checked against its content hash."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, text in enumerate(lines, start=1):
                if text.strip():
                    yield ArchivedPayload.parse(text, f"{path.name} line {number}")
    except (OSError, EOFError) as exc:
        raise BadRequest(f"cannot read archive file {path}: {exc}") from None


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
