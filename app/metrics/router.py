"""`/metrics`: Prometheus text. Request counters come from the middleware; the domain gauges are
read from the database at scrape time (aggregates only, so the endpoint is public by intent)."""

from __future__ import annotations

import os
from datetime import UTC

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.core.clock import utcnow
from app.ingest.push_queue import backlog as push_queue_backlog
from app.ingest.queue_processor import QueueProcessor
from app.metrics import repository
from app.metrics.requests import REQUEST_REGISTRY
from app.scheduler.service import heartbeat_status

router = APIRouter(tags=["operations"])


def _processor_families(processor: QueueProcessor | None) -> list[CounterMetricFamily]:
    """This process's push-queue processor (app/ingest/queue_processor.py): its batches and
    the deliveries in them (their ratio: the mean batch), by process id."""
    if processor is None:
        return []
    pid = [str(os.getpid())]
    batches = CounterMetricFamily("tthc_push_queue_batches", "Batches of queued deliveries "
                                  "processed by this process", labels=["pid"])
    batches.add_metric(pid, processor.batches)
    processed = CounterMetricFamily("tthc_push_queue_processed", "Queued deliveries "
                                    "processed by this process", labels=["pid"])
    processed.add_metric(pid, processor.processed)
    return [batches, processed]


def _domain_registry(session: Session, processor: QueueProcessor | None = None
                     ) -> CollectorRegistry:
    now = utcnow()
    families: list[GaugeMetricFamily | CounterMetricFamily] = []
    dossiers = GaugeMetricFamily(
        "tthc_dossiers", "Dossiers by last computed classification", labels=["classification"]
    )
    for cls, n in sorted(repository.dossiers_by_classification(session).items()):
        dossiers.add_metric([cls], n)
    flags = GaugeMetricFamily("tthc_dossiers_flagged", "Compliance flags", labels=["flag"])
    for flag, n in repository.flagged(session).items():
        flags.add_metric([flag], n)
    quarantine = GaugeMetricFamily("tthc_quarantine_open", "Open quarantine entries")
    quarantine.add_metric([], repository.open_quarantine(session))
    outbox = GaugeMetricFamily(
        "tthc_outbox_messages", "Outbox messages", labels=["channel", "status"]
    )
    for (channel, status), n in sorted(repository.outbox_by_status(session).items()):
        outbox.add_metric([channel, status], n)
    notices = GaugeMetricFamily("tthc_notices", "Apology notices", labels=["status"])
    for status, n in sorted(repository.notices_by_status(session).items()):
        notices.add_metric([status], n)
    runs = GaugeMetricFamily(
        "tthc_job_last_success", "1 if the job's last finished run succeeded", labels=["job"]
    )
    finished = GaugeMetricFamily(
        "tthc_job_last_finished_timestamp_seconds", "End of the job's last run", labels=["job"]
    )
    for run in repository.last_runs(session):
        runs.add_metric([run.job], 1 if run.outcome == "succeeded" else 0)
        if run.finished_at is not None:
            finished.add_metric([run.job], run.finished_at.astimezone(UTC).timestamp())
    beat = heartbeat_status(session, now)
    heartbeat = GaugeMetricFamily(
        "tthc_scheduler_heartbeat_age_seconds", "Seconds since the leader scheduler's beat"
    )
    if beat.age_seconds is not None:
        heartbeat.add_metric([], beat.age_seconds)
    depth, age_seconds = push_queue_backlog(session, now)
    waiting = GaugeMetricFamily(
        "tthc_push_queue_depth", "Push deliveries answered and not yet processed (all processes)")
    waiting.add_metric([], depth)
    age = GaugeMetricFamily(
        "tthc_push_queue_oldest_age_seconds", "Seconds since the oldest queued delivery's reply")
    age.add_metric([], age_seconds)
    families += [dossiers, flags, quarantine, outbox, notices, runs, finished, heartbeat,
                 waiting, age, *_processor_families(processor)]
    registry = CollectorRegistry(auto_describe=False)

    class _Snapshot:
        def collect(self) -> list[GaugeMetricFamily | CounterMetricFamily]:
            return families

    registry.register(_Snapshot())
    return registry


@router.get(
    "/metrics",
    summary="Prometheus metrics (aggregates only)",
    # Documented as text, which it is: the schema said JSON (found by schemathesis).
    response_class=PlainTextResponse,
)
def metrics(request: Request, session: SessionDep) -> Response:
    processor = getattr(request.app.state, "push_queue", None)
    body = generate_latest(REQUEST_REGISTRY) + generate_latest(
        _domain_registry(session, processor))
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
