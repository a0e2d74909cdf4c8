"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.core.clock import utcnow
from app.db.migrate import is_current
from app.ingest.push_queue import backlog as push_queue_backlog
from app.notices.render.fonts import DEBIAN_PACKAGE, print_font
from app.scheduler.service import heartbeat_status

router = APIRouter(tags=["health"])
#: A delivery queued this long unprocessed marks the push queue "behind" in /readyz.
QUEUE_BEHIND_SECONDS = 60.0


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _scheduler_advisory(request: Request) -> dict[str, Any]:
    """How fresh the leader scheduler's heartbeat is: "ok", "stale" or "missing".

    Advisory, not a readiness check: an API replica serves correctly without a scheduler, and
    taking every replica out of the load balancer because the scheduler died would turn a
    delayed scan into a full outage. Monitoring alerts on "stale" instead.
    """
    with request.app.state.session_factory() as session:
        status = heartbeat_status(session, utcnow())
    if status.beat_at is None:
        return {"status": "missing", "beat_at": None, "age_seconds": None}
    return {
        "status": "ok" if status.fresh else "stale",
        "beat_at": status.beat_at.isoformat(),
        "age_seconds": round(status.age_seconds or 0.0, 1),
    }


def _push_queue_advisory(request: Request) -> dict[str, Any]:
    """Push deliveries answered and not yet processed (app/ingest/push_queue.py), all
    processes': "ok", or "behind" once the oldest waited `QUEUE_BEHIND_SECONDS` (the
    processors are stopped, failing, or outpaced). Advisory: the replica still accepts."""
    with request.app.state.session_factory() as session:
        depth, age = push_queue_backlog(session, utcnow())
    return {"status": "behind" if age >= QUEUE_BEHIND_SECONDS else "ok", "depth": depth,
            "oldest_age_seconds": round(age, 1)}


def _print_font_advisory() -> dict[str, Any]:
    """Advisory like the scheduler: without the font only PDF printing fails (with a 503 that
    says what to install), so the replica still serves everything else."""
    family = print_font()
    if family is None:
        return {"status": "missing", "install": DEBIAN_PACKAGE}
    return {"status": "ok", "family": family}


@router.get(
    "/readyz",
    summary="Readiness: database reachable and migrations current; scheduler heartbeat reported",
)
def readyz(request: Request) -> JSONResponse:
    checks: dict[str, Any] = {}
    advisories: dict[str, Any] = {}
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        checks["migrations"] = "ok" if is_current(engine) else "behind"
        advisories["scheduler"] = _scheduler_advisory(request)
        advisories["push_queue"] = _push_queue_advisory(request)
    except Exception as exc:  # readiness must report, not raise
        checks.setdefault("database", f"unreachable: {type(exc).__name__}")
        advisories.setdefault("scheduler", {"status": "unknown"})
        advisories.setdefault("push_queue", {"status": "unknown"})
    advisories["print_font"] = _print_font_advisory()
    ready = all(value == "ok" for value in checks.values())
    body = {"ready": ready, "checks": checks, "advisories": advisories}
    return JSONResponse(body, status_code=200 if ready else 503)
