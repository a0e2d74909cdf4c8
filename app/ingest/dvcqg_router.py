"""HTTP of the national portal's receiving side (app/ingest/dvcqg.py): ``/dvcqg/auth``,
``/dvcqg/api`` and ``/dvcqg/k/{url_key}/{service}``.

The same protections as the signed webhook: the body limit, a rate limit per client address
taken before the body is read (failed logins have a stricter one), no body ever logged, and
every refusal before anything is written. The URL key is a credential: it never reaches a log line
(app/core/logging.py masks it in access logs; metrics use the route template).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request

from app.api.deps import SettingsDep, in_one_write
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import TooManyRequests
from app.core.ratelimit import PUSH_RATE_CHECKED, RateLimiter, client_key, shared_limiter
from app.ingest import dvcqg, group_commit
from app.ingest.router import rate_limited, read_limited
from app.ingest.webhook import WebhooksDisabled

router = APIRouter(prefix="/dvcqg", tags=["dvcqg"])


def _limiter(request: Request, name: str, rate: float, burst: int) -> tuple[RateLimiter, str]:
    return shared_limiter(request.app.state, name, rate, burst), client_key(name, request.scope)


def take_push_token(state: Any, settings: Settings, scope: Any) -> None:
    """One token of /dvcqg's push limiter for the request's client address; raises
    TooManyRequests (here and in the push routes' fast lane, app/ingest/fast_lane.py)."""
    shared_limiter(state, "dvcqg_limiter", settings.webhook_rate_per_minute,
                   settings.webhook_burst).check(client_key("dvcqg_limiter", scope))


async def push_rate_limit(request: Request, settings: SettingsDep) -> None:
    if request.scope.get(PUSH_RATE_CHECKED):  # by the fast lane, which then handed it over
        return
    try:
        take_push_token(request.app.state, settings, request.scope)
    except TooManyRequests as exc:
        raise rate_limited(exc) from None


def _login_failures(request: Request, settings: Settings) -> tuple[RateLimiter, str]:
    return _limiter(request, "dvcqg_login_failures", settings.dvcqg_login_per_minute,
                    settings.dvcqg_login_burst)


async def login_rate_limit(request: Request, settings: SettingsDep) -> None:
    """Failed logins only are counted: some OpenCPS versions log in before every delivery, a
    password guesser fails. Once the failures used the allowance, no attempt is evaluated."""
    limiter, key = _login_failures(request, settings)
    try:
        limiter.check_available(key)
    except TooManyRequests as exc:
        raise rate_limited(exc) from None


async def push_body(request: Request, settings: SettingsDep) -> bytes:
    if not settings.dvcqg_enabled:
        raise WebhooksDisabled("the /dvcqg receiver is disabled on this server")
    return await read_limited(request, settings.webhook_max_body_bytes)


def session_policy(settings: Settings) -> dvcqg.SessionPolicy:
    return dvcqg.SessionPolicy(timedelta(days=settings.dvcqg_session_days),
                               settings.dvcqg_sessions_per_sender)


BodyDep = Annotated[bytes, Depends(push_body)]


@router.post("/auth", summary="Log a registered sender in: {username, password} -> session",
             dependencies=[Depends(login_rate_limit)])
async def auth(
    request: Request,
    body: BodyDep,
    settings: SettingsDep,
    dstcode: Annotated[str | None, Header()] = None,  # sent by OpenCPS; tolerated, not needed
) -> dict[str, Any]:
    try:
        return await in_one_write(
            request, lambda session: dvcqg.login(session, body, utcnow(), session_policy(settings)))
    except dvcqg.SenderUnauthorized:
        limiter, key = _login_failures(request, settings)
        with suppress(TooManyRequests):
            limiter.check(key)
        raise


@router.post("/api", summary="DongBoHoSoMC, CapNhatTienDoHoSoMC, LayThuTuc, TraCuuHoSo "
             "in the national portal's envelope, with a session",
             dependencies=[Depends(push_rate_limit)])
async def api(
    request: Request,
    body: BodyDep,
    settings: SettingsDep,
    dstcode: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    return await group_commit.deliver(
        request, lambda session, now: dvcqg.plan_api_request(session, body, now,
                                                             session_policy(settings)),
        dvcqg.session_token(body))


@router.post("/k/{url_key}/{service}",
             summary="A bare JSON list of DongBoHoSoMC or CapNhatTienDoHoSoMC records (or an "
                     "envelope), the sender known by its URL key",
             dependencies=[Depends(push_rate_limit)])
async def keyed(
    request: Request,
    url_key: str,
    service: str,
    body: BodyDep,
    madinhdanhdv: Annotated[str | None, Query(alias="MaDinhDanhDV", max_length=64)] = None,
    is_updating: Annotated[str | None, Query(alias="isUpdating", max_length=8)] = None,
    query_service: Annotated[str | None, Query(alias="service", max_length=64)] = None,
) -> dict[str, Any]:
    query = {"MaDinhDanhDV": madinhdanhdv, "isUpdating": is_updating, "service": query_service}
    return await group_commit.deliver(request, lambda session, now: dvcqg.plan_keyed_delivery(
        session, url_key, service, body, now, query))
