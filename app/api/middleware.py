"""Request ids, and the one response-header policy of the service.

Every response gets the security headers (CSP, framing, nosniff, referrer). Every response that
is not public by nature also gets `Cache-Control: no-store`: dashboard pages, exports, notice
files and API answers may carry personal data, and no browser cache, shared proxy or "back"
button should keep a copy once the user has logged out. Only the static assets, the public page
and public API (aggregates and masked names) and the API documentation may be cached, as long
as their route says.
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import internal_error_response
from app.core.logging import request_id_var

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


# The only answers that may be cached: no personal data, the same for every caller.
CACHEABLE_PATHS = frozenset({"/", "/openapi.json", "/docs", "/redoc"})
CACHEABLE_PREFIXES = ("/static/", "/api/v1/public/")
NO_STORE = "no-store"


def may_be_cached(path: str) -> bool:
    return path in CACHEABLE_PATHS or path.startswith(CACHEABLE_PREFIXES)


def apply_header_policy(path: str, headers: MutableHeaders) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if not may_be_cached(path):
        headers["Cache-Control"] = NO_STORE


#: The request id given to a request before this middleware saw it (by the push routes' fast
#: lane, app/ingest/fast_lane.py, which hands some requests on): kept, one id per request.
REQUEST_ID = "tthc.request_id"


def request_id_of(scope: Scope) -> str:
    """The request's id: the caller's X-Request-ID when it is safe to log, else a new one."""
    given = scope.get(REQUEST_ID)
    if isinstance(given, str):
        return given
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
            return incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    return uuid.uuid4().hex


class HttpMiddleware:
    """Plain ASGI middleware for HTTP requests (anything else passes through): Starlette's
    `BaseHTTPMiddleware` ran every request through a task group and memory streams, a
    noticeable share of a small push delivery's time (docs/scaling.md, the receiver)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class RequestContext(HttpMiddleware):
    """The request id and the header policy of every response."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id, path = request_id_of(scope), scope["path"]
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                apply_header_policy(path, headers)
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started:  # the answer is on its way: nothing else can be said
                raise
            # Answered here rather than by the app's Exception handler, which runs outside
            # this middleware: the 500 keeps its request id (in the log line too) and
            # security headers.
            await internal_error_response(exc)(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(token)
