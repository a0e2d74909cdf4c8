"""Dependencies shared by routers, as `Annotated` aliases so signatures read like prose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

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


# scope="function": commit before the response leaves. With the default ("request") the commit
# ran after the client already had its answer, so a redirect's next request could read the
# state before the write, and a failed commit still looked like a success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
