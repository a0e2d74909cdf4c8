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
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import URL, make_url

from app.ingest import queue_repository as repo
from app.ingest.repository import DOSSIER_KEY_EXISTS
from app.senders.repository import SESSIONS_PG, SessionOfSender, sessions_of_rows
from app.senders.service import is_live, secret_hash, use_to_note

#: How long a process keeps what it read of a session's sender (name, agency), not whether
#: the session is live: each accept statement checks that.
SENDER_SECONDS: Final = 60.0
#: Connections per server process: as many accepts at once; more requests wait for one.
CONNECTIONS: Final = 4
#: How long a request waits for a connection (or to connect), and a statement may run, before
#: the lane gives up and the application takes the delivery.
WAIT_SECONDS: Final = 10
_OPTIONS: Final = f"-c plan_cache_mode=force_generic_plan -c statement_timeout={WAIT_SECONDS}s"


def lane_conninfo(url: URL | str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as libpq's connection string, for the lane's
    connections: each statement planned once (its custom plans were a third of its
    executions' time, docs/scaling.md, the receiver, round 10), none waiting for ever."""
    parsed = make_url(url)
    given: dict[str, Any] = {
        key: value for key, value in (("host", parsed.host), ("port", parsed.port),
                                      ("user", parsed.username), ("password", parsed.password),
                                      ("dbname", parsed.database)) if value is not None}
    given.update({key: value if isinstance(value, str) else value[-1]
                  for key, value in parsed.query.items()})
    lane: dict[str, Any] = {
        **given, "options": f"{given.get('options') or ''} {_OPTIONS}".strip(),
        "connect_timeout": given.get("connect_timeout") or WAIT_SECONDS}
    return make_conninfo("", **lane)


@dataclass(slots=True)
class _Known:
    sender: SessionOfSender
    read_at: float  # time.monotonic()


@dataclass(slots=True)
class FastAccepts:
    """One per server process: its asynchronous connections and the senders it knows."""

    url: URL = field(repr=False)  # with the password
    size: int = CONNECTIONS
    _idle: list[psycopg.AsyncConnection[Any]] = field(default_factory=list)
    _free: asyncio.Semaphore | None = None
    _closing: bool = False
    #: whether `dossier` is partitioned, with `dossier_key` (None: not asked yet)
    _keyed: bool | None = None
    _known: dict[str, _Known] = field(default_factory=dict)

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        """An idle connection, or a new one; raises TimeoutError after `WAIT_SECONDS`."""
        if self._free is None:
            self._free = asyncio.Semaphore(self.size)
        await asyncio.wait_for(self._free.acquire(), WAIT_SECONDS)
        if self._idle:
            return self._idle.pop()
        try:
            return await psycopg.AsyncConnection.connect(lane_conninfo(self.url),
                                                         autocommit=True)
        except BaseException:
            self._free.release()
            raise

    def _give_back(self, connection: psycopg.AsyncConnection[Any]) -> None:
        assert self._free is not None
        if self._closing or connection.closed or connection.broken:
            connection.pgconn.finish()  # no await: the socket is closed at once
        else:
            self._idle.append(connection)
        self._free.release()

    async def sender(self, token: str, now: datetime, lifetime: timedelta
                     ) -> SessionOfSender | None:
        """The live session of ``token`` as last read (None: none, or one the full path must
        see: its last use is to be noted, its sender revoked)."""
        token_hash = secret_hash(token)
        known = self._known.get(token_hash)
        if known is None or time.monotonic() - known.read_at > SENDER_SECONDS \
                or use_to_note(known.sender, now):
            found = await self._read_sessions([token_hash])
            if token_hash not in found:
                self._known.pop(token_hash, None)
                return None
            known = self._known[token_hash] = _Known(found[token_hash], time.monotonic())
        sender = known.sender
        return sender if is_live(sender, now, lifetime) and not use_to_note(sender, now) else None

    async def _read_sessions(self, hashes: Sequence[str]) -> dict[str, SessionOfSender]:
        connection = await self._connection()
        try:
            cursor = await connection.execute(SESSIONS_PG, {"hashes": list(hashes)},
                                              prepare=True)
            rows = await cursor.fetchall()
        finally:
            self._give_back(connection)
        return sessions_of_rows(rows)

    async def accept(self, params: dict[str, Any]) -> repo.Accepted:
        """The delivery's accept statement, autocommitted."""
        connection = await self._connection()
        try:
            if self._keyed is None:  # the database's layout, asked once per process
                found = await (await connection.execute(DOSSIER_KEY_EXISTS)).fetchone()
                self._keyed = bool(found and found[0])
            cursor = await connection.execute(repo.accept_text(self._keyed), params,
                                              prepare=True)
            row = await cursor.fetchone()
        finally:
            self._give_back(connection)
        return repo.accepted_row(row)

    async def close(self) -> None:
        """At shutdown: the idle connections closed now, those in use once given back."""
        self._closing = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
