"""The receiver's baseline: the least an HTTP receiver of deliveries can do.

A bare ASGI app (no framework) that reads the body, parses the JSON and INSERTs the raw payload
with one autocommitted statement per request, over a small pool of psycopg async connections.
`bench/b_receiver.py` runs it under the same uvicorn, with the same workers, as `tthc serve`.
The database is named by BENCH_RECEIVER_DSN (a libpq URL); the table is created beforehand.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any, Final

import psycopg
from psycopg.types.json import Jsonb

CREATE: Final = ("CREATE TABLE IF NOT EXISTS delivery_raw (id bigserial PRIMARY KEY, "
                 "received_at timestamptz NOT NULL DEFAULT now(), payload jsonb NOT NULL)")
INSERT: Final = "INSERT INTO delivery_raw (payload) VALUES (%s)"
POOL: Final = 8
OK: Final = b'{"error_code":0,"message":"ok"}'
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_pool: asyncio.Queue[psycopg.AsyncConnection[Any]] | None = None
_opening = asyncio.Lock()


async def _connections() -> asyncio.Queue[psycopg.AsyncConnection[Any]]:
    global _pool
    async with _opening:
        if _pool is None:
            queue: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
            for _ in range(POOL):
                queue.put_nowait(await psycopg.AsyncConnection.connect(
                    os.environ["BENCH_RECEIVER_DSN"], autocommit=True))
            _pool = queue
    return _pool


async def _reply(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            event = (await receive())["type"]
            if event == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif event == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    try:
        payload = json.loads(b"".join(chunks))
    except ValueError:
        await _reply(send, 400, b'{"error_code":400,"message":"not JSON"}')
        return
    pool = await _connections()
    connection = await pool.get()
    try:
        await connection.execute(INSERT, (Jsonb(payload),))
    finally:
        pool.put_nowait(connection)
    await _reply(send, 200, OK)
