"""The FastAPI application: routers, error handlers, middleware, static assets."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp

from app.api.docs import install_docs
from app.api.errors import install_error_handlers
from app.api.middleware import RequestContext
from app.auth.router import router as auth_router
from app.calendar.router import router as calendar_router
from app.core.config import Settings, get_settings
from app.core.logging import setup_logging
from app.dashboard.errors import install_dashboard_errors
from app.dashboard.router import router as dashboard_router
from app.db.session import make_engine, make_session_factory, session_scope
from app.deadlines.calendar.civil import load_holiday_tables
from app.dossiers.router import router as dossiers_router
from app.forecast.router import router as forecast_router
from app.health.router import router as health_router
from app.ingest.dvcqg_router import router as dvcqg_router
from app.ingest.fast_accept import FastAccepts
from app.ingest.fast_lane import PushFastLane
from app.ingest.lean_push import install_lean_push_routes
from app.ingest.queue_processor import QueueProcessor
from app.ingest.router import router as ingest_router
from app.ingest.router import webhook_router
from app.metrics.requests import RecordRequests, note_request
from app.metrics.router import router as metrics_router
from app.notices.render.fonts import missing_font_message, print_font
from app.notices.router import public_router as public_notices_router
from app.notices.router import router as notices_router
from app.procedures.router import router as procedures_router
from app.rates.router import router as rates_router
from app.scheduler.router import router as jobs_router

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "dashboard" / "static"
# Every JSON and form body; the webhook and /dvcqg, which receive whole pages of dossiers, have
# their own limit (settings.webhook_max_body_bytes).
MAX_REQUEST_BYTES = 1_048_576


class Application(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # before every layer, the application's own included: app/ingest/fast_lane.py
        return PushFastLane(super().build_middleware_stack(), self.state, note_request)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if print_font() is None:
            log.warning(missing_font_message())
        queue: QueueProcessor | None = _app.state.push_queue
        if queue is not None:
            queue.start()  # deliveries a stopped process left are processed now
        yield
        if _app.state.fast_accepts is not None:
            await _app.state.fast_accepts.close()
        if queue is not None:
            await run_in_threadpool(queue.stop)
        engine.dispose()

    app = Application(
        title="tthc-monitor",
        version="0.1.0",
        description="Theo dõi thời hạn giải quyết hồ sơ thủ tục hành chính (TTHC).",
        lifespan=lifespan,
        max_body_size=MAX_REQUEST_BYTES,
        docs_url=None,  # served offline by install_docs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.read_session_factory = make_session_factory(engine, writer=False)
    # the push routes' unit of work (app/api/deps.py: in_one_write); tests bind it to their
    # rolled-back session, as they override `get_session`
    app.state.write_scope = partial(session_scope, app.state.session_factory)
    # push deliveries accepted, then processed in the background (PostgreSQL; None: inline)
    app.state.push_queue = (QueueProcessor(app.state.write_scope,
                                           settings.push_queue_poll_seconds)
                            if settings.queues_pushes else None)
    # the push routes' deliveries accepted on the event loop (app/ingest/fast_lane.py)
    app.state.fast_accepts = (FastAccepts(engine.url)
                              if settings.queues_pushes and settings.push_fast_lane else None)
    install_error_handlers(app)
    install_dashboard_errors(app)
    app.add_middleware(RecordRequests)
    app.add_middleware(RequestContext)  # outermost: answers the 500 the counter saw raised
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_docs(app)
    routers = (
        # the push routes first: a route is found by trying each in turn, and they take the
        # most requests (one per record a one-door system sends); no other route shares
        # their prefixes
        webhook_router,
        dvcqg_router,
        health_router,
        metrics_router,
        jobs_router,
        dashboard_router,
        auth_router,
        forecast_router,  # before dossiers_router: its /{code:path} takes any name
        dossiers_router,
        calendar_router,
        ingest_router,
        procedures_router,
        rates_router,
        notices_router,
        public_notices_router,
    )
    for router in routers:
        pushed = router is webhook_router or router is dvcqg_router
        limit = settings.webhook_max_body_bytes if pushed else None
        app.include_router(router, max_body_size=limit)
    # first: they take the most requests (the routers above stay, for the documentation)
    install_lean_push_routes(app, settings.webhook_max_body_bytes)
    return app


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory app.main:app_factory`."""
    settings = get_settings()
    setup_logging(settings.log_level, json_lines=settings.log_json)
    if settings.uses_development_key:
        # `tthc serve` refuses a non-loopback address with this key; uvicorn run by hand
        # cannot be asked where it listens, so at least every start says it
        log.warning("TTHC_SECRET_KEY is the public development key: anyone can sign a login "
                    "nonce; set TTHC_SECRET_KEY before this server is reachable by others")
    app = create_app(settings)
    load_holiday_tables()  # before the freeze: a start-up import, not garbage to scan
    _fewer_gc_passes()
    return app


def _fewer_gc_passes() -> None:
    """The server process only: leave what startup loaded (modules, the app, SQLAlchemy's
    compiled caches) out of every collection, and collect the youngest objects every 20,000
    allocations instead of 700-2,000. Measured on the receiver (docs/scaling.md, round 4):
    the collector took ~5 % of the server's CPU, ~1.5 % after; full collections still run
    (every 10 × 10 young ones), so cyclic garbage does not pile up."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
