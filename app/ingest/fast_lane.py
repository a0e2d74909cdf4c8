"""The push routes' fast lane: a delivery that can be accepted is, by the outermost ASGI layer,
on the event loop (PostgreSQL with queued pushes; app/ingest/fast_accept.py).

A one-door system sends one record per request. Through the application (ten middleware and
routing layers, the thread pool, the ORM session) the receiver spent about three times the
server and database CPU of a bare endpoint that stores the payload (docs/scaling.md, the
receiver). Here a ``POST /api/v1/webhooks/dvc`` or ``/dvcqg/api`` whose body fits the limit is
checked as the route would (rate limit, the route enabled, signature or session, envelope,
records) and accepted by one statement; answered with the reply, the request id and the header
policy of every response, and counted in the request metrics under its route. Everything else,
and every delivery this lane does not accept for any reason (a refusal, a lookup, a step of an
unknown dossier, a replayed signed copy, a database error), goes to the application unchanged,
with the body already read: it is answered exactly as without this lane. The rate limit's token
is taken once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Final

from starlette.datastructures import MutableHeaders, State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.middleware import REQUEST_ID, apply_header_policy, request_id_of
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import AppError, TooManyRequests
from app.core.logging import request_id_var
from app.core.ratelimit import PUSH_RATE_CHECKED
from app.ingest import dvcqg, dvcqg_router, push_queue
from app.ingest.fast_accept import FastAccepts
from app.ingest.replies import queued_reply
from app.ingest.router import signed_plan, take_webhook_token
from app.ingest.webhook import Plan
from connectors.portal.envelope import SERVICE_KINDS
from connectors.portal.signing import SIGNATURE_HEADER

log = logging.getLogger(__name__)

WEBHOOK: Final = "/api/v1/webhooks/dvc"
DVCQG: Final = "/dvcqg/api"
#: Larger bodies go to the application: parsing and hashing a page of records on the event
#: loop would hold every other request of the process meanwhile (one record is 1–3 kB).
MAX_BODY_BYTES: Final = 64 * 1024
_SIGNATURE: Final = SIGNATURE_HEADER.lower().encode("latin-1")


def _policy_headers(path: str) -> list[tuple[bytes, bytes]]:
    """A JSON answer's headers on ``path`` under the service's one header policy (built once:
    the lane's answers all have them)."""
    headers = MutableHeaders(raw=[(b"content-type", b"application/json")])
    apply_header_policy(path, headers)
    return headers.raw


_HEADERS: Final = {path: _policy_headers(path) for path in (WEBHOOK, DVCQG)}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _again(body: bytes, receive: Receive, more: bool = False) -> Receive:
    """``receive`` with the body already read given back first (``more``: the rest follows)."""
    given = False

    async def receive_again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return receive_again


class ConnectionTurns:
    """Push deliveries answered per client connection, to close each after ``limit``.

    A one-door system keeps its connection open from delivery to delivery, and the worker
    process that accepted it serves all of them: with a few busy senders (a province's systems
    at the national portal, the receiver bench's eight) one worker can hold most of them while
    another idles (measured: 2.9 against 1.4 CPU-seconds, 681 against 826 deliveries/s in a
    balanced run, docs/scaling.md, the receiver, round 11). Closed after a number of requests,
    as web servers do (keep-alive request limits), the connection is opened again by the
    sender and taken by whichever worker is free first. Connections are known by the client's
    address and port (behind a proxy that uvicorn trusts, the forwarded address and no port:
    that address's connections share one count, each still closed now and then); one that
    closed by itself leaves its count behind, forgotten in bulk when `REMEMBERED` are kept."""

    REMEMBERED: Final = 10_000

    def __init__(self) -> None:
        self.answered: dict[tuple[str, int], int] = {}

    def last(self, client: tuple[str, int] | None, limit: int) -> bool:
        """Whether this answer is the connection's last (``limit`` 0: never)."""
        if not limit or client is None:
            return False
        count = self.answered.get(client, 0) + 1
        if count >= limit:
            self.answered.pop(client, None)
            return True
        if len(self.answered) >= self.REMEMBERED:
            self.answered.clear()
        self.answered[client] = count
        return False


#: (method, route template, status, seconds): the request metrics' record of one answer
NoteRequest = Callable[[str, str, int, float], None]


class PushFastLane:
    """ASGI: in front of ``app`` (the whole application), whose ``state`` holds the settings,
    the push queue and its `FastAccepts`; ``note_request`` counts what the lane answers."""

    def __init__(self, app: ASGIApp, state: State, note_request: NoteRequest) -> None:
        self.app = app
        self.state = state
        self.note_request = note_request
        self.turns = ConnectionTurns()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path")
        fast: FastAccepts | None = getattr(self.state, "fast_accepts", None)
        if (fast is None or scope["type"] != "http" or scope["method"] != "POST"
                or path not in (WEBHOOK, DVCQG)):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        settings: Settings = self.state.settings
        if not self._rate_allows(scope, settings, path):
            await self.app(scope, receive, send)
            return
        scope[PUSH_RATE_CHECKED] = True
        declared = _header(scope, b"content-length")
        limit = min(settings.webhook_max_body_bytes, MAX_BODY_BYTES)
        if declared is None or not declared.isdigit() or int(declared) > limit:
            await self.app(scope, receive, send)
            return
        body, more = await _body(receive, limit)
        if more is not False:  # the client went away, or the body outgrew its length
            await self.app(scope, _again(body, receive, more=bool(more)), send)
            return
        request_id = scope[REQUEST_ID] = request_id_of(scope)
        token = request_id_var.set(request_id)
        try:
            reply = await self._accept(scope, body, settings, fast, path)
        finally:
            request_id_var.reset(token)
        if reply is None:
            await self.app(scope, _again(body, receive), send)
            return
        client = scope.get("client")
        await _answer(send, reply, _HEADERS[path], request_id, self.turns.last(
            (str(client[0]), int(client[1])) if client else None,
            settings.push_requests_per_connection))
        self.note_request("POST", path, 200, time.perf_counter() - started)

    def _rate_allows(self, scope: Scope, settings: Settings, path: str) -> bool:
        """The route's own token taken (a refusal is the route's to answer)."""
        take = take_webhook_token if path == WEBHOOK else dvcqg_router.take_push_token
        try:
            take(self.state, settings, scope)
        except TooManyRequests:
            return False
        return True

    async def _accept(self, scope: Scope, body: bytes, settings: Settings, fast: FastAccepts,
                      path: str) -> dict[str, Any] | None:
        """The delivery's reply once accepted; None: the application answers it."""
        now = utcnow()
        try:
            if path == WEBHOOK:
                planned = _webhook_plan(scope, body, settings, now)
            else:
                planned = await _dvcqg_plan(body, settings, fast, now)
            params = None if planned is None else push_queue.accept_params(planned[0], now)
            if planned is None or params is None:
                return None
            plan, session = planned
            if session is not None:
                params["session_id"], params["live_after"] = session
            # One autocommitted statement: it wrote everything or nothing. A connection lost
            # after its commit, before its answer (a rare moment), hands over a delivery that
            # is stored: the application then answers a signed copy's 409, or queues a resend
            # of a /dvcqg one, which is processed as unchanged.
            got = await fast.accept(params)
        except AppError:  # a refusal: the application's to answer
            return None
        except Exception as exc:  # the database away, or a bug: nothing was written
            log.warning("the fast lane could not accept a delivery; the full path takes it",
                        extra={"error_type": type(exc).__name__})
            return None
        if not got.go or (plan.ledger is not None and not got.ledger_taken):
            return None
        queue = self.state.push_queue
        if queue is not None:
            queue.wake()
        assert got.run_id is not None
        return queued_reply(len(plan.delivered.records), got.run_id)


Planned = tuple[Plan, tuple[int, datetime] | None]


def _webhook_plan(scope: Scope, body: bytes, settings: Settings, now: datetime) -> Planned | None:
    if not settings.webhooks_enabled:
        return None
    return signed_plan(body, _header(scope, _SIGNATURE), settings, now), None


async def _dvcqg_plan(body: bytes, settings: Settings, fast: FastAccepts, now: datetime
                      ) -> Planned | None:
    if not settings.dvcqg_enabled:
        return None
    decoded = dvcqg.read_body(body)
    if not isinstance(decoded, dict) or dvcqg.text_of(decoded, "service") not in SERVICE_KINDS:
        return None
    lifetime = dvcqg_router.session_policy(settings).lifetime
    sender = await fast.sender(dvcqg.text_of(decoded, "session"), now, lifetime)
    if sender is None:
        return None
    # no `after`: a queued delivery's sender is noted when it is processed (queue_batch.py)
    return dvcqg.push_plan(decoded, sender, None), (sender.id, now - lifetime)


async def _body(receive: Receive, limit: int) -> tuple[bytes, bool | None]:
    """The body read up to ``limit`` bytes, and whether more of it follows (False: that was
    all of it; None: the client went away)."""
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
        if size > limit:
            return b"".join(chunks), more
    return b"".join(chunks), False


async def _answer(send: Callable[[Message], Awaitable[None]], reply: dict[str, Any],
                  policy: list[tuple[bytes, bytes]], request_id: str, last: bool) -> None:
    """``reply`` as the application answers it; ``last``: the connection closes after it."""
    content = json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = [(b"content-length", str(len(content)).encode()), *policy,
               (b"x-request-id", request_id.encode("latin-1"))]
    if last:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": content})
