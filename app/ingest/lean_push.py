"""The push routes' requests served without FastAPI's per-request machinery.

A one-door system sends one record per request; FastAPI's request handler (dependency solving,
parameter validation, the response model's validation and serialisation, two exit stacks) was
a noticeable share of such a delivery's server CPU (docs/scaling.md, the receiver, round 5).
The routes stay declared with FastAPI (app/ingest/router.py, dvcqg_router.py): routing, the
405 for other methods, the metrics' route label and the OpenAPI documentation are theirs.
Only the ASGI app each route calls once matched is replaced by one that calls the same
dependency functions in the order FastAPI solves them (rate limit, then the body), then the
same endpoint function, and answers its reply as FastAPI does (the route's response field,
JSON bytes). Refusals propagate as exceptions to the application's handlers, as before.
A request whose query parameters FastAPI would refuse (422) is handed to the original app,
so its answer, body and order of checks stay FastAPI's. `app.dependency_overrides` do not
reach these three routes (nothing overrides their dependencies; the settings are the app's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi._body_limit import wrap_app_with_body_limit
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute, request_response
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.ingest import dvcqg_router
from app.ingest import router as webhook_routes
from connectors.portal.signing import SIGNATURE_HEADER

Handler = Callable[[Request], Awaitable[dict[str, Any]]]

#: /dvcqg/k/…'s query parameters and their `max_length` (as declared in dvcqg_router.keyed)
KEYED_QUERY_LIMITS = {"MaDinhDanhDV": 64, "isUpdating": 8, "service": 64}


async def _webhook(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    await webhook_routes.webhook_rate_limit(request, settings)
    body = await webhook_routes.limited_body(request, settings)
    return await webhook_routes.dvc_webhook(
        request, body, settings, request.headers.get(SIGNATURE_HEADER))


async def _dvcqg_api(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    await dvcqg_router.push_rate_limit(request, settings)
    body = await dvcqg_router.push_body(request, settings)
    return await dvcqg_router.api(request, body, settings, request.headers.get("dstcode"))


async def _dvcqg_keyed(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    await dvcqg_router.push_rate_limit(request, settings)
    body = await dvcqg_router.push_body(request, settings)
    query, params = request.query_params, request.path_params
    return await dvcqg_router.keyed(
        request, params["url_key"], params["service"], body, query.get("MaDinhDanhDV"),
        query.get("isUpdating"), query.get("service"))


def _keyed_query_is_valid(request: Request) -> bool:
    query = request.query_params
    return all(len(query.get(name) or "") <= limit for name, limit in KEYED_QUERY_LIMITS.items())


#: path -> (endpoint whose route it serves, lean handler, the check without which FastAPI's own
#: app answers)
LEAN: dict[str, tuple[Callable[..., Any], Handler, Callable[[Request], bool] | None]] = {
    "/api/v1/webhooks/dvc": (webhook_routes.dvc_webhook, _webhook, None),
    "/dvcqg/api": (dvcqg_router.api, _dvcqg_api, None),
    "/dvcqg/k/{url_key}/{service}": (dvcqg_router.keyed, _dvcqg_keyed, _keyed_query_is_valid),
}


def lean_app(route: APIRoute, handler: Handler,
             served: Callable[[Request], bool] | None) -> ASGIApp:
    """``route``'s requests through ``handler``; FastAPI's app for the route answers those
    ``served`` refuses."""
    fastapi_app, field = request_response(route.get_route_handler()), route.response_field
    if field is None:
        raise ValueError(f"{route.path}: a push route declares its reply's type")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        if served is not None and not served(request):
            await fastapi_app(scope, receive, send)
            return
        reply = await handler(request)
        # as FastAPI's handler: the reply validated by the route's response field (the
        # endpoint's return annotation) and dumped straight to JSON bytes
        value, errors = field.validate(reply, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=reply)
        content = field.serialize_json(value, by_alias=True)
        await Response(content, media_type="application/json")(scope, receive, send)

    return app


def lean_push_routes(max_body_size: int) -> list[Route]:
    """Starlette routes for the push paths, to be tried before FastAPI's (which stay, for the
    OpenAPI documentation). Each keeps its FastAPI route's methods, and the body limit the
    application includes the push routers with; the matched route is what the metrics label
    by its path."""
    declared = {(r.path, r.endpoint): r for r in (*webhook_routes.webhook_router.routes,
                                                  *dvcqg_router.router.routes)
                if isinstance(r, APIRoute)}
    routes = []
    for path, (endpoint, handler, served) in LEAN.items():
        route = declared[(path, endpoint)]
        asgi = wrap_app_with_body_limit(lean_app(route, handler, served), max_body_size)
        routes.append(Route(path, asgi, methods=sorted(route.methods or ()), name=route.name))
    return routes


def install_lean_push_routes(app: FastAPI, max_body_size: int) -> None:
    app.router.routes[:0] = lean_push_routes(max_body_size)
