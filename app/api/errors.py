"""Every error leaves as JSON with a machine code and a human reason."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.errors import AppError

log = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            exc.to_dict(), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "reason": err.get("msg", "")}
            for err in exc.errors()
        ]
        reason = "; ".join(f"{p['field']}: {p['reason']}" for p in problems) or "invalid request"
        return JSONResponse(
            {"error": "validation_failed", "reason": reason, "details": {"problems": problems}},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": "http_error", "reason": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        # SQLSTATE class 22: the database refused a value the caller sent (a number beyond
        # its column, a NUL character in text). The caller's fault, so a 400, not a 500.
        log.warning("database refused a request value", extra={"error_type": type(exc).__name__})
        return JSONResponse(
            {"error": "bad_request",
             "reason": "a value is out of range or contains characters that cannot be stored "
                       "(such as NUL)"},
            status_code=400,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return internal_error_response(exc)


def internal_error_response(exc: BaseException) -> JSONResponse:
    """Log an unhandled error (its type and traceback, never its values in the reply) and
    answer 500. Called inside the request-id middleware so the log line carries the id."""
    log.error("unhandled error", exc_info=exc, extra={"error_type": type(exc).__name__})
    return JSONResponse(
        {"error": "internal_error", "reason": "internal error; see server logs"},
        status_code=500,
    )
