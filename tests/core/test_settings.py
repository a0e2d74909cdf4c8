from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.config import Settings


def test_defaults_to_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TTHC_DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite:///./tthc.db"
    assert settings.is_sqlite


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTHC_DATABASE_URL", "postgresql+psycopg://u@db/tthc")
    monkeypatch.setenv("TTHC_SCAN_INTERVAL_SECONDS", "60")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "postgresql+psycopg://u@db/tthc"
    assert settings.scan_interval_seconds == 60
    assert not settings.is_sqlite


def test_refuses_webhooks_without_secret_outside_development() -> None:
    with pytest.raises(ValidationError, match="TTHC_WEBHOOK_SECRET is empty"):
        Settings(_env_file=None, environment="test", webhook_secret="")  # type: ignore[call-arg]


def test_webhooks_disabled_need_no_secret() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, environment="test", webhooks_enabled=False, webhook_secret=""
    )
    assert not settings.webhooks_enabled


def test_refuses_default_secret_key_in_production() -> None:
    with pytest.raises(ValidationError, match="TTHC_SECRET_KEY"):
        Settings(  # type: ignore[call-arg]
            _env_file=None, environment="production", webhook_secret="w" * 32
        )


def test_refuses_short_webhook_secret_in_production() -> None:
    with pytest.raises(ValidationError, match="at least 16"):
        Settings(  # type: ignore[call-arg]
            _env_file=None, environment="production", secret_key="k" * 40, webhook_secret="short"
        )


def test_rejects_nonsense_interval() -> None:
    with pytest.raises(ValidationError, match="scan_interval_seconds"):
        Settings(_env_file=None, scan_interval_seconds=0)  # type: ignore[call-arg]
