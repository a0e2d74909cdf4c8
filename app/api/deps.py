"""Dependencies shared by routers, as `Annotated` aliases so signatures read like prose."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.core.config import Settings
from app.db.session import session_scope


# async: it only reads app state, so it runs on the event loop instead of costing a hop to the
# thread pool on every request
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """The request boundary: commit once if the handler returned, roll back if it raised."""
    read_only = request.method in ("GET", "HEAD", "OPTIONS")
    factory: sessionmaker[Session] = (
        request.app.state.read_session_factory if read_only else request.app.state.session_factory
    )
    with session_scope(factory) as session:
        yield session


T = TypeVar("T")


async def in_one_write(request: Request, work: Callable[[Session], T]) -> T:
    """The request boundary of the push routes, in ONE thread-pool hop: open a write session,
    run ``work``, commit (roll back if it raised). A sync endpoint with `SessionDep` costs three
    hops (open, handler, commit) and the generator-dependency machinery; for a one-record
    delivery that was a fifth of its time in the server (docs/scaling.md, the receiver)."""
    scope: Callable[[], AbstractContextManager[Session]] = request.app.state.write_scope

    def unit() -> T:
        with scope() as session:
            return work(session)

    return await run_in_threadpool(unit)


# scope="function": commit before the response leaves. With the default ("request") the commit
# ran after the client already had its answer, so a redirect's next request could read the
# state before the write, and a failed commit still looked like a success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
