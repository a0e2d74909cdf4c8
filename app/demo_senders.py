"""The demo's pushing agencies: some one-door systems push to /dvcqg as the real ones do
(OpenCPS with a session, TD.DichVuCong and an enrolment system as bare lists under their URL
keys), the rest of the province is pulled. Each sender is registered like an admin would
(`tthc senders add`) and pushes to the API served for the time of the load."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import httpx
import typer
from sqlalchemy.orm import Session, sessionmaker

from app.core.background_server import BackgroundServer
from app.core.config import Settings
from app.db.session import make_engine, session_scope
from app.main import create_app
from app.senders.service import add_sender
from connectors.simulator.dataset import Dataset, generate_dataset
from connectors.simulator.enrolment import EnrolmentSender
from connectors.simulator.opencps import OpenCPSSender
from connectors.simulator.td_dvc import TdDichVuCongSender

#: Which agencies push through which kind of one-door system (the others are pulled).
OPENCPS_AGENCIES: Final = frozenset({"H21.65"})
TD_AGENCIES: Final = frozenset({"H21.66", "H21.69"})
ENROLMENT_AGENCIES: Final = frozenset({"H21.67"})
PUSHING: Final = OPENCPS_AGENCIES | TD_AGENCIES | ENROLMENT_AGENCIES


@dataclass(frozen=True)
class PushReport:
    sender: str
    deliveries: int
    accepted: int

    def line(self) -> str:
        return f"{self.sender}: {self.accepted}/{self.deliveries} deliveries accepted"


def push_demo_senders(
    factory: sessionmaker[Session],
    settings: Settings,
    dossiers: list[dict[str, Any]],
    agency_names: Mapping[str, str],
    no_appointment_procedures: frozenset[str],
    now: datetime,
) -> list[PushReport]:
    with session_scope(factory) as session:
        opencps = add_sender(session, "opencps-xuan-huong", "H21.65", now)
        td = add_sender(session, "td-dichvucong-lang-biang", "H21.66", now)
        enrolment = add_sender(session, "tuyen-sinh-lac-duong", "H21.67", now)
    # One client address pushing a province's history at once: the per-address rate limit is
    # for floods, not for this load.
    loading = settings.model_copy(update={"webhook_rate_per_minute": 1e6, "webhook_burst": 100_000})
    api = create_app(loading, make_engine(settings.database_url))

    def of(agencies: frozenset[str]) -> list[dict[str, Any]]:
        return [p for p in dossiers if p.get("DonViXuLy") in agencies]

    reports = []
    with BackgroundServer(api) as server, httpx.Client(timeout=60.0) as client:
        base = server.url
        sender = OpenCPSSender(f"{base}/dvcqg/auth", f"{base}/dvcqg/api", opencps.username,
                               opencps.password, madonvi="H21.65", agency_names=agency_names,
                               login_every_sync=False, client=client)
        reports.append(PushReport(opencps.name, *sender.push(of(OPENCPS_AGENCIES))))
        td_sender = TdDichVuCongSender(f"{base}/dvcqg/k/{td.url_key}/",
                                       agency_names=agency_names,
                                       no_appointment_procedures=no_appointment_procedures,
                                       client=client)
        reports.append(PushReport(td.name, *td_sender.push(of(TD_AGENCIES))))
        lists = EnrolmentSender(f"{base}/dvcqg/k/{enrolment.url_key}/DongBoHoSoMC",
                                client=client)
        reports.append(PushReport(enrolment.name, *lists.push(of(ENROLMENT_AGENCIES))))
    return reports


def simulate_push(
    kind: str = typer.Argument(..., help="opencps, td or enrolment: whose manner to push in."),
    base: str = typer.Option("http://127.0.0.1:8000", help="The receiver's address."),
    username: str = typer.Option("", help="OpenCPS: the sender's username."),
    password: str = typer.Option("", help="OpenCPS: the sender's password."),
    url_key: str = typer.Option("", help="TD.DichVuCong, enrolment: the sender's URL key."),
    agency: str = typer.Option("H21.65", help="OpenCPS: its madonvi."),
    dossiers: int = typer.Option(30, min=1, help="How many generated dossiers to push."),
    seed: int = typer.Option(1, help="Seed of the generated data."),
) -> None:
    """Push generated dossiers as a real one-door system would (`tthc senders add` first)."""
    from app.core.clock import utcnow

    payloads = [p for p in generate_dataset(dossiers, seed=seed, now=utcnow()).dossiers]
    names = {a["code"]: a["name"] for a in Dataset.agencies()}
    with httpx.Client(timeout=60.0) as client:
        if kind == "opencps":
            if not (username and password):
                raise typer.BadParameter("opencps needs --username and --password")
            sender: Any = OpenCPSSender(f"{base}/dvcqg/auth", f"{base}/dvcqg/api", username,
                                        password, agency, names, client=client)
        elif kind in ("td", "enrolment"):
            if not url_key:
                raise typer.BadParameter(f"{kind} needs --url-key")
            sender = (TdDichVuCongSender(f"{base}/dvcqg/k/{url_key}/", agency_names=names,
                                         client=client) if kind == "td" else
                      EnrolmentSender(f"{base}/dvcqg/k/{url_key}/DongBoHoSoMC", client=client))
        else:
            raise typer.BadParameter(f"unknown kind {kind!r}: opencps, td or enrolment")
        try:
            done, accepted = sender.push(payloads)
        except httpx.HTTPError as exc:
            typer.echo(f"error: cannot reach {base}: {exc}", err=True)
            raise typer.Exit(code=1) from None
    for exchange in sender.exchanges[-5:]:
        typer.echo(f"{exchange.status_code} {exchange.service}: {exchange.body[:120]}")
    typer.echo(f"{kind}: {accepted}/{done} deliveries accepted")
    if accepted < done:
        raise typer.Exit(code=1)
