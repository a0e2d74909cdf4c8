"""API shapes of ingestion. None of them carries applicant or officer personal data."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app.db.types import MAX_ROW_ID


class QuarantineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    dossier_code: str | None
    source: str
    field: str
    reason: str
    value: str | None
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
    status: str


class QuarantineRetryIn(BaseModel):
    # Ids are 32-bit in the database: a larger one cannot exist and must not reach a query.
    ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] | None = Field(
        default=None, description="Entries to retry; all open if absent."
    )


class CountsOut(BaseModel):
    stored: int
    updated: int
    unchanged: int
    quarantined: int


class QuarantineRetryOut(BaseModel):
    retried: int
    resolved: int
    still_open: int
    counts: CountsOut


class IngestRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    detail: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    stored: int
    updated: int
    unchanged: int
    quarantined: int
    pages: int
    error: str | None
    agency_code: str | None = None

    def for_supervisor(self) -> IngestRunOut:
        """Without the server's file paths and addresses, which are for operators only."""
        return self.model_copy(update={"detail": redact_locations(self.detail),
                                       "error": redact_locations(self.error)})


# URLs, absolute POSIX paths (two segments or more) and Windows paths
_LOCATION = re.compile(
    r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"]+|(?<![\w.])/(?:[^\s/'\"]+/)+[^\s/'\"]*"
    r"|[A-Za-z]:\\[^\s'\"]+"
)
HIDDEN_LOCATION = "[đường dẫn ẩn]"


def redact_locations(text: str | None) -> str | None:
    return _LOCATION.sub(HIDDEN_LOCATION, text) if text else text


class RefusedOut(BaseModel):
    """A record of a delivery that was not stored (quarantined)."""

    position: int
    MaHoSo: str | None
    field: str
    reason: str


class WebhookReply(BaseModel):
    """The national portal's answer shape (app/ingest/replies.py), with our counts beside it."""

    error_code: int = 0
    message: str
    run_id: int
    stored: int
    updated: int
    unchanged: int
    quarantined: int
    refused: list[RefusedOut] | None = None
    #: records accepted and waiting to be processed (app/ingest/push_queue.py)
    queued: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)
