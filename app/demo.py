"""`tthc demo` and `tthc simulate portal`: the whole service on SQLite with the bundled portal
simulator, so a newcomer sees real data flow through every stage in one command."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.text import Text
from sqlalchemy.orm import Session, sessionmaker

from app.agencies.service import import_agencies
from app.auth.service import create_token
from app.core.background_server import BackgroundServer
from app.core.clock import utcnow
from app.core.config import get_settings
from app.core.terminal import make_console, safe_markup
from app.db import migrate
from app.db.readiness import DEMO_DATABASE
from app.db.session import make_engine, make_session_factory, session_scope
from app.demo_senders import PUSHING, push_demo_senders, simulate_push
from app.dossiers.lists import ListFilters
from app.dossiers.service import work_list
from app.ingest.runs import run_pull
from app.notices.drafting import create_draft
from app.notices.listing import list_notices
from app.notices.service import approve, issue, publish
from app.procedures.service import import_catalogue, list_procedures
from app.scan.service import run_scan
from connectors import get_connector
from connectors.simulator.app import DEFAULT_TOKEN, create_simulator_app
from connectors.simulator.dataset import generate_dataset
from connectors.simulator.faults import Faults
from connectors.simulator.server import run_simulator
from connectors.simulator.structured import with_history
from connectors.simulator.webhook import push_webhooks

app = typer.Typer()
simulate_app = typer.Typer(help="The bundled fake portal.", no_args_is_help=True)
console = make_console()

PROVINCE_CODE = "H21"
# The demo's supervisor: a provincial department (land and environment), whose dossiers,
# overdue ones and quarantined records the dashboard shows without the admin's wider view.
SUPERVISOR_AGENCY = "H21.12"
SUPERVISOR_AGENCY_NAME = "Sở Nông nghiệp và Môi trường"
DEMO_WEBHOOK_SECRET = "demo-webhook-secret-not-for-production"  # noqa: S105


# Who walks the demo's first apologies through the workflow (shown as approver and issuer).
DEMO_ACTOR = "Cán bộ giám sát (dữ liệu mẫu)"
# Fictional signers of the demo's notices (form 04 is signed by a person, with a title).
DEMO_SIGNERS = ("Trần Văn Hùng", "Nguyễn Thị Mai", "Lê Quang Vinh", "Phạm Thu Hà", "Võ Minh Tâm")


def _signer_title(name: str) -> str:
    head = "CHỦ TỊCH" if name.casefold().startswith("ubnd") else "GIÁM ĐỐC"
    return f"KT. {head}\nPHÓ {head}"


def agency_rows(
    portal_agencies: list[dict[str, Any]], province: str = "Lâm Đồng"
) -> list[dict[str, Any]]:
    """The portal lists agencies flat; their codes carry the tree (H21.12 under H21; a code
    under another, e.g. H21.12.01, would be its unit).
    Each gets a signer, and its parent's name heads its notices ("UBND TỈNH LÂM ĐỒNG")."""
    codes = {a["code"] for a in portal_agencies}
    rows: list[dict[str, Any]] = [{"code": PROVINCE_CODE, "name": f"UBND tỉnh {province}"}]
    for index, agency in enumerate(portal_agencies):
        parent = agency["code"].rsplit(".", 1)[0]
        rows.append(
            {
                "code": agency["code"],
                "name": agency["name"],
                "parent_code": parent if parent in codes else PROVINCE_CODE,
                "signer_name": DEMO_SIGNERS[index % len(DEMO_SIGNERS)],
                "signer_title": _signer_title(agency["name"]),
            }
        )
    return rows


def load_demo_data(
    url: str, portal: str, token: str, now: datetime,
    pushed: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Agencies and catalogue from the portal; the pushing agencies' dossiers through their
    one-door systems (`pushed`), the others pulled; then a scan. Returns demo tokens."""
    factory = make_session_factory(make_engine(url))
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=portal, headers=headers, timeout=30) as client:
        portal_agencies = client.get("/api/donvi").raise_for_status().json()["data"]
        catalogue = client.get("/api/thutuc").raise_for_status().json()["data"]
    with session_scope(factory) as session:
        province = get_settings().province_name
        import_agencies(session, agency_rows(portal_agencies, province), now)
        report = import_catalogue(session, enumerate(catalogue, start=1), now)
        # the catalogue publishes its times as text: the hour-counted ones are those read so
        same_hour = frozenset(v.procedure.code for v in list_procedures(session)
                              if v.procedure.processing_unit == "working_hours")
    console.print(safe_markup("catalogue: {} procedures, {} listed back, {} refused",
                              report.created, len(report.listed_back), len(report.refused)))

    names = {a["code"]: a["name"] for a in portal_agencies}
    if pushed:
        for line in push_demo_senders(factory, get_settings(), pushed, names, same_hour, now):
            console.print(safe_markup("push {}", line.line()))
    connector = get_connector("dvc_portal", base_url=portal, token=token, page_size=500)
    summary = run_pull(factory, connector, utcnow, detail=portal)
    console.print(safe_markup("pull: {}", summary.line()))
    with session_scope(factory) as session:
        scan = run_scan(session, utcnow())
    console.print(safe_markup("scan: {}", scan.as_dict()))
    published = publish_some_drafts(factory, utcnow(), keep=1)
    console.print(safe_markup("notices: {} drafted apologies approved, issued and published",
                              published))
    with session_scope(factory) as session:
        admin = create_token(session, name="Quản trị hệ thống", role="admin", agency=None,
                             now=now)
        supervisor = create_token(
            session, name=f"Giám sát {SUPERVISOR_AGENCY_NAME}", role="supervisor",
            agency=SUPERVISOR_AGENCY, now=now,
        )
        return {"admin": admin.secret, "supervisor": supervisor.secret}


def publish_some_drafts(factory: sessionmaker[Session], now: datetime, keep: int) -> int:
    """Draft late apologies for a few overdue dossiers (as a supervisor would by hand), then walk
    all but `keep` drafts through the workflow, so the public apology list has entries and the
    supervisors' page still has drafts to approve."""
    with session_scope(factory) as session:
        overdue, _ = work_list(session, "overdue", now, ListFilters(), None, 3)
        for item in overdue:
            create_draft(session, item.row.dossier.code, now, actor=DEMO_ACTOR)
        drafts = list_notices(session, scope=None, statuses=["draft"]).items
        chosen = drafts[: max(0, len(drafts) - keep)]
        for notice in chosen:
            approve(session, notice.id, now, actor=DEMO_ACTOR)
            issue(session, notice.id, now, actor=DEMO_ACTOR)
            publish(session, notice.id, now, actor=DEMO_ACTOR)
    return len(chosen)


@app.command("demo")
def demo(
    data_dir: Path = typer.Option(Path("demo-data"), help="Where the demo's SQLite file lives."),
    host: str = typer.Option("127.0.0.1", help="Interface for the API and dashboard."),
    port: int = typer.Option(8000, help="Port for the API and dashboard."),
    portal_port: int = typer.Option(8765, help="Port of the portal simulator."),
    dossiers: int = typer.Option(1500, min=10, max=200_000, help="Dossiers the portal holds."),
    scheduler: bool = typer.Option(True, help="Also run the scheduler process."),
) -> None:
    """Migrate an SQLite file, load simulator data and serve the API and dashboard."""
    from app.core.config import get_settings
    from app.serve import refuse_public_development_key

    refuse_public_development_key(get_settings(), host)  # before minutes of loading, not after
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = (data_dir / DEMO_DATABASE.name).resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    chosen_level = os.environ.get("TTHC_LOG_LEVEL")  # before the demo's settings replace it
    now = utcnow()
    # plus a year of history with slow units, a Tết peak and backlogs (about 1,300 dossiers),
    # so the forecast has habits to learn and "Nguy cơ trễ hạn" has something to show
    dataset = with_history(generate_dataset(dossiers, seed=7, now=now, malformed_ratio=0.01),
                           now, days=365, scale=0.1)
    pushed, pulled = dataset.split(PUSHING)
    simulator = BackgroundServer(
        create_simulator_app(pulled, Faults.none(), token=DEFAULT_TOKEN), host, portal_port
    ).start()
    env = {
        "TTHC_DATABASE_URL": url,
        "TTHC_PORTAL_BASE_URL": simulator.url,
        "TTHC_PORTAL_TOKEN": DEFAULT_TOKEN,
        "TTHC_WEBHOOK_SECRET": DEMO_WEBHOOK_SECRET,
        "TTHC_SCHEDULER_LOCK_PATH": str(data_dir.resolve() / "scheduler.lock"),
        "TTHC_LOG_JSON": "false",
        # The scheduler's and the server's INFO lines would scroll the URLs and tokens away.
        "TTHC_LOG_LEVEL": chosen_level or "WARNING",
    }
    os.environ.update(env)
    get_settings.cache_clear()
    migrate.upgrade(url)
    console.print(safe_markup("[green]database ready[/green] {}", db_path))
    tokens = load_demo_data(url, simulator.url, DEFAULT_TOKEN, now, pushed)
    process = None
    if scheduler:
        # Its delivery job warns every minute that no mail or webhook channel is set: in the
        # demo that is by design (said once below), and it would scroll the tokens away.
        quiet = {"TTHC_LOG_LEVEL": chosen_level or "ERROR"}
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "scheduler"], env={**os.environ, **env, **quiet}
        )
    base = f"http://{host}:{port}"
    console.print(safe_markup("\nDashboard:        {}/", base))
    console.print(safe_markup("Supervisor login: {}/login", base))
    console.print(safe_markup("API docs:         {}/docs", base))
    console.print(safe_markup("Health:           {}/healthz", base))
    console.print(safe_markup("Portal simulator: {}/api/hoso (Bearer {})", simulator.url,
                              DEFAULT_TOKEN))
    console.print(safe_markup("Pushing senders:  {}/giam-sat/he-thong-gui (admin)", base))
    console.print(safe_markup("Admin token:      {}", tokens["admin"]))
    console.print(safe_markup("Supervisor token: {} ({})", tokens["supervisor"],
                              SUPERVISOR_AGENCY_NAME))
    console.print("Notifications:    no mail or webhook channel is set, so they wait in the "
                  "outbox (.venv/bin/tthc outbox list)\n", highlight=False)
    _print_cli_hint(data_dir, db_path)
    from app.serve import serve_command

    try:
        serve_command(host=host, port=port, workers=1)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        simulator.stop()


def _print_cli_hint(data_dir: Path, db_path: Path) -> None:
    """The next thing a newcomer tries is the CLI on this data, from another terminal."""
    export = f"export TTHC_DATABASE_URL=sqlite:///{db_path}"
    found = data_dir.resolve() == (Path.cwd() / DEMO_DATABASE.parent).resolve()
    console.print("CLI on the demo data (another terminal, this directory):", highlight=False)
    if not found:
        console.print(safe_markup("  {}", export), highlight=False)
    for command in ("notices list", "report --group-by agency", "quarantine list"):
        console.print(safe_markup("  .venv/bin/tthc {}", command), highlight=False)
    if found:
        console.print(
            safe_markup("  (with TTHC_DATABASE_URL unset the CLI uses {}; elsewhere: {})",
                        DEMO_DATABASE, export),
            highlight=False, soft_wrap=True,
        )
    console.print("")


@simulate_app.command("portal")
def simulate_portal(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8765, help="Port to listen on."),
    dossiers: int = typer.Option(500, min=1, help="How many dossiers the portal holds."),
    seed: int = typer.Option(1, help="Seed of the generated data."),
    faults: bool = typer.Option(False, help="500s, 429s, slow pages, duplicates, bad records."),
    token: str = typer.Option(DEFAULT_TOKEN, help="Bearer token the portal accepts."),
) -> None:
    """Serve a fake portal pull API with realistic Vietnamese data."""
    run_simulator(host=host, port=port, dossiers=dossiers, seed=seed, faults=faults, token=token)


@simulate_app.command("webhooks")
def simulate_webhooks(
    target: str = typer.Option(
        "http://127.0.0.1:8000/api/v1/webhooks/dvc", help="Our webhook endpoint."
    ),
    secret: str = typer.Option(..., help="TTHC_WEBHOOK_SECRET of the receiver."),
    dossiers: int = typer.Option(50, min=1, help="How many dossiers to push."),
    seed: int = typer.Option(1, help="Seed of the generated data."),
    batch_size: int = typer.Option(25, min=1, help="Records per signed envelope."),
) -> None:
    """Push generated dossiers to a webhook as the portal would: signed envelopes."""
    dataset = generate_dataset(dossiers, seed=seed, now=utcnow())
    ordered = sorted(dataset.dossiers, key=lambda record: str(record.get("DonViXuLy", "")))
    try:
        results = push_webhooks(target, secret, ordered, batch_size=batch_size)
    except httpx.HTTPError as exc:
        console.print(safe_markup("[red]error:[/red] cannot reach {}: {}", target, exc))
        raise typer.Exit(code=1) from None
    refused = [r for r in results if r.status_code != 200]
    for result in results:
        style = "green" if result.status_code == 200 else "red"
        console.print(Text.assemble(
            (str(result.status_code), style),
            f" {result.agency_code}: {result.records} records — {result.body[:120]}",
        ))
    if refused:
        raise typer.Exit(code=1)


simulate_app.command("push")(simulate_push)
