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
from collections.abc import Awaitable, Callable

from fastapi import Request, Response

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


def apply_header_policy(path: str, response: Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not may_be_cached(path):
        response.headers["Cache-Control"] = NO_STORE


async def request_context(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    incoming = request.headers.get("x-request-id", "")
    request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    token = request_id_var.set(request_id)
    try:
        response = await call_next(request)
    except Exception as exc:
        # Answered here rather than by the app's Exception handler, which runs outside this
        # middleware: the 500 keeps its request id (in the log line too) and security headers.
        response = internal_error_response(exc)
    finally:
        request_id_var.reset(token)
    response.headers["X-Request-ID"] = request_id
    apply_header_policy(request.url.path, response)
    return response
