"""What the soak's failed requests were: each one's status, the reply's error code and reason,
and the server's log lines for it (by the request id the load sends; else the serve log's
warnings and errors within a second or two of it), printed after the run and kept in its report.

Only codes, reasons and log messages are kept: never a reply's other fields, which may echo
the records, nor a traceback's values.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.soak_load import Failure

NEARBY_SECONDS = 2.0
MAX_LOG_LINES = 3


def explain_failures(failures: list[Failure], began: float, serve_log: Path,
                     console: Console) -> list[dict[str, Any]]:
    """The failures as report rows (seconds from the start of the load), printed as a table
    with a count by kind, status and error."""
    entries = _log_entries(serve_log)
    rows = [_row(f, began, entries) for f in sorted(failures, key=lambda f: f.at)]
    if not rows:
        console.print("failed requests: none")
        return rows
    counts = Counter((r["kind"], r["status"], r["error"]) for r in rows)
    console.print("failed requests: " + "; ".join(
        f"{n} × {kind} {status or 'no answer'} {error}".rstrip()
        for (kind, status, error), n in counts.most_common()))
    table = Table(title="failed requests")
    for column in ("s", "kind", "copy", "status", "error", "reason", "request id", "server log"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["s"]), r["kind"], str(r["copy"]), str(r["status"]), r["error"],
                      r["reason"], r["request_id"], "\n".join(r["server_log"]) or "-")
    console.print(table)
    return rows


def _row(failure: Failure, began: float, entries: list[dict[str, Any]]) -> dict[str, Any]:
    own = [e for e in entries if e.get("request_id") == failure.request_id]
    near = own or [e for e in entries
                   if abs(e["_at"] - failure.at) <= NEARBY_SECONDS and _may_be_about(e, failure)]
    prefix = "" if own else "(near) "
    return {"s": round(failure.at - began, 1), "kind": failure.kind, "copy": failure.copy,
            "status": failure.status, "error": failure.error, "reason": failure.reason,
            "request_id": failure.request_id,
            "server_log": [prefix + _described(e) for e in near[:MAX_LOG_LINES]]}


def _may_be_about(entry: dict[str, Any], failure: Failure) -> bool:
    """A warning or an error, or an access line with the failure's status (uvicorn writes
    those after the request's id is gone)."""
    if entry.get("level") in {"warning", "error", "critical"}:
        return True
    return (entry.get("logger") == "uvicorn.access" and failure.status is not None
            and f" {failure.status}" in str(entry.get("message")))


def _described(entry: dict[str, Any]) -> str:
    what = f"{entry.get('level')} {entry.get('logger')}: {entry.get('message')}"
    if entry.get("error_type"):
        what += f" [{entry['error_type']}]"
    if entry.get("exc"):  # the exception's last line: its type and message, not its frames
        what += " | " + str(entry["exc"]).strip().splitlines()[-1][:200]
    return what


def _log_entries(serve_log: Path) -> list[dict[str, Any]]:
    """The serve process's JSON log lines, each with its time as `_at` (epoch seconds)."""
    entries: list[dict[str, Any]] = []
    if not serve_log.exists():
        return entries
    for line in serve_log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
            entry["_at"] = datetime.fromisoformat(entry["ts"]).timestamp()
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries
