"""A push delivery accepted on the event loop: one autocommitted statement on an asynchronous
connection, no thread, no ORM session (PostgreSQL; the push routes' fast lane,
app/ingest/fast_lane.py).

Accepted in the thread pool (app/ingest/accept_group.py) a delivery paid, besides its accept
statement, a hop to the pool's thread and back, the ORM session and its connection pool (a
ping, BEGIN, COMMIT: three round trips per group) and, for an OpenCPS sender, the session's
look-up: together about as much server and database CPU as the statement (docs/scaling.md,
the receiver, round 11). Here the accept statement (`queue_repository._ACCEPT`) is the whole
transaction: it writes nothing unless the delivery can be accepted, including, for an OpenCPS
delivery, unless the session it names is live and its sender not revoked, checked in the same
statement as the writes. The sender's name and agency (what the plan and its row of the minute
say) are read once per process and kept for `SENDER_SECONDS`; the session is still checked by
every statement. Whatever this path does not accept it hands back (`None`): the request then
takes the full path, which answers it as before (its refusal, the inline path, the 409 of a
replayed signed copy). Nothing is written on the way back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import psycopg
from sqlalchemy.engine import make_url

from app.ingest import queue_repository as repo
from app.senders.repository import _SESSIONS_PG, SessionOfSender
from app.senders.service import TOUCH_AFTER, secret_hash

#: How long a process keeps what it read of a session's sender (name, agency), not whether
#: the session is live: each accept statement checks that.
SENDER_SECONDS: Final = 60.0
#: Connections per server process: as many accepts at once; more requests wait for one.
CONNECTIONS: Final = 4


def libpq_url(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as libpq reads it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(slots=True)
class _Known:
    sender: SessionOfSender
    read_at: float  # time.monotonic()


@dataclass(slots=True)
class FastAccepts:
    """One per server process: its asynchronous connections and the senders it knows."""

    url: str
    size: int = CONNECTIONS
    _idle: list[psycopg.AsyncConnection[Any]] = field(default_factory=list)
    _opened: int = 0
    _free: asyncio.Condition | None = None
    _known: dict[str, _Known] = field(default_factory=dict)

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._free is None:
            self._free = asyncio.Condition()
        async with self._free:
            while not self._idle and self._opened >= self.size:
                await self._free.wait()
            if self._idle:
                return self._idle.pop()
            self._opened += 1
        try:
            return await psycopg.AsyncConnection.connect(
                libpq_url(self.url), autocommit=True,
                # the accept statement is planned once: its custom plans were a third of
                # its executions' time (docs/scaling.md, the receiver, round 10)
                options="-c plan_cache_mode=force_generic_plan")
        except BaseException:
            await self._give_back(None)
            raise

    async def _give_back(self, connection: psycopg.AsyncConnection[Any] | None) -> None:
        assert self._free is not None
        async with self._free:
            if connection is None or connection.closed or connection.broken:
                self._opened -= 1
            else:
                self._idle.append(connection)
            self._free.notify()

    async def sender(self, token: str, now: datetime, lifetime: timedelta
                     ) -> SessionOfSender | None:
        """The live session of ``token`` as last read (None: none, or one the full path must
        see: its last use is to be noted, its sender revoked)."""
        token_hash = secret_hash(token)
        known = self._known.get(token_hash)
        if known is None or time.monotonic() - known.read_at > SENDER_SECONDS \
                or now - known.sender.last_used_at >= TOUCH_AFTER:
            found = await self._read_sessions([token_hash])
            if token_hash not in found:
                self._known.pop(token_hash, None)
                return None
            known = self._known[token_hash] = _Known(found[token_hash], time.monotonic())
        sender = known.sender
        if (sender.revoked_at is not None or sender.last_used_at + lifetime <= now
                or now - sender.last_used_at >= TOUCH_AFTER):
            return None
        return sender

    async def _read_sessions(self, hashes: Sequence[str]) -> dict[str, SessionOfSender]:
        connection = await self._connection()
        try:
            cursor = await connection.execute(_SESSIONS_PG, {"hashes": list(hashes)},
                                              prepare=True)
            rows = await cursor.fetchall()
        finally:
            await self._give_back(connection)
        return {token_hash: SessionOfSender(id_, used, sender_id, name, revoked, agency)
                for id_, used, sender_id, name, revoked, agency, token_hash in rows}

    async def accept(self, params: dict[str, Any]) -> repo.Accepted:
        """The delivery's accept statement, autocommitted."""
        connection = await self._connection()
        try:
            cursor = await connection.execute(repo._ACCEPT_PG, params, prepare=True)
            row = await cursor.fetchone()
        finally:
            await self._give_back(connection)
        return repo._accepted(row)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
        self._opened -= len(idle)
