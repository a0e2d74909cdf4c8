"""/docs: Swagger UI served from the installed packages, never from a CDN.

FastAPI's built-in page loads Swagger UI from a CDN and starts it with an inline script: blank
on a network without internet (many provincial networks), and blocked by our own
Content-Security-Policy (script-src 'self'). This follows FastAPI's self-hosting recipe with the
asset files that the `fastapi-offline` package ships (Swagger UI 5, which reads OpenAPI 3.1),
and a start-up script of our own instead of the inline one.

ReDoc is not offered: it injects <style> elements, which the same policy forbids, and Swagger UI
already shows every operation and schema.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
ASSETS_URL = "/docs-assets"
OWN_ASSETS_URL = "/docs-assets/own"
SWAGGER_ASSETS = Path(str(files("fastapi_offline") / "static"))
OWN_ASSETS = Path(__file__).parent / "static"

_PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{own}/swagger-init.js"></script>
</body>
</html>
"""


def _with_bearer_scheme(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The OpenAPI document declares the bearer token that app/auth reads from the header by
    hand, so Swagger UI offers its "Authorize" button and sends the token it is given. Public
    operations ignore the header."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearerToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `tthc token create` (the demo prints two).",
            }
        }
        schema["security"] = [{"bearerToken": []}, {}]  # {}: the public routes need none
        app.openapi_schema = schema
        return schema

    return openapi


def install_docs(app: FastAPI) -> None:
    """Mount the assets and the /docs page (create the app with docs_url=None, redoc_url=None)."""
    app.openapi = _with_bearer_scheme(app)  # type: ignore[method-assign]
    # The more specific mount first: Starlette matches mounts in order.
    app.mount(OWN_ASSETS_URL, StaticFiles(directory=OWN_ASSETS), name="docs-own-assets")
    app.mount(ASSETS_URL, StaticFiles(directory=SWAGGER_ASSETS), name="docs-assets")
    page = _PAGE.format(
        title=html.escape(app.title),
        assets=ASSETS_URL,
        own=OWN_ASSETS_URL,
        openapi_url=html.escape(app.openapi_url or "/openapi.json"),
    )

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)
