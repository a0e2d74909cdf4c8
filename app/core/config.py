"""Settings from the environment or `.env`, prefix `TTHC_`.

Unsafe combinations are refused at start-up with a message that says what to set, because a
service that silently accepts unsigned webhooks or a guessable cookie key is worse than one that
does not start.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production below


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TTHC_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        # A refused start-up prints its error to the logs: never with the secrets it was given.
        hide_input_in_errors=True,
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./tthc.db"
    # SQLite's page cache per connection (its default, 2 MB, thrashes once the unique indexes of
    # a few hundred thousand dossiers outgrow it). Memory-mapped reads are off by default: the
    # mapped pages count in the process's resident memory (a 1M-row import peaked at 494 MB
    # with 256 MB mapped, 500 MB being the budget) for no measurable gain in an import.
    sqlite_cache_mb: int = Field(default=64, ge=1)
    sqlite_mmap_mb: int = Field(default=0, ge=0)
    secret_key: str = DEV_SECRET_KEY
    log_level: str = "INFO"
    log_json: bool = True

    # Portal pull connector and webhooks.
    portal_base_url: str = ""
    portal_token: str = ""
    webhooks_enabled: bool = True
    webhook_secret: str = ""
    webhook_max_body_bytes: int = Field(default=5_000_000, gt=0)
    webhook_max_age_seconds: int = Field(default=300, gt=0)
    # Per client address: the portal pushes in bursts after an outage, a flood does not.
    webhook_rate_per_minute: float = Field(default=1200.0, gt=0)
    webhook_burst: int = Field(default=300, ge=1)
    # Registered senders pushing through /dvcqg (tthc senders add). Bodies and the delivery
    # rate follow the webhook's limits; logins have their own, stricter one.
    dvcqg_enabled: bool = True
    # A session unused this long ends (OpenCPS caches its session and never logs in again).
    dvcqg_session_days: int = Field(default=90, ge=30)
    dvcqg_sessions_per_sender: int = Field(default=50, ge=1)
    dvcqg_login_per_minute: float = Field(default=30.0, gt=0)
    dvcqg_login_burst: int = Field(default=10, ge=1)
    # Push deliveries arriving together in one server process are written in one transaction,
    # this many at most, each answered with its own outcome after the commit
    # (app/ingest/group_commit.py); 1 writes each delivery alone.
    push_group_max: int = Field(default=16, ge=1, le=256)
    # PostgreSQL: "queued" answers an acceptable push delivery once it is stored and queued,
    # and processes its records moments later in large batches (app/ingest/push_queue.py);
    # "inline" processes each delivery inside its request (the group above). SQLite is always
    # inline: one embedded writer, whose requests and processor would only take turns on the
    # same write lock, and a queue there would add a write per delivery for nothing.
    push_processing: Literal["queued", "inline"] = "queued"
    # Queued pushes: a webhook or /dvcqg/api delivery that can be accepted is, on the event
    # loop by one statement, before the application's layers (app/ingest/fast_lane.py).
    push_fast_lane: bool = True
    # ... and closes a sender's connection after this many deliveries (0: never), so that a few
    # busy senders' kept-alive connections spread over the worker processes.
    push_requests_per_connection: int = Field(default=100, ge=0)
    # How often the processor looks for deliveries queued by other processes (or left by a
    # stopped one) when nothing woke it.
    push_queue_poll_seconds: float = Field(default=1.0, gt=0)
    # `tthc ingest file`: read, hash and parse the next pages in a worker process while this
    # one writes, when the machine has a second core (app/ingest/read_ahead.py).
    import_read_ahead: bool = True

    # Deadline engine.
    due_soon_working_hours: float = Field(default=8.0, gt=0)
    mismatch_working_hours: float = Field(default=1.0, ge=0)

    # Breach-risk forecast (app/forecast): a unit is told once when a dossier of theirs reaches
    # this probability of finishing late; learned from dossiers received in the last N days.
    forecast_risk_threshold: float = Field(default=0.25, gt=0, lt=1)
    forecast_learning_days: int = Field(default=365, ge=30)
    forecast_interval_seconds: int = Field(default=3600, gt=0)

    # Scheduler (seconds between runs).
    scan_interval_seconds: int = Field(default=300, gt=0)
    pull_interval_seconds: int = Field(default=600, gt=0)
    rollup_interval_seconds: int = Field(default=900, gt=0)
    delivery_interval_seconds: int = Field(default=60, gt=0)
    # Empty: `<database file>.scheduler.lock`, beside the SQLite database (SQLite only).
    scheduler_lock_path: str = ""
    # PostgreSQL: rows the daily partition job moves out of DEFAULT per run (a month at least).
    partition_split_rows_per_run: int = Field(default=1_000_000, ge=1)

    # Rates.
    progress_score_weight: float = Field(default=20.0, gt=0)
    small_sample_threshold: int = Field(default=20, ge=1)
    # How long `/` and /api/v1/public/rates reuse a computed answer (0: never).
    public_cache_seconds: int = Field(default=60, ge=0)

    # Retention (app/retention; the README's "What is kept, and for how long").
    retention_interval_seconds: int = Field(default=3600, gt=0)
    retention_job_run_days: int = Field(default=90, ge=1)
    # Push receptions are kept per sender and minute this long, then per sender and day.
    retention_reception_minutes_days: int = Field(default=30, ge=1)
    # Raw payloads of dossiers finished and untouched this long move to compressed files in
    # archive_dir; empty (the default) keeps every payload in the database.
    archive_dir: str = ""
    archive_after_months: int = Field(default=12, ge=1)

    # Notices and delivery. The province names the header of notices ("UBND TỈNH LÂM ĐỒNG") and,
    # unless TTHC_NOTICE_PLACE or the agency says otherwise, the place of their date line.
    province_name: str = "Lâm Đồng"
    notice_place: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "tthc-monitor@localhost"
    outgoing_webhook_url: str = ""

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        problems: list[str] = []
        if self.webhooks_enabled and self.environment != "development" and not self.webhook_secret:
            problems.append(
                "TTHC_WEBHOOK_SECRET is empty while webhooks are enabled: set a long random "
                "secret, or TTHC_WEBHOOKS_ENABLED=false"
            )
        if self.environment == "production":
            if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
                problems.append(
                    "TTHC_SECRET_KEY must be set to 32+ random characters in production"
                )
            if self.webhook_secret and len(self.webhook_secret) < 16:
                problems.append("TTHC_WEBHOOK_SECRET must be at least 16 characters")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def uses_development_key(self) -> bool:
        """The published default key: fine on a developer's machine, forgeable anywhere else."""
        return self.secret_key == DEV_SECRET_KEY

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def queues_pushes(self) -> bool:
        """Push deliveries accepted, then processed (PostgreSQL only, see push_processing)."""
        return self.push_processing == "queued" and not self.is_sqlite


@lru_cache
def get_settings() -> Settings:
    return Settings()
