from __future__ import annotations

import json

from typer.testing import CliRunner

from app.cli import app
from app.db.session import make_engine, make_session_factory, session_scope
from tests.factories import local, make_agency, make_dossier, make_procedure

runner = CliRunner()


def _seed(url: str) -> None:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        agency = make_agency(session, "SO-TP", "Sở Tư pháp")
        procedure = make_procedure(session, "1.001234", "3", "working_days")
        make_dossier(
            session,
            "H21.65-260302-0001",
            agency,
            procedure,
            local(2026, 3, 2, 16, 0),
            portal_due_at=local(2026, 3, 5, 16, 0),
        )
    engine.dispose()


def test_show_json_has_the_documented_fields(cli_database: str) -> None:
    _seed(cli_database)
    result = runner.invoke(
        app, ["dossier", "show", "H21.65-260302-0001", "--json", "--as-of", "2026-03-04T09:00"]
    )
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.output)
    for key in (
        "code",
        "status",
        "received_at",
        "clock_started_at",
        "due_at",
        "portal_due_at",
        "classification",
        "appointment_mismatch",
        "finished_at",
        "escalated",
    ):
        assert key in item
    assert item["status"] == 4
    assert item["due_at"] == "2026-03-05T09:00:00+00:00"  # Thu 16:00 local
    assert item["classification"] == "in_time"
    assert item["appointment_mismatch"] is False


def test_show_unknown_code_fails_clearly(cli_database: str) -> None:
    result = runner.invoke(app, ["dossier", "show", "NOPE", "--json"])
    assert result.exit_code == 1
    assert "no dossier with code 'NOPE'" in result.output


def test_show_rejects_bad_instant(cli_database: str) -> None:
    result = runner.invoke(app, ["dossier", "show", "X", "--as-of", "yesterday"])
    assert result.exit_code == 2
    assert "not an ISO 8601 instant" in result.output


def test_explain_prints_checkable_arithmetic(cli_database: str) -> None:
    _seed(cli_database)
    result = runner.invoke(
        app, ["dossier", "explain", "H21.65-260302-0001", "--as-of", "2026-03-04T09:00"]
    )
    assert result.exit_code == 0, result.output
    assert "H21.65-260302-0001" in result.output
    assert "Bắt đầu tính thời hạn" in result.output
    result = runner.invoke(
        app, ["dossier", "explain", "H21.65-260302-0001", "--json", "--as-of", "2026-03-04T09:00"]
    )
    assert json.loads(result.output)["result"]["due_at"] == "2026-03-05T09:00:00+00:00"


def test_calendar_override_cli_round_trip(cli_database: str) -> None:
    _seed(cli_database)
    result = runner.invoke(
        app,
        [
            "calendar",
            "add",
            "2026-03-04",
            "--kind",
            "day_off",
            "--reason",
            "Nghỉ do bão",
            "--source",
            "CV 12/UBND-VP",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 open dossiers recomputed" in result.output
    listed = json.loads(runner.invoke(app, ["calendar", "list", "--json"]).output)
    assert listed == [
        {"day": "2026-03-04", "kind": "day_off", "reason": "Nghỉ do bão", "source": "CV 12/UBND-VP"}
    ]
    shown = runner.invoke(
        app, ["dossier", "show", "H21.65-260302-0001", "--json", "--as-of", "2026-03-04T09:00"]
    )
    assert json.loads(shown.output)[0]["due_at"] == "2026-03-06T09:00:00+00:00"
    again = runner.invoke(
        app,
        ["calendar", "add", "2026-03-04", "--kind", "day_off", "--reason", "x", "--source", "y"],
    )
    assert again.exit_code == 1
    assert "exists already" in again.output
    bad = runner.invoke(
        app,
        ["calendar", "add", "2026-03-05", "--kind", "holiday", "--reason", "x", "--source", "y"],
    )
    assert bad.exit_code == 1
    assert "day_off or working_day" in bad.output
    removed = runner.invoke(app, ["calendar", "remove", "2026-03-04"])
    assert removed.exit_code == 0, removed.output
    missing = runner.invoke(app, ["calendar", "remove", "2026-03-04"])
    assert missing.exit_code == 1


def test_office_hours_change_moves_the_due(cli_database: str) -> None:
    _seed(cli_database)
    bad = runner.invoke(app, ["calendar", "hours", "--sessions", "7:30 to 11:30"])
    assert bad.exit_code == 1 and "07:30-11:30" in bad.output
    result = runner.invoke(
        app, ["calendar", "hours", "--sessions", "07:00-11:00,13:00-17:00", "--agency", "SO-TP"]
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["calendar", "hours"])
    assert "07:00–11:00, 13:00–17:00" in listed.output
    shown = runner.invoke(
        app, ["dossier", "show", "H21.65-260302-0001", "--json", "--as-of", "2026-03-04T09:00"]
    )
    # received Mon 16:00 with 1h left that day (close 17:00): 23 more hours -> Thu 16:00 still,
    # since each day has 8 hours either way; the clock start is unchanged, so is the due.
    assert json.loads(shown.output)[0]["due_at"] == "2026-03-05T09:00:00+00:00"
    shorter = runner.invoke(
        app, ["calendar", "hours", "--sessions", "07:30-11:30,13:30-16:30", "--agency", "SO-TP"]
    )
    assert shorter.exit_code == 0, shorter.output
    shown = runner.invoke(
        app, ["dossier", "show", "H21.65-260302-0001", "--json", "--as-of", "2026-03-04T09:00"]
    )
    # 3 working days = 24 working hours on 7-hour days: Mon 16:00-16:30 (0.5h), Tue-Thu (21h),
    # Fri 07:30-10:00 (2.5h) -> Fri 10:00 local.
    assert json.loads(shown.output)[0]["due_at"] == "2026-03-06T03:00:00+00:00"
