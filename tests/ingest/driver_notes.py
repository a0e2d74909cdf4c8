"""Statements run on a session's psycopg connection directly (app/db/pg_driver.py), which
SQLAlchemy's events do not see: a module's `driver_connection` replaced by one that notes them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.orm import Session


class NotingDriver:
    """A psycopg connection that notes each statement (as ``name_of`` names it) and each
    pipeline ("pipeline" when it opens, "synced" once its results are in)."""

    def __init__(self, connection: Any, notes: list[str],
                 name_of: Callable[[str], str] = str) -> None:
        self._connection, self._notes, self._name_of = connection, notes, name_of

    def execute(self, statement: str, params: Any = None, **options: Any) -> Any:
        self._notes.append(self._name_of(statement))
        return self._connection.execute(statement, params, **options)

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        self._notes.append("pipeline")
        with self._connection.pipeline():
            yield
        self._notes.append("synced")


def note_driver(monkeypatch: pytest.MonkeyPatch, module: ModuleType, notes: list[str],
                name_of: Callable[[str], str] = str) -> None:
    """``module``'s statements on the driver are noted in ``notes`` from now on."""
    driver: Callable[[Session], Any] = module.driver_connection
    monkeypatch.setattr(module, "driver_connection",
                        lambda session: NotingDriver(driver(session), notes, name_of))
