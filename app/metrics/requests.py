"""HTTP request counters and latencies, labelled by route template (never by raw path, which
would carry dossier codes and explode the label set) and by method, where any method outside
the standard ones is counted as "OTHER": a client inventing methods must not create series."""

from __future__ import annotations

import re
import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import Message, Receive, Scope, Send

from app.api.middleware import HttpMiddleware

REQUEST_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "tthc_http_requests",
    "HTTP requests",
    ["method", "route", "status"],
    registry=REQUEST_REGISTRY,
)
LATENCY = Histogram(
    "tthc_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REQUEST_REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else OTHER_METHOD


_CONVERTER = re.compile(r"\{(\w+):\w+\}")


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    # "/api/v1/dossiers/{code:path}" is labelled as the API documents it: ".../{code}"
    return _CONVERTER.sub(r"{\1}", path) if isinstance(path, str) else "unmatched"


def note_request(method: str, route: str, status: int, seconds: float) -> None:
    """One answered request: counted under its route template, and timed."""
    label = method_label(method)
    REQUESTS.labels(label, route, str(status)).inc()
    LATENCY.labels(label, route).observe(seconds)


class RecordRequests(HttpMiddleware):
    """Counts and times every HTTP request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            note_request(scope["method"], _route_of(scope), status,
                         time.perf_counter() - started)
