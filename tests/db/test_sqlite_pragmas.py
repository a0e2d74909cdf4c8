"""Every SQLite connection the product opens gets the same settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.config import get_settings
from app.db.session import WAL_CHECKPOINT_PAGES, make_engine


def test_each_connection_gets_cache_mmap_wal_foreign_keys_and_memory_temp_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTHC_SQLITE_CACHE_MB", "16")
    monkeypatch.setenv("TTHC_SQLITE_MMAP_MB", "0")
    get_settings.cache_clear()
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
        with engine.connect() as connection:
            read = {name: connection.execute(text(f"PRAGMA {name}")).scalar()
                    for name in ("cache_size", "mmap_size", "wal_autocheckpoint",
                                 "journal_mode", "foreign_keys", "busy_timeout", "temp_store")}
        engine.dispose()
    finally:
        get_settings.cache_clear()
    assert read == {"cache_size": -16 * 1024, "mmap_size": 0,
                    "wal_autocheckpoint": WAL_CHECKPOINT_PAGES, "journal_mode": "wal",
                    "foreign_keys": 1, "busy_timeout": 30000, "temp_store": 2}


def test_a_cache_below_one_megabyte_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTHC_SQLITE_CACHE_MB", "0")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="sqlite_cache_mb"):
            get_settings()
    finally:
        get_settings.cache_clear()
