"""`tthc quarantine list|retry`: entries without personal data unless asked, retry resolves."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli import app as cli
from app.db.session import make_engine, make_session_factory, session_scope
from app.ingest.service import ingest_records
from tests.ingest.payloads import NOW, as_records, dossier, stamp, step

runner = CliRunner()
CODE = "H21.65-250908-0042"


def seed(url: str, payloads: list[dict[str, object]], kind: str = "dossier") -> None:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        ingest_records(session, "test", as_records(payloads, kind=kind), NOW)  # type: ignore[arg-type]
    engine.dispose()


def test_list_and_retry(cli_database: str) -> None:
    seed(cli_database, [step(CODE, stamp(9, 9), 4)], kind="progress")
    seed(cli_database, [dossier("H21.65-250908-0043", NgayHenTra="mai")])
    listed = runner.invoke(cli, ["quarantine", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    entries = json.loads(listed.output)
    assert [(e["dossier_code"], e["field"]) for e in entries] == [
        (CODE, "MaHoSo"), ("H21.65-250908-0043", "NgayHenTra")]
    assert set(entries[0]) == {"id", "dossier_code", "source", "field", "reason", "value",
                               "count", "first_seen_at", "last_seen_at", "status"}
    assert "Nguyễn Văn An" not in listed.output and "Trần Thị Bình" not in listed.output
    table = runner.invoke(cli, ["quarantine", "list"])
    assert table.exit_code == 0 and "NgayHenTra" in table.output
    shown = runner.invoke(cli, ["quarantine", "list", "--json", "--show-payload"])
    assert json.loads(shown.output)[1]["payload"]["ChuHoSo"] == "Nguyễn Văn An"

    seed(cli_database, [dossier(CODE, steps=[])])
    retried = runner.invoke(cli, ["quarantine", "retry", "--id", str(entries[0]["id"])])
    assert retried.exit_code == 0, retried.output
    assert "resolved 1" in retried.output
    still = json.loads(runner.invoke(cli, ["quarantine", "list", "--json"]).output)
    assert [e["field"] for e in still] == ["NgayHenTra"]
    resolved = runner.invoke(cli, ["quarantine", "list", "--json", "--status", "resolved"])
    assert [e["dossier_code"] for e in json.loads(resolved.output)] == [CODE]
    every = runner.invoke(cli, ["quarantine", "list", "--json", "--status", "all"])
    assert len(json.loads(every.output)) == 2
    gone = runner.invoke(cli, ["quarantine", "retry", "--id", str(entries[0]["id"])])
    assert gone.exit_code == 1 and "no open quarantine entry" in gone.output
    bad = runner.invoke(cli, ["quarantine", "list", "--status", "closed"])
    assert bad.exit_code == 2
