"""The scheduled pull of the portal API (when it is configured), and the purge of the webhook
replay ledger."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.jobs import JobSpec, Transactions
from app.ingest import replay
from app.ingest.runs import run_pull
from connectors import get_connector

logger = logging.getLogger(__name__)


def pull_dvc_portal_job(
    transactions: Transactions, now: datetime, settings: Settings
) -> dict[str, int]:
    """Pull what changed since the stored cursor. Pages commit on their own sessions, so a
    failure after page 3 keeps pages 1-3 and the next run goes on from there."""
    if not settings.portal_base_url or not settings.portal_token:
        logger.info("portal pull skipped: TTHC_PORTAL_BASE_URL / TTHC_PORTAL_TOKEN not set")
        return {"skipped": 1}
    connector = get_connector(
        "dvc_portal", base_url=settings.portal_base_url, token=settings.portal_token
    )
    summary = run_pull(
        transactions.sessions(), connector, lambda: now, detail=settings.portal_base_url
    )
    if not summary.succeeded:
        raise RuntimeError(f"portal pull failed: {summary.error}")
    return {
        "pages": summary.pages,
        "stored": summary.counts.stored,
        "updated": summary.counts.updated,
        "unchanged": summary.counts.unchanged,
        "quarantined": summary.counts.quarantined,
    }


def purge_webhook_deliveries_job(
    session: Session, now: datetime, settings: Settings
) -> dict[str, int]:
    return {"deleted": replay.purge(session, now, settings.webhook_max_age_seconds)}


JOBS = [
    JobSpec(
        id="pull_dvc_portal",
        in_transactions=pull_dvc_portal_job,
        interval_setting="pull_interval_seconds",
        description="Pull dossier progress from the portal API since the stored cursor.",
    ),
    JobSpec(
        id="purge_webhook_deliveries",
        func=purge_webhook_deliveries_job,
        interval_seconds=3600.0,
        description="Forget webhook deliveries whose signature has expired (replay ledger).",
    ),
]
