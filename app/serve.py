"""`tthc serve`: the API and dashboard under uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from app.core.config import get_settings
from app.core.logging import setup_logging


def serve_command(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Worker processes (the API is stateless)."),
) -> None:
    settings = get_settings()
    setup_logging(settings.log_level, json_lines=settings.log_json)
    uvicorn.run(
        "app.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=20,
        log_config=None,
    )
