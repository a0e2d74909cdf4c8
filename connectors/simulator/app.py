"""The fake portal's HTTP API (PORTAL.md "Pull API"), with optional faults."""

from __future__ import annotations

import base64
import binascii
import bisect
import hmac
import json
import random
import time
from typing import Annotated, Any, Final

from fastapi import FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from connectors.simulator.dataset import Dataset
from connectors.simulator.faults import Dice, Faults

DEFAULT_TOKEN: Final = "sim-token"  # noqa: S105 (a fake portal's demo token)
MAX_LIMIT: Final = 1000


def encode_cursor(offset: int, updated_since: str) -> str:
    raw = json.dumps({"o": offset, "u": updated_since}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """Raise ``ValueError`` for a cursor this server did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        offset, since = data["o"], data["u"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ValueError("invalid cursor") from None
    if not isinstance(offset, int) or offset < 0 or not isinstance(since, str):
        raise ValueError("invalid cursor")
    return offset, since


def _error(status: int, code: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message}, status_code=status,
                        headers=headers)


def _with_extras(dataset: Dataset, faults: Faults, start: int, offset: int,
                 real: list[dict[str, Any]], room: int) -> list[dict[str, Any]]:
    """Add duplicates and stale copies of records served earlier in this pull (``[start, offset)``).

    Decided by the page position only, so a retried page is identical.
    """
    if offset <= start or not real or (faults.duplicate_rate == 0 and faults.stale_rate == 0):
        return real
    rng = random.Random(f"{faults.seed}:{offset}")  # noqa: S311 (simulation)
    page = list(real)
    for _ in range(len(real)):
        if len(page) - len(real) >= room:
            break
        earlier = dataset.dossiers[rng.randrange(start, offset)]
        draw = rng.random()
        if draw < faults.duplicate_rate:
            page.insert(rng.randrange(len(page) + 1), earlier)
        elif draw < faults.duplicate_rate + faults.stale_rate:
            stale = dataset.stale_copy(earlier, rng)
            if stale is not None:
                page.insert(rng.randrange(len(page) + 1), stale)
    return page


def create_simulator_app(dataset: Dataset, faults: Faults | None = None,
                         token: str = DEFAULT_TOKEN) -> FastAPI:
    """A FastAPI app serving ``dataset`` like the portal: ``GET /api/hoso`` (Bearer ``token``),
    ``GET /api/thutuc`` (the procedure catalogue) and ``GET /api/donvi`` (agencies)."""
    faults = faults or Faults.none()
    dice = Dice(faults.seed)
    app = FastAPI(title="TTHC portal simulator", docs_url=None, redoc_url=None)
    app.state.dataset = dataset
    app.state.faults = faults

    @app.exception_handler(RequestValidationError)
    def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return _error(400, 400, f"Tham số không hợp lệ: {problems}")

    def authorised(authorization: str | None) -> bool:
        scheme, _, value = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)

    @app.get("/api/hoso")
    def list_dossiers(
        authorization: Annotated[str | None, Header()] = None,
        updated_since: Annotated[str | None, Query(pattern=r"^\d{14}$")] = None,
        cursor: str | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    ) -> Any:
        if not authorised(authorization):
            return _error(401, 401, "Phiên đăng nhập không hợp lệ hoặc đã hết hạn")
        roll = dice.roll()
        if roll < faults.error_rate:
            return _error(500, 500, "Lỗi hệ thống, vui lòng thử lại sau")
        if roll < faults.error_rate + faults.rate_limit_rate:
            return _error(429, 429, "Quá nhiều yêu cầu",
                          **{"Retry-After": str(faults.retry_after_seconds)})
        if dice.roll() < faults.slow_rate:
            time.sleep(faults.slow_seconds)
        since = updated_since or ""
        start = bisect.bisect_left(dataset.updated_keys, since) if since else 0
        offset = start
        if cursor:
            try:
                offset, cursor_since = decode_cursor(cursor)
            except ValueError:
                return _error(400, 400, "Tham số cursor không hợp lệ")
            if cursor_since != since or offset < start:
                return _error(400, 400, "cursor không khớp với updated_since")
        extras_room = limit // 3 if faults.duplicate_rate or faults.stale_rate else 0
        real_count = max(1, limit - extras_room)
        real = dataset.dossiers[offset: offset + real_count]
        end = offset + len(real)
        data = _with_extras(dataset, faults, start, offset, real, limit - len(real))
        next_cursor = encode_cursor(end, since) if end < len(dataset.dossiers) else None
        return {"error_code": 0, "message": "Thành công", "data": data, "next_cursor": next_cursor}

    @app.get("/api/thutuc")
    def catalogue() -> Any:
        return {"error_code": 0, "data": dataset.catalogue()}

    @app.get("/api/donvi")
    def agencies() -> Any:
        return {"error_code": 0, "data": dataset.agencies()}

    return app
