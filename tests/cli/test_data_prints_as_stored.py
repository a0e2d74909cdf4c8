"""Whatever a name, reason or file holds, the CLI prints it as stored (app/core/terminal.py).

rich reads "[...]" as markup: "[/a]" in a procedure name used to stop the command with
`MarkupError`, and "[bold]x[/bold]" lost its brackets without a word. Each test puts such text
where a real command prints it: a table cell, a message that mixes our styling with data, an
error reason, a progress bar.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from app.cli import app as cli
from app.db.session import make_engine, make_session_factory, session_scope
from app.ingest import cli as ingest_cli
from app.ingest.service import ingest_records
from tests.ingest.payloads import NOW, as_records, dossier

runner = CliRunner()
# wide enough that no table cell wraps: the text must come out in one piece
WIDE = {"COLUMNS": "400"}
CLOSING = "Điều 5 [1] và [/a]"  # a closing tag nothing opened: MarkupError
STYLED = "Sở [bold]Tư pháp[/bold] [red]x"  # tags that would be eaten silently
EMOJI = "giờ 08:30 :thumbs_up:"  # an emoji code rich would replace with 👍


def _run(*args: str) -> Result:
    return runner.invoke(cli, list(args), env=WIDE)


def _ok(*args: str) -> str:
    result = _run(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def _shows(output: str, *texts: str) -> None:
    for text in texts:
        assert unicodedata.normalize("NFC", text) in output, output


def test_agencies_show_codes_names_and_errors_as_stored(cli_database: str) -> None:
    added = _ok("agencies", "add", "H21[/a]", STYLED)
    _shows(added, "created H21[/a]")
    _ok("agencies", "add", "H21.01", CLOSING, "--parent", "H21[/a]")
    _shows(_ok("agencies", "list"), "H21[/a]", STYLED, CLOSING)
    refused = _run("agencies", "add", "H21.02", "Xã", "--parent", "[bold]nowhere[/a]")
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)
    _shows(refused.output, "parent agency '[bold]nowhere[/a]' does not exist")


def test_catalogue_names_and_unread_times_print_as_stored(
    cli_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "danh-muc.json"
    path.write_text(json.dumps([
        {"MaTTHC": "1.000001", "TenTTHC": CLOSING, "MaLinhVuc": "TP", "TenLinhVuc": "Tư pháp",
         "ThoiHanGiaiQuyet": "05 ngày làm việc"},
        {"MaTTHC": "1.000002", "TenTTHC": STYLED, "MaLinhVuc": "TP", "TenLinhVuc": "Tư pháp",
         "ThoiHanGiaiQuyet": "Theo [/a] quy định [bold]riêng[/bold]"},
        {"MaTTHC": "1.000003", "TenTTHC": EMOJI, "MaLinhVuc": "TP", "TenLinhVuc": "Tư pháp",
         "ThoiHanGiaiQuyet": "03 ngày làm việc"},
    ], ensure_ascii=False), encoding="utf-8")
    imported = _ok("procedures", "import", str(path))
    _shows(imported, "Theo [/a] quy định [bold]riêng[/bold]")  # the listed-back table
    listed = _ok("procedures", "list")
    _shows(listed, CLOSING, STYLED, EMOJI)
    assert "👍" not in listed
    missing = _run("procedures", "steps", "[/a]", "--set", str(tmp_path / "[x].json"))
    assert missing.exit_code == 1 and isinstance(missing.exception, SystemExit)
    _shows(missing.output, "[x].json")


def test_senders_and_tokens_show_names_and_reasons_as_stored(cli_database: str) -> None:
    _ok("agencies", "add", "H21[/a]", STYLED)
    _ok("senders", "add", "--name", "opencps-1", "--agency", "H21[/a]")
    _shows(_ok("senders", "list"), "H21[/a]")
    refused = _run("senders", "add", "--name", "[bold]x[/a]")
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)
    _shows(refused.output, "sender name '[bold]x[/a]' must be")

    created = _ok("token", "create", "--role", "admin", "--name", CLOSING)
    assert created.splitlines()[-1].strip()  # the secret, alone on the last line
    _shows(_ok("token", "list"), CLOSING)
    unknown = _run("token", "create", "--role", "supervisor", "--name", "x",
                   "--agency", "[red]Sở[/a]")
    assert unknown.exit_code == 1 and isinstance(unknown.exception, SystemExit)
    _shows(unknown.output, "[red]Sở[/a]")


def test_calendar_reasons_and_sources_print_as_stored(cli_database: str) -> None:
    _ok("calendar", "add", "2026-09-03", "--kind", "day_off", "--reason", STYLED,
        "--source", CLOSING)
    _shows(_ok("calendar", "list"), STYLED, CLOSING)
    bad = _run("calendar", "add", "[/a]", "--kind", "day_off", "--reason", "x", "--source", "y")
    assert bad.exit_code == 2 and isinstance(bad.exception, SystemExit)
    _shows(bad.output, "'[/a]' is not a date")


def test_quarantined_payloads_print_as_stored(cli_database: str) -> None:
    engine = make_engine(cli_database)
    with session_scope(make_session_factory(engine)) as session:
        payload = dossier("H21.65-250908-0043", NgayHenTra="mai", TrichYeuHoSo=CLOSING)
        ingest_records(session, "test", as_records([payload]), NOW)  # type: ignore[arg-type]
    engine.dispose()
    _shows(_ok("quarantine", "list", "--show-payload"), CLOSING)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_import_shows_its_file_and_columns_as_named(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the progress bar shows the file's name; the unmapped columns follow."""
    screen = _Terminal()
    monkeypatch.setattr(ingest_cli, "err", Console(file=screen, force_terminal=True, width=400))
    path = tmp_path / "xuat [bold]moi[red].csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Mã hồ sơ", "Ngày tiếp nhận", "Cột [bold]lạ[/bold]"])
        writer.writerow(["H21.65-250908-0001", "08/09/2025 08:30", "x"])
    done = _ok("ingest", "file", str(path))
    _shows(done, "unmapped columns: Cột [bold]lạ[/bold]")
    _shows(screen.getvalue(), "xuat [bold]moi[red].csv")
