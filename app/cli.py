"""The `tthc` command. Each domain package contributes its own typer sub-app from its cli.py."""

from __future__ import annotations

import typer

from app.agencies.cli import app as agencies_app
from app.auth.cli import app as token_app
from app.calendar.cli import app as calendar_app
from app.db.cli import app as db_app
from app.db.cli_guard import DatabaseAwareGroup, choose_database
from app.delivery.cli import app as outbox_app
from app.demo import app as demo_app
from app.demo import simulate_app
from app.dossiers.cli import app as dossier_app
from app.forecast.cli import app as forecast_app
from app.ingest.cli import app as ingest_app
from app.ingest.cli_quarantine import app as quarantine_app
from app.notices.cli import app as notices_app
from app.ops.cli import backup_command, restore_command
from app.procedures.cli import app as procedures_app
from app.rates.cli import report_command
from app.retention.cli import app as retention_app
from app.scan.cli import scan_command
from app.scheduler.cli import jobs_app, scheduler_command
from app.senders.cli import app as senders_app
from app.serve import serve_command

app = typer.Typer(
    name="tthc",
    help="tthc-monitor: theo dõi thời hạn giải quyết hồ sơ TTHC.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=DatabaseAwareGroup,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    choose_database(ctx.invoked_subcommand)

app.add_typer(db_app, name="db")
app.add_typer(agencies_app, name="agencies")
app.add_typer(token_app, name="token")
app.command("report", help="Biểu II.06a: received, resolved, in progress, rates.")(report_command)
app.command("serve", help="Serve the API and the dashboard with uvicorn.")(serve_command)
app.add_typer(demo_app)
app.add_typer(simulate_app, name="simulate")
app.add_typer(calendar_app, name="calendar")
app.add_typer(dossier_app, name="dossier")
app.add_typer(forecast_app, name="forecast")
app.add_typer(ingest_app, name="ingest")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(senders_app, name="senders")
app.add_typer(procedures_app, name="procedures")
app.command("scheduler", help="Run the job scheduler (one leader, others wait).")(scheduler_command)
app.add_typer(jobs_app, name="jobs")
app.add_typer(outbox_app, name="outbox")
app.add_typer(retention_app, name="retention")
app.add_typer(notices_app, name="notices")
app.command("scan", help="Scan open dossiers as of now: transitions, apology drafts.")(scan_command)
app.command("backup", help="Back up the SQLite database (PostgreSQL: pg_dump).")(backup_command)
app.command("restore", help="Restore the SQLite database from a backup file.")(restore_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
