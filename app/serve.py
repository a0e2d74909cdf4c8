"""`tthc serve`: the API and dashboard under uvicorn.

With the development secret key (the default, published in this repository) anyone can sign a
login nonce, so the service refuses to listen on anything but a loopback address until
`TTHC_SECRET_KEY` is set; on loopback it warns at every start (docs/reliability.md, W12).
Production settings refuse the development key outright (app/core/config.py).
"""

from __future__ import annotations

import ipaddress
import logging

import typer
import uvicorn

from app.core.config import Settings, get_settings
from app.core.logging import setup_logging
from app.db.readiness import check_database

log = logging.getLogger(__name__)

DEV_KEY_WARNING = (
    "CẢNH BÁO: TTHC_SECRET_KEY đang là khóa phát triển công khai (development secret key); "
    "chỉ dùng trên máy của bạn. Đặt TTHC_SECRET_KEY (32+ ký tự ngẫu nhiên) trước khi mở cho "
    "người khác truy cập."
)


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or 0.0.0.0 / :: reach other machines


def refuse_public_development_key(settings: Settings, host: str) -> None:
    """Exit (code 2) before serving beyond this machine with the public development key;
    warn loudly when serving on loopback with it."""
    if not settings.uses_development_key:
        return
    if not is_loopback(host):
        typer.echo(
            f"Từ chối phục vụ trên {host}: TTHC_SECRET_KEY đang là khóa phát triển công khai, "
            "ai cũng ký giả được. Đặt TTHC_SECRET_KEY (32+ ký tự ngẫu nhiên, ví dụ "
            "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`) hoặc chạy với "
            "--host 127.0.0.1.",
            err=True,
        )
        raise typer.Exit(code=2)
    typer.echo(DEV_KEY_WARNING, err=True)
    log.warning("serving with the development secret key; loopback only")


def serve_command(
    host: str = typer.Option("127.0.0.1", envvar="TTHC_HOST", help="Interface to listen on."),
    port: int = typer.Option(8000, envvar="TTHC_PORT", help="Port to listen on."),
    workers: int = typer.Option(
        1, envvar="TTHC_WORKERS", help="Worker processes (the API is stateless)."
    ),
) -> None:
    settings = get_settings()
    setup_logging(settings.log_level, json_lines=settings.log_json)
    refuse_public_development_key(settings, host)
    # Refuse here, with the reason, rather than serve 500s on every request.
    check_database(settings.database_url)
    uvicorn.run(
        "app.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=20,
        log_config=None,
    )
