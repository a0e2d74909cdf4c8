"""Structured JSON logs, each line carrying the request id of the request that wrote it.

Log messages never carry personal data: callers log dossier codes and counts, never applicant
fields. The formatter does not try to scrub after the fact, because scrubbing misses things.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# A sender's URL key (/dvcqg/k/{url_key}/...) is a credential carried in the path: access log
# lines must not keep it.
_URL_KEY = re.compile(r"(/dvcqg/k/)[^/?\s\"']+")


class MaskUrlKeys(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _URL_KEY.sub(r"\1***", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(a) for a in record.args)
        return True


def _masked(value: object) -> object:
    """`value`, or its text without URL keys (a URL object as an HTTP client logs it)."""
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)
    return _URL_KEY.sub(r"\1***", text) if "/dvcqg/k/" in text else value


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time of the record, not at set-up: a CLI run
    inside a test runner or a daemon that swaps stderr would otherwise log to a closed file."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def setup_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    handler = _CurrentStderrHandler()
    handler.addFilter(MaskUrlKeys())
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
