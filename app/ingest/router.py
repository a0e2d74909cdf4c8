"""HTTP: the signed push webhook, and the quarantine and ingest-run views for staff."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, SettingsDep
from app.auth.deps import Principal, require_roles
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import BadRequest, TooManyRequests
from app.core.ratelimit import PUSH_RATE_CHECKED, client_key, shared_limiter
from app.ingest import group_commit, quarantine
from app.ingest.quarantine import StatusFilter
from app.ingest.runs import recent_runs
from app.ingest.schemas import (
    CountsOut,
    IngestRunOut,
    QuarantineOut,
    QuarantineRetryIn,
    QuarantineRetryOut,
)
from app.ingest.webhook import (
    EnvelopeRefused,
    Plan,
    WebhookRateLimited,
    WebhooksDisabled,
    plan_delivery,
    too_large,
)
from connectors.portal.signing import SIGNATURE_HEADER

webhook_router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
router = APIRouter(prefix="/api/v1", tags=["ingest"])
Staff = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]


def take_webhook_token(state: Any, settings: Settings, scope: Any) -> None:
    """One token of the webhook's limiter for the request's client address; raises
    TooManyRequests (here and in the push routes' fast lane, app/ingest/fast_lane.py)."""
    shared_limiter(state, "webhook_limiter", settings.webhook_rate_per_minute,
                   settings.webhook_burst).check(client_key("webhook_limiter", scope))


def rate_limited(exc: TooManyRequests) -> WebhookRateLimited:
    """A push route's 429, in the portal's shape."""
    wait = int(exc.details.get("retry_after_seconds", 1))
    return WebhookRateLimited(exc.reason, retry_after_seconds=wait)


async def webhook_rate_limit(request: Request, settings: SettingsDep) -> None:
    """One token per delivery and client address, taken before the body is read (429); on the
    event loop (it never blocks), not in the thread pool."""
    if request.scope.get(PUSH_RATE_CHECKED):  # by the fast lane, which then handed it over
        return
    try:
        take_webhook_token(request.app.state, settings, request.scope)
    except TooManyRequests as exc:
        raise rate_limited(exc) from None


async def limited_body(request: Request, settings: SettingsDep) -> bytes:
    """The raw body, refused (413) as soon as it exceeds the limit, declared or actual."""
    if not settings.webhooks_enabled:
        raise WebhooksDisabled("webhooks are disabled on this server")
    return await read_limited(request, settings.webhook_max_body_bytes)


async def read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refused (413) as soon as it exceeds `limit` bytes, declared or actual."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise EnvelopeRefused(f"Content-Length {declared!r} is not a number")
        if int(declared) > limit:
            raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


@webhook_router.post(
    "/dvc",
    summary="Receive a DongBoHoSoMC / CapNhatTienDoHoSoMC envelope signed with X-TTHC-Signature",
    dependencies=[Depends(webhook_rate_limit)],
)
async def dvc_webhook(
    request: Request,
    body: Annotated[bytes, Depends(limited_body)],
    settings: SettingsDep,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
) -> dict[str, Any]:
    def prepare(_session: Session, now: datetime) -> Plan:
        return signed_plan(body, signature, settings, now)

    return await group_commit.deliver(request, prepare)


def signed_plan(body: bytes, signature: str | None, settings: Settings, now: datetime) -> Plan:
    """A signed delivery's plan under the server's webhook secret and age limit (no database);
    raises its refusal."""
    return plan_delivery(body, signature, secret=settings.webhook_secret,
                         max_age_seconds=settings.webhook_max_age_seconds, now=now)


@router.get("/quarantine", response_model=list[QuarantineOut], summary="Quarantined records")
def list_quarantine(
    session: SessionDep,
    principal: Staff,
    status: StatusFilter = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[QuarantineOut]:
    """A supervisor sees the records that name an agency of their subtree (DonViXuLy, the
    envelope's madonvi, or a stored dossier of that code)."""
    entries = quarantine.list_entries(session, status, limit=limit,
                                      agency_ids=principal.agency_ids)
    return [QuarantineOut.model_validate(e) for e in entries]


@router.post(
    "/quarantine/retry", response_model=QuarantineRetryOut, summary="Re-ingest open entries"
)
def retry_quarantine(
    session: SessionDep, principal: Staff, payload: QuarantineRetryIn | None = None
) -> QuarantineRetryOut:
    """Retries the open entries the caller may see (or those of `ids`, all of which must be)."""
    ids = payload.ids if payload is not None else None
    if ids is not None and not ids:
        raise BadRequest("ids must not be empty; leave it out to retry every open entry")
    result = quarantine.retry(session, utcnow(), ids, principal.agency_ids)
    return QuarantineRetryOut(
        retried=result.retried,
        resolved=result.resolved,
        still_open=result.still_open,
        counts=CountsOut(**result.counts.as_dict()),
    )


@router.get("/ingest/runs", response_model=list[IngestRunOut], summary="Recent ingest runs")
def list_runs(
    session: SessionDep,
    principal: Staff,
    source: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[IngestRunOut]:
    """An admin sees every run; a supervisor only the webhook deliveries their agencies sent,
    without server paths or addresses in `detail` and `error`."""
    runs = recent_runs(session, source, limit, principal.agency_ids)
    shown = [IngestRunOut.model_validate(r) for r in runs]
    return shown if principal.is_admin else [r.for_supervisor() for r in shown]
