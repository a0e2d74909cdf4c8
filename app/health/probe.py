"""The container's health check: `python -m app.health.probe [api|scheduler]`, exit 0 if healthy.

* ``api`` (the image's HEALTHCHECK): GET /healthz on this container's own port (TTHC_PORT,
  default 8000). The python:slim image has no curl, and a shell one-liner would hide why it
  failed.
* ``scheduler`` (for a container running `tthc scheduler`, which serves no HTTP): the leader's
  heartbeat in the database is fresh. A standby is healthy while some leader beats; when none
  has for a while, every scheduler container turns unhealthy, which is what an operator needs
  to hear.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from urllib.error import URLError

TIMEOUT_SECONDS = 5


def probe_api() -> str | None:
    port = os.environ.get("TTHC_PORT", "8000")
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        # A fixed loopback http URL: nothing user-supplied reaches urlopen.
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except (URLError, OSError) as exc:
        return f"{url}: {exc}"
    return None if status == 200 else f"{url} answered {status}"


def probe_scheduler() -> str | None:
    from app.core.clock import utcnow
    from app.db.session import session_scope
    from app.scheduler.service import heartbeat_status

    try:
        with session_scope() as session:
            status = heartbeat_status(session, utcnow())
    except Exception as exc:  # a probe reports, it never raises
        return f"cannot read the scheduler heartbeat: {type(exc).__name__}: {exc}"
    if status.fresh:
        return None
    if status.beat_at is None:
        return "no scheduler has ever run against this database"
    return f"the leader's last heartbeat is {status.age_seconds:.0f} s old"


def main(argv: list[str]) -> int:
    kind = argv[0] if argv else "api"
    probes = {"api": probe_api, "scheduler": probe_scheduler}
    if kind not in probes:
        print(f"usage: python -m app.health.probe [{'|'.join(probes)}]", file=sys.stderr)
        return 2
    problem = probes[kind]()
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
