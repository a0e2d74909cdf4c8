"""`tthc scan` and `tthc notices` against a database of their own (real commits)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import app
from app.db.session import make_engine, make_session_factory, session_scope
from tests.scan.scenario import add_dossier, make_case

runner = CliRunner()
CODE = "000.00.12.H36-260302-0099"


def _seed(url: str) -> None:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        case = make_case(session)
        add_dossier(session, case, CODE)
    engine.dispose()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_scan_then_notice_workflow_from_the_command_line(cli_database: str, tmp_path: Path) -> None:
    _seed(cli_database)
    counts = json.loads(_invoke("scan", "--now", "2026-03-06T10:00:00+07:00", "--json"))
    assert counts["drafted"] == 1 and counts["became_due_soon"] == 1
    again = json.loads(_invoke("scan", "--now", "2026-03-06T10:00:00+07:00", "--json"))
    assert again["drafted"] == 0 and again["became_due_soon"] == 0

    [item] = json.loads(_invoke("notices", "list", "--json"))
    for key in ("id", "dossier_code", "status", "number", "new_due_at", "created_at"):
        assert key in item
    assert (item["dossier_code"], item["status"], item["number"]) == (CODE, "draft", "01/PXL-STP")
    notice = str(item["id"])

    _invoke("notices", "edit", notice, "--reason", "Chờ ý kiến của Sở Xây dựng")
    refused = runner.invoke(app, ["notices", "issue", notice, "--by", "Lê Văn Bình"])
    assert refused.exit_code == 1 and "approved first" in refused.output
    _invoke("notices", "approve", notice, "--by", "Trần Quốc Hưng")
    _invoke("notices", "issue", notice, "--by", "Lê Văn Bình")
    _invoke("notices", "publish", notice)
    [published] = json.loads(_invoke("notices", "list", "--json", "--status", "published"))
    assert published["reason"] == "Chờ ý kiến của Sở Xây dựng"

    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK"), ("html", b"<!")):
        out = tmp_path / f"notice.{fmt}"
        _invoke("notices", "render", notice, "--format", fmt, "--out", str(out))
        assert out.read_bytes().lstrip()[:4].upper().startswith(magic.upper())

    second = runner.invoke(app, ["notices", "draft", CODE])
    assert second.exit_code == 1 and "re-set only once" in second.output


def test_bad_input_is_refused_clearly(cli_database: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["scan", "--now", "yesterday"]).exit_code == 2
    missing = runner.invoke(app, ["notices", "approve", "999"])
    assert missing.exit_code == 1 and "no notice with id 999" in missing.output
    bad = runner.invoke(
        app, ["notices", "render", "1", "--format", "odt", "--out", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2
    assert runner.invoke(app, ["notices", "list", "--status", "lost"]).exit_code == 1
