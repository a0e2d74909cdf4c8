"""`tthc scheduler` (the one scheduler process) and `tthc jobs` (recent runs, run one now)."""

from __future__ import annotations

import json
import logging
import signal
import threading
from types import FrameType

import typer
from rich.table import Table

from app.core.clock import to_local
from app.core.config import get_settings
from app.core.errors import NotFound
from app.core.logging import setup_logging
from app.core.terminal import add_data_row, make_console
from app.db.readiness import check_database
from app.db.session import session_scope
from app.scheduler import registry, repository
from app.scheduler.leader import LeaderLockUnusable
from app.scheduler.process import LEADER_CHECK_SECONDS, STANDBY_RETRY_SECONDS, SchedulerProcess
from app.scheduler.runner import run_job
from app.scheduler.schemas import JobRunOut

logger = logging.getLogger(__name__)
console = make_console()
jobs_app = typer.Typer(help="Scheduled jobs: recent runs, run one now.", no_args_is_help=True)


def scheduler_command(
    retry_seconds: float = typer.Option(
        STANDBY_RETRY_SECONDS, min=0.1, help="While standing by, seconds between lock attempts."
    ),
    check_seconds: float = typer.Option(
        LEADER_CHECK_SECONDS, min=0.1, help="While leading, seconds between lock checks."
    ),
) -> None:
    """Run the scheduler: one instance leads and runs the jobs, others stand by."""
    settings = get_settings()
    setup_logging(settings.log_level, json_lines=settings.log_json)
    check_database(settings.database_url, allow_unreachable=True)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        logger.info("%s received: finishing running jobs, then exiting", name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    process = SchedulerProcess(settings, retry_seconds=retry_seconds, check_seconds=check_seconds)
    try:
        process.run(stop)
    except LeaderLockUnusable as exc:
        logger.error("scheduler cannot start: %s", exc)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None


@jobs_app.command("list")
def list_runs(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table."),
    limit: int = typer.Option(20, min=1, max=10_000, help="How many recent runs."),
    job: str | None = typer.Option(None, help="Only runs of this job id."),
) -> None:
    """Recent job runs, newest first."""
    with session_scope() as session:
        found = repository.recent_runs(session, limit=limit, job=job)
        rows = [JobRunOut.from_row(row) for row in found]
    if as_json:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in rows], ensure_ascii=False))
        return
    table = Table("id", "job", "started (giờ VN)", "duration", "outcome", "counts", "instance")
    for row in rows:
        add_data_row(
            table,
            str(row.id),
            row.job,
            to_local(row.started_at).strftime("%Y-%m-%d %H:%M:%S"),
            f"{row.duration_seconds:.1f} s" if row.duration_seconds is not None else "—",
            row.outcome,
            ", ".join(f"{key}={value}" for key, value in (row.counts or {}).items()),
            row.instance_id,
        )
    console.print(table)


@jobs_app.command("run")
def run_now(
    job_id: str = typer.Argument(..., help="A registered job id, see `tthc jobs registered`."),
) -> None:
    """Run one job now, through the same wrapper as the scheduler (exit 1 if it fails)."""
    settings = get_settings()
    setup_logging(settings.log_level, json_lines=settings.log_json)
    try:
        spec = registry.get_job(job_id)
    except NotFound as exc:
        typer.echo(exc.reason, err=True)
        raise typer.Exit(2) from exc
    result = run_job(spec, settings=settings)
    counts = ", ".join(f"{key}={value}" for key, value in result.counts.items())
    if result.outcome == "skipped":
        typer.echo(f"{job_id}: skipped, it is running elsewhere right now")
        raise typer.Exit(3)
    typer.echo(f"{job_id}: {result.outcome} (run {result.run_id}) {counts}".rstrip())
    if result.outcome == "failed":
        typer.echo((result.error or "").splitlines()[-1] if result.error else "", err=True)
        raise typer.Exit(1)


@jobs_app.command("registered")
def registered() -> None:
    """The jobs the scheduler runs and how often."""
    settings = get_settings()
    table = Table("job", "every", "from setting", "description")
    for spec in registry.all_jobs():
        add_data_row(
            table,
            spec.id,
            f"{spec.interval(settings):g} s",
            f"TTHC_{spec.interval_setting.upper()}" if spec.interval_setting else "fixed",
            spec.description,
        )
    console.print(table)
