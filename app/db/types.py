"""Column types shared by every model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Row ids are 32-bit integers: a larger value (from a cursor or a path) names no row and must
# not reach a query, where SQLite raises OverflowError and PostgreSQL a DataError.
MAX_ROW_ID = 2_147_483_647


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored in UTC.

    SQLite has no timezone type and returns naive values, so UTC is attached on the way out;
    a naive value on the way in is a bug in the caller and is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store naive datetime {value.isoformat()}")
        converted = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return converted.replace(tzinfo=None)
        return converted

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        impl_processor = self.impl_instance.dialect_impl(dialect).bind_processor(dialect)
        if dialect.name == "postgresql" and impl_processor is None:
            # timestamptz keeps the instant whatever the offset: refusing naive values is all
            # there is to do, without converting each of the ~15 instants of an imported dossier
            def refuse_naive(value: datetime | None) -> datetime | None:
                if value is not None and (value.tzinfo is None or value.utcoffset() is None):
                    raise ValueError(f"refusing to store naive datetime {value.isoformat()}")
                return value

            return refuse_naive
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # One function instead of two chained ones (the check above, then SQLite's string
        # formatting), giving the same text: an import binds ~15 instants for every dossier.
        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is not UTC:
                value = self.process_bind_param(value, dialect)
                assert value is not None
            # "YYYY-MM-DD HH:MM:SS.ffffff" (year zero-padded to four digits, microseconds
            # always shown), cut before any "+00:00": one C call instead of seven formats
            return value.isoformat(" ", "microseconds")[:26]

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        instant: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        if instant.tzinfo is None:
            return instant.replace(tzinfo=UTC)
        return instant.astimezone(UTC)
