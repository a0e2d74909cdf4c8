"""`tthc retention`: what retention would do (the default) or does (--apply); `restore`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from app.core.clock import parse_instant, utcnow
from app.core.config import get_settings
from app.core.errors import AppError
from app.db.session import session_scope
from app.retention.repository import archived_totals
from app.retention.service import Policy, Report, plan, restore, step

app = typer.Typer(
    help="Retention: fold old push receptions, delete old job runs, archive old raw payloads.",
    invoke_without_command=True,
)
NOW_HELP = "As of this instant (ISO 8601; without offset = Vietnamese local time)."
MAX_STEPS = 100_000


@app.callback()
def retention(
    ctx: typer.Context,
    apply: bool = typer.Option(False, "--apply", help="Do it (default: say what it would do)."),
    now: str | None = typer.Option(None, "--now", help=NOW_HELP),
) -> None:
    """Say what retention would do now, or do it with --apply (step by step, each committed)."""
    if ctx.invoked_subcommand is not None:
        return
    instant = _instant(now)
    policy = Policy.from_settings(get_settings())
    _describe_policy(policy)
    if not apply:
        with session_scope() as session:
            report = plan(session, instant, policy)
        _print(report, "would")
        typer.echo("Nothing was changed (dry run). Run again with --apply to do it.")
        return
    total = Report()
    for _ in range(MAX_STEPS):
        with session_scope() as session:
            done = step(session, instant, policy)
        for name in ("deliveries_folded", "minutes_folded", "summaries_written",
                     "job_runs_deleted", "payloads_archived"):
            setattr(total, name, getattr(total, name) + getattr(done, name))
        total.archive_files += done.archive_files
        if done.complete:
            break
    _print(total, "did")
    for name in total.archive_files:
        typer.echo(f"  archive file: {name}")


@app.command("restore")
def restore_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An archive file."),
    apply: bool = typer.Option(False, "--apply", help="Do it (default: only count)."),
) -> None:
    """Bring an archive file's payloads back (into another database: ingested again)."""
    try:
        with session_scope() as session:
            result = restore(session, file, utcnow(), apply=apply)  # reads only unless apply
    except AppError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(code=1) from None
    verb = "" if apply else "would be "
    typer.echo(f"{file.name}: {result.lines} payloads; {result.put_back} {verb}put back, "
               f"{result.reimported} {verb}stored and ingested again, {result.present} here "
               "already")
    if apply and result.reimported:
        c = result.counts
        typer.echo(f"  ingested: stored {c.stored}, updated {c.updated}, unchanged {c.unchanged}, "
                   f"quarantined {c.quarantined}")
    if not apply:
        typer.echo("Nothing was changed (dry run). Run again with --apply to do it.")


def _instant(now: str | None) -> datetime:
    try:
        return parse_instant(now) if now is not None else utcnow()
    except ValueError:
        typer.echo(f"error: --now must be an ISO 8601 instant, not {now!r}", err=True)
        raise typer.Exit(code=2) from None


def _describe_policy(policy: Policy) -> None:
    typer.echo(f"Push receptions: per sender and minute for {policy.reception_minutes_days} days, "
               "then per sender and day.")
    typer.echo(f"Job runs: {policy.job_run_days} days (each job's newest run stays).")
    if policy.archive_dir is None:
        typer.echo("Raw payloads: all kept in the database (TTHC_ARCHIVE_DIR is empty).")
    else:
        typer.echo(f"Raw payloads of dossiers closed and unchanged for "
                   f"{policy.archive_after_months} months: moved to {policy.archive_dir}.")
    with session_scope() as session:
        archived, here = archived_totals(session)
    typer.echo(f"Raw payloads now: {here} in the database, {archived} in archive files.")


def _print(report: Report, verb: str) -> None:
    typer.echo(f"Push receptions: {verb} fold {report.deliveries_folded} single deliveries "
               f"into minutes and {report.minutes_folded} minutes into days.")
    typer.echo(f"Job runs: {verb} delete {report.job_runs_deleted}.")
    typer.echo(f"Raw payloads: {verb} archive {report.payloads_archived}.")
